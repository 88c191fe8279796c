// A read-only array that either owns its elements (a table built from the index) or views them where
// they lie in a mapped tables file (store/tables_file.h): the matchers read both alike, and a mapped
// table's pages are the file's page cache, shared and evictable, not the process's own memory.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace errkb::store {

template <typename T>
class FlatArray {
 public:
  FlatArray() = default;
  explicit FlatArray(std::vector<T> owned) {
    auto holder = std::make_shared<const std::vector<T>>(std::move(owned));
    view_ = std::span<const T>(holder->data(), holder->size());
    keeper_ = std::move(holder);
  }
  // `view` stays valid while `keeper` lives (the mapping it lies in).
  FlatArray(std::span<const T> view, std::shared_ptr<const void> keeper)
      : keeper_(std::move(keeper)), view_(view) {}

  const T* data() const { return view_.data(); }
  size_t size() const { return view_.size(); }
  bool empty() const { return view_.empty(); }
  const T& operator[](size_t i) const { return view_[i]; }
  const T* begin() const { return view_.data(); }
  const T* end() const { return view_.data() + view_.size(); }
  std::span<const T> span() const { return view_; }

 private:
  std::shared_ptr<const void> keeper_;
  std::span<const T> view_;
};

}  // namespace errkb::store
