// The posting lists of an index generation's most common prose words, in memory as bitsets by docid.
//
// Ranking needs to know which query words each of its candidates contains (the coverage part of the
// text score). For a rare word that is a few skips along a short posting list; for a word in a tenth
// of a million passages each candidate is a B-tree lookup and a decode into the middle of a long list
// (a search's candidates are spread over the whole index), a large share of a search or a diagnosis
// on a large index. A bit test answers it instead. Only words in at least `min_postings` passages get
// a bitset, the commonest first, within `max_bytes` (a bitset takes one bit a passage, so the default
// holds the few hundred commonest words of a million passages, which are most of the long lists a
// query meets).
#pragma once

#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/flat_array.h"

namespace errkb::store {

class TablesReader;
class TablesWriter;

class CommonTermBits {
 public:
  struct Limits {
    uint64_t min_postings = 10'000;
    size_t max_bytes = size_t{32} << 20;
  };

  // Reads the chosen words' posting lists. Prose words only: the
  // unprefixed Z-stems (schema.h), not the field copies nor codes.
  static CommonTermBits load(const Xapian::Database& db, const Limits& limits);
  // As a tables file holds them (store/tables_file.h); read() maps the bitsets.
  void write(TablesWriter& out) const;
  static CommonTermBits read(TablesReader& in);

  // One term's bitset; contains() is false for docids it does not cover.
  class Bits {
   public:
    // The passages of `term` (a posting list read whole), by docid up to the index's last.
    static Bits read(const Xapian::Database& db, const std::string& term);
    bool contains(Xapian::docid did) const {
      const size_t word = did >> 6;
      return word < words_.size() && (words_[word] >> (did & 63) & 1) != 0;
    }
    // The first docid >= did in the set; 0 when there is none.
    Xapian::docid first_from(Xapian::docid did) const {
      size_t word = did >> 6;
      if (word >= words_.size()) return 0;
      uint64_t rest = words_[word] & (~uint64_t{0} << (did & 63));
      while (rest == 0) {
        if (++word == words_.size()) return 0;
        rest = words_[word];
      }
      return static_cast<Xapian::docid>(word << 6 | static_cast<size_t>(__builtin_ctzll(rest)));
    }
    size_t bytes() const { return words_.size() * sizeof(uint64_t); }
    void write(TablesWriter& out) const;
    static Bits read(TablesReader& in);

   private:
    FlatArray<uint64_t> words_;
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

// Words as one matcher leaf that only says which of them a passage has, each with one fixed weight
// (a passage weighs the sum of its words'): from a word's bitset when it has one, else from its
// posting list. Ranking the passages that carry a code by the prose (the code pass, store/match/) asks
// each common word about each of them; for a popular code that is a skip into every long posting list
// per passage. A bit test answers it instead, and the weights are the
// same whichever answers. One leaf for all the words, not one each: the matcher then makes one call
// per candidate instead of one per word and the OR over them.
class WordsPresence : public Xapian::PostingSource {
 public:
  struct Word {
    std::string term;
    Xapian::doccount termfreq = 0;
    double weight = 0;
    const CommonTermBits::Bits* bits = nullptr;  // must outlive the query; nullptr: the posting list
  };
  explicit WordsPresence(std::vector<Word> words);

  void init(const Xapian::Database& db) override;
  Xapian::doccount get_termfreq_min() const override { return termfreq_min_; }
  Xapian::doccount get_termfreq_est() const override { return termfreq_max_; }
  Xapian::doccount get_termfreq_max() const override { return termfreq_max_; }
  void next(double min_wt) override { skip_to(current_ + 1, min_wt); }
  void skip_to(Xapian::docid did, double min_wt) override;
  bool at_end() const override { return current_ == kEnd; }
  Xapian::docid get_docid() const override { return current_; }
  double get_weight() const override { return weight_; }
  WordsPresence* clone() const override;
  std::string get_description() const override;

 private:
  static constexpr Xapian::docid kEnd = ~Xapian::docid{0};
  struct Cursor {
    Word word;
    Xapian::PostingIterator postings, end;  // without a bitset
    Xapian::docid at = 0;                   // 0 before the first, kEnd past the last
  };
  std::vector<Cursor> cursors_;
  Xapian::doccount termfreq_min_ = 0, termfreq_max_ = 0;
  Xapian::docid current_ = 0;
  double weight_ = 0;
};

}  // namespace errkb::store
