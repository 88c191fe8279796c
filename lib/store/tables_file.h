// The bytes of a generation's tables file (schema.h: gen-NNNNNN/tables-<revision>.dat): what the engine
// keeps in memory per index revision (store/generation.h), written by the indexer beside the database
// so that a server starting on it maps the tables instead of reading them out of the index again.
//
// A file is a header (magic, format version, the generation key it describes, the payload's size and
// XXH3) and a payload of 8-byte aligned fields: integers, strings and arrays, read back in the order
// they were written. Arrays are mapped, not copied (FlatArray). A reader that runs past the payload
// turns not ok() and gives empty values, so that a file cut short or of another layout is refused,
// never read out of bounds.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "errkb/status.h"
#include "store/flat_array.h"

struct XXH3_state_s;

namespace errkb::store {

namespace fs = std::filesystem;

// Raised when the layout of a table changes: a file of another version is rebuilt from the index.
inline constexpr uint32_t kTablesFormatVersion = 1;

// gen-NNNNNN/tables-<revision>.dat: the tables of the database in `generation_dir` at `revision`.
fs::path tables_file_path(const fs::path& generation_dir, uint64_t revision);

// Streams a payload into a temporary file beside its destination; commit() writes the header and
// renames it into place (a reader sees the whole file or none). Destroyed uncommitted, it removes the
// temporary file.
class TablesWriter {
 public:
  static Result<std::unique_ptr<TablesWriter>> Create(const fs::path& destination,
                                                      std::string generation_key);
  ~TablesWriter();

  void u64(uint64_t v) { bytes(&v, sizeof v); }
  void str(std::string_view s) {
    u64(s.size());
    bytes(s.data(), s.size());
    pad();
  }
  template <typename T>
  void array(std::span<const T> a) {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= 8);
    u64(a.size());
    bytes(a.data(), a.size_bytes());
    pad();
  }
  Status commit();

 private:
  TablesWriter(int fd, fs::path temp, fs::path destination, std::string key);
  void bytes(const void* data, size_t n);
  void pad();
  void flush();

  int fd_ = -1;
  fs::path temp_, destination_;
  std::string key_;
  std::string buffer_;
  uint64_t written_ = 0;  // payload bytes so far
  XXH3_state_s* hash_ = nullptr;
  bool failed_ = false;
};

// A mapped tables file whose header and checksum were checked.
class TablesReader {
 public:
  // NotFound when there is no file; Corruption (with the reason) when it is of another format version,
  // describes another generation than `generation_key`, or its payload does not match its checksum.
  static Result<TablesReader> Open(const fs::path& path, std::string_view generation_key);

  uint64_t u64() {
    uint64_t v = 0;
    if (const char* p = take(sizeof v)) std::memcpy(&v, p, sizeof v);
    return v;
  }
  std::string_view str() {
    const uint64_t n = u64();
    const char* p = take_padded(n);
    return p ? std::string_view(p, n) : std::string_view();
  }
  template <typename T>
  FlatArray<T> array() {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= 8);
    const uint64_t n = u64();
    if (n > payload_.size() / sizeof(T)) {
      ok_ = false;
      return {};
    }
    const char* p = take_padded(n * sizeof(T));
    if (!p) return {};
    return FlatArray<T>(std::span<const T>(reinterpret_cast<const T*>(p), n), mapping_);
  }
  // False once a read ran past the payload or a table found its fields inconsistent (fail()).
  bool ok() const { return ok_; }
  void fail() { ok_ = false; }
  bool at_end() const { return pos_ == payload_.size(); }

 private:
  TablesReader(std::shared_ptr<const void> mapping, std::string_view payload)
      : mapping_(std::move(mapping)), payload_(payload) {}
  const char* take(uint64_t n) {
    if (!ok_ || n > payload_.size() - pos_) {
      ok_ = false;
      return nullptr;
    }
    const char* p = payload_.data() + pos_;
    pos_ += n;
    return p;
  }
  const char* take_padded(uint64_t n) {
    const char* p = take(n);
    if (p) pos_ = std::min<uint64_t>(payload_.size(), (pos_ + 7) & ~uint64_t{7});
    return p;
  }

  std::shared_ptr<const void> mapping_;
  std::string_view payload_;
  uint64_t pos_ = 0;
  bool ok_ = true;
};

// Strings by number, found by an open-addressing hash table of a stable hash (XXH3), so that a mapped
// one answers as fast as a std::unordered_map without being rebuilt at load: a term of the posting
// lists, a word of the spelling dictionary.
class TermIndex {
 public:
  static constexpr uint32_t kNone = ~uint32_t{0};
  // Terms added one by one into one block of text (no string a term while building): the i-th added
  // gets number i; the terms are distinct.
  class Builder {
   public:
    void add(std::string_view term) {
      text_.insert(text_.end(), term.begin(), term.end());
      offsets_.push_back(static_cast<uint32_t>(text_.size()));
    }
    size_t size() const { return offsets_.size() - 1; }
    TermIndex finish();

   private:
    std::vector<char> text_;
    std::vector<uint32_t> offsets_{0};
  };
  static TermIndex build(const std::vector<std::string>& terms);
  static TermIndex read(TablesReader& in);
  void write(TablesWriter& out) const;

  uint32_t find(std::string_view term) const;  // kNone when absent
  std::string_view term(uint32_t i) const {
    return {text_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]};
  }
  size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  size_t bytes() const { return text_.size() + (offsets_.size() + slots_.size()) * sizeof(uint32_t); }

 private:
  FlatArray<char> text_;
  FlatArray<uint32_t> offsets_;  // term i: text_[offsets_[i], offsets_[i + 1])
  FlatArray<uint32_t> slots_;    // a power of two of them; term number + 1, 0 for an empty slot
};

}  // namespace errkb::store
