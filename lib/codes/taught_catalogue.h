// What catalogues taught the grammar, kept compact: a large KB's catalogues teach hundreds of
// thousands of entries, and a map of strings for each of their keys (code, name, name in lower
// case, name in words, canonical) cost most of a warm server's memory and start time. Here every
// entry's texts are one run in a shared block and each key is an 8-byte slot of a hash index that
// points at the entry: the key itself is read back from the entry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::codes {

// A taught name is also read as lower-case words ("inaccessible boot device") when it has 3 to this
// many of them and nothing but ASCII letters, digits and the separators '_', ' ' and '-'.
inline constexpr size_t kMaxPhraseWords = 16;

// An open-addressing hash index of 32-bit values whose keys the caller keeps: a slot holds the key's
// 32-bit hash and the value. Several values may share a key.
class SlotIndex {
 public:
  static uint32_t hash(std::string_view key);
  void add(uint32_t hash, uint32_t value);
  void reserve(size_t values);  // room for that many more without growing
  void append_to(std::string& out) const;
  bool read_from(std::string_view& in, uint32_t values);  // false unless every value is below `values`
  // Every value added with `hash`, in the order added, appended to `out` (the caller compares keys).
  void find(uint32_t hash, std::vector<uint32_t>& out) const;

 private:
  std::vector<uint64_t> slots_;  // (hash << 32) | (value + 1); 0 is an empty slot
  size_t used_ = 0;
};

// One catalogue entry as taught.
struct TaughtEntry {
  struct Text {
    uint32_t offset = 0;
    uint32_t size = 0;
  };
  int32_t vendor_id = -1;    // the catalogue's vendor (GrammarState::vendor_keys)
  uint32_t ctx = 0;          // a system family's context bits (win32, ebay ...); 0 for a vendor's own codes
  Text code;                 // as the catalogue writes it, trimmed
  Text code_key;             // lower case, without blanks: what a token is compared with
  Text name;                 // symbolic name, as written
  Text message;              // the catalogue's message, or the system table's when it gives none
  Text canonical;            // of the entry's first reading
  uint8_t phrase_words = 0;  // the words of the name read as words (kMaxPhraseWords), else 0
  // Flags, 0 or 1 (bytes rather than bools: read back from bytes, they are checked before use).
  uint8_t system = 0;       // a system family's catalogue ("win32", "ebay"): its code reads in the family
  uint8_t own_message = 0;  // `message` is the catalogue's own
  uint8_t readable = 1;     // read by its code in text (not SMTP: those are read by their own shape)
};

class TaughtCatalogue {
 public:
  struct Added {
    std::string_view code;
    std::string_view code_key;
    std::string_view name;
    std::string_view message;
    std::string_view canonical;
  };
  // Adds an entry (`added` false when the block of texts is full: 4 GB). What it adds first, keys a
  // filter in front of the table needs once: its code key, its name, the first two words of its name
  // in words ("inaccessible boot"; empty when not the first, or not a name in words).
  struct Firsts {
    bool added = false;
    bool code = false;
    bool name = false;
    std::string pair;
  };
  Firsts add(TaughtEntry entry, const Added& texts);
  void reserve(size_t entries);
  bool empty() const { return entries_.empty(); }
  uint32_t size() const { return static_cast<uint32_t>(entries_.size()); }
  bool has_readable_codes() const { return readable_ > 0; }
  const TaughtEntry& entry(uint32_t id) const { return entries_[id]; }
  std::string_view text(TaughtEntry::Text t) const {
    return std::string_view(texts_).substr(t.offset, t.size);
  }

  // Entries in the order taught, each canonical once (the first taught): readable entries whose code
  // key is `key`; entries whose name is `name`; whose name folded to lower case is `folded` (names
  // with '_'); whose name in words is `phrase` ("inaccessible boot device").
  std::vector<uint32_t> by_code(std::string_view key) const;
  std::vector<uint32_t> by_name(std::string_view name) const;
  std::vector<uint32_t> by_folded_name(std::string_view folded) const;
  std::vector<uint32_t> by_phrase(std::string_view phrase) const;
  // The word count of the longest taught phrase starting with `pair` ("inaccessible boot" -> 3); 0 if none.
  uint8_t longest_phrase(std::string_view pair) const;
  // The name and meaning catalogues give `canonical`: the last name taught, the last message of a
  // catalogue's own, else the system table's.
  struct Info {
    std::string_view name;
    std::string_view message;
  };
  std::optional<Info> info(std::string_view canonical) const;
  // The word pairs that start a taught phrase, each once ("inaccessible boot").
  std::vector<std::string> phrase_pairs() const;

  // The table as bytes, and back (a server keeps what it taught beside the index and reads it at its
  // next start). read_from is false, and leaves the table as it was, unless `in` starts with a whole
  // table of this layout whose every offset and position is in range.
  void append_to(std::string& out) const;
  bool read_from(std::string_view& in);

 private:
  TaughtEntry::Text keep_text(std::string_view s);
  template <typename KeyEquals>
  std::vector<uint32_t> lookup(const SlotIndex& index, std::string_view key, KeyEquals&& equals,
                               bool unique_canonical) const;
  bool phrase_is(const TaughtEntry& e, size_t words, std::string_view key) const;

  std::string texts_;
  std::vector<TaughtEntry> entries_;
  size_t readable_ = 0;
  SlotIndex codes_, names_, folded_names_, phrases_, canonicals_;
  // Word pairs that start a phrase: the entry that first taught it, and the longest phrase's words.
  struct Pair {
    uint32_t entry;
    uint32_t longest;  // 32 bits: no padding in the bytes append_to writes
  };
  std::vector<Pair> pairs_;
  SlotIndex pair_index_;
};

}  // namespace errkb::codes
