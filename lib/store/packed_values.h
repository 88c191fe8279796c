// Values packed into bytes for the files and metadata the store writes itself (file states, the
// catalogue codes an index keeps): fixed-width little-endian integers and length-prefixed texts.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace errkb::store {

inline void put_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

inline void put_text(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

// Reads what put_u64 and put_text wrote, in order; false once the bytes run short.
class PackedReader {
 public:
  explicit PackedReader(std::string_view data) : data_(data) {}
  bool u64(uint64_t& v) {
    if (data_.size() < sizeof v) return false;
    std::memcpy(&v, data_.data(), sizeof v);
    data_.remove_prefix(sizeof v);
    return true;
  }
  bool text(std::string& s) {
    uint64_t n = 0;
    if (!u64(n) || n > data_.size()) return false;
    s.assign(data_.data(), n);
    data_.remove_prefix(n);
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

}  // namespace errkb::store
