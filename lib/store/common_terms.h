// The posting lists of an index generation's most common prose words, in memory as bitsets by docid.
//
// Ranking needs to know which query words each of its candidates contains (the coverage part of the
// text score). For a rare word that is a few skips along a short posting list; for a word in a tenth
// of a million passages each candidate is a B-tree lookup and a decode into the middle of a long list
// (a search's candidates are spread over the whole index): 14% of a search or a diagnosis at 1M
// passages. A bit test answers it instead. Only words in at least `min_postings` passages get a
// bitset, the commonest first, within `max_bytes` (at 1M passages a bitset is 125 KB: 32 MiB holds the
// 256 commonest words, which are most of the long lists a query meets).
#pragma once

#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace errkb::store {

class CommonTermBits {
 public:
  struct Limits {
    uint64_t min_postings = 10'000;
    size_t max_bytes = size_t{32} << 20;
  };

  // Reads the chosen words' posting lists (about a second at 1M passages). Prose words only: the
  // unprefixed Z-stems (schema.h), not the field copies nor codes.
  static CommonTermBits load(const Xapian::Database& db, const Limits& limits);

  // One word's bitset; contains() is false for docids it does not cover.
  class Bits {
   public:
    bool contains(Xapian::docid did) const {
      const size_t word = did >> 6;
      return word < words_.size() && (words_[word] >> (did & 63) & 1) != 0;
    }

   private:
    friend class CommonTermBits;
    std::vector<uint64_t> words_;
  };

  // nullptr when `term` has no bitset (then read its posting list).
  const Bits* find(const std::string& term) const {
    auto it = bits_.find(term);
    return it == bits_.end() ? nullptr : &it->second;
  }
  size_t terms() const { return bits_.size(); }
  size_t bytes() const;

 private:
  std::unordered_map<std::string, Bits> bits_;
};

}  // namespace errkb::store
