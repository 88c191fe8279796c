// Every prose word's posting list of an index generation, in memory, and a matcher over them.
//
// Through Xapian a posting costs 15-30 ns on a 2-core VM: the 8 KB block it sits in is read with a
// pread (Xapian 1.4 keeps no block cache of its own), decoded, and walked by the matcher's tree of
// virtual calls. Matching the prose of a query was 40% of a search's CPU at 1M passages. So the lists
// of the unprefixed Z-stems (schema.h: the words a prose query is made of; not the field copies, codes
// or filters) are loaded once per generation, in the background like the common words' bitsets:
// docid deltas and wdfs as varints, in blocks of 128 postings with a skip table of each block's last
// docid. A query's passes (store/scan_plan.h) are then matched term at a time into an accumulator over
// a chunk of docids small enough to stay in the CPU cache, chunk after chunk, keeping the best `want`.
// The weights are Xapian's BM25Weight with the index's parameters (schema.h), so the candidates and
// their weights are the ones Xapian returns for the same pass (tests/store/prose_postings_test.cc).
#pragma once

#include <xapian.h>

#include "store/prose_terms.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace errkb::store {

class ProsePostings {
 public:
  static constexpr uint32_t kBlockPostings = 128;  // a block's postings; the skip table has one entry a block

  struct Limits {
    size_t max_bytes = size_t{1} << 30;  // past it nothing is kept (queries then match through Xapian)
  };

  // Reads every prose word's posting list (a few seconds at 1M passages).
  static ProsePostings load(const Xapian::Database& db, const Limits& limits);

  struct List {
    Xapian::doccount termfreq = 0;
    uint32_t first_block = 0;  // in blocks_
    uint32_t blocks = 0;
  };

  // nullptr when the index does not have the word (or nothing was loaded: see loaded()).
  const List* find(const std::string& term) const {
    auto it = lists_.find(term);
    return it == lists_.end() ? nullptr : &it->second;
  }
  bool loaded() const { return loaded_; }
  size_t terms() const { return lists_.size(); }
  size_t bytes() const { return bytes_; }  // about: the lists, their skip tables and the term map
  Xapian::doccount doccount() const { return doccount_; }
  Xapian::docid last_docid() const { return last_docid_; }

  // Walks one list in docid order. seek() and next() return false past the end.
  class Cursor {
   public:
    Cursor(const ProsePostings& postings, const List& list);
    bool seek(Xapian::docid did);  // to the first posting with a docid >= did
    bool next();
    bool at_end() const { return at_end_; }
    Xapian::docid docid() const { return docids_[pos_]; }
    Xapian::termcount wdf() const { return wdfs_[pos_]; }

   private:
    void decode(uint32_t block);  // into docids_/wdfs_, pos_ = 0

    const ProsePostings* postings_;
    uint32_t first_, end_;  // the list's blocks in blocks_
    uint32_t block_ = 0;    // the decoded one
    uint32_t pos_ = 0, count_ = 0;
    bool at_end_ = false;
    Xapian::docid docids_[kBlockPostings];
    Xapian::termcount wdfs_[kBlockPostings];
  };

 private:
  struct Block {
    Xapian::docid last;  // its last docid; its first is coded as a delta from the previous block's last
    uint32_t count;
    uint64_t offset;     // in data_
  };

  static size_t map_bytes_of(const std::string& term);

  bool loaded_ = false;
  size_t bytes_ = 0;
  Xapian::doccount doccount_ = 0;
  Xapian::docid last_docid_ = 0;
  std::unordered_map<std::string, List> lists_;
  std::vector<Block> blocks_;
  std::vector<uint8_t> data_;
};

// One word of a pass: its list, or its synonyms' lists (OP_SYNONYM: one word whose wdf in a passage is
// the sum of theirs), and Xapian's BM25 term weight for it (bm25_termweight() of its termfreq, or of
// synonym_termfreq() for a group). A word written twice in the query is two words, as Xapian's two
// leaves of it are.
struct MatchWord {
  std::vector<const ProsePostings::List*> lists;
  double termweight = 0;
};

// BM25Weight::init's term weight with the index's parameters (k1 + 1 folded in, a query wqf of 1) for
// a word in `termfreq` of `doccount` passages; a posting then weighs termweight * wdf / (k1 + wdf)
// (k1 = schema::kBm25K1OfScaledWdf, b = 0).
double bm25_termweight(Xapian::doccount doccount, Xapian::doccount termfreq);

// The termfreq Xapian 1.4 gives a synonym group: its OR tree's estimate, the two smallest estimates
// combined first, each pair as if independent (a + b - ab/N, rounded).
Xapian::doccount synonym_termfreq(Xapian::doccount doccount, std::vector<Xapian::doccount> termfreqs);

struct MemoryMatch {
  std::vector<Xapian::docid> docids;  // best first: weight, then docid, as Xapian orders an MSet
  std::vector<double> weights;
  std::vector<uint64_t> words;  // bit i: the passage has words[i]
  uint64_t matches = 0;         // passages in the ranges with any of the words
};

// The best `want` passages by the sum of their words' BM25 weights, among the docids in `ranges`
// (inclusive, ascending, not overlapping). At most 64 words.
MemoryMatch match_words(const ProsePostings& postings, const std::vector<MatchWord>& words,
                        const std::vector<std::pair<Xapian::docid, Xapian::docid>>& ranges, size_t want);

}  // namespace errkb::store
