// Every prose word's posting list of an index generation, the long code lists and the filters'
// passages, in memory, and matchers over them.
//
// Through Xapian each posting is dear: the 8 KB block it sits in is read with a pread (Xapian 1.4
// keeps no block cache of its own), decoded, and walked by the matcher's tree of virtual calls, and
// matching a query's prose is then the largest part of a search on a large index. So the lists
// of the unprefixed Z-stems (schema.h: the words a prose query is made of) and of their title copies
// (not the other field copies, codes or filters) are loaded once per generation, in the background like the
// common words' bitsets: docid deltas and wdfs as varints, in blocks of 128 postings with a skip table of
// each block's last docid. A query's passes (store/scan_plan.h) are then matched term at a time into an
// accumulator over a chunk of docids small enough to stay in the CPU cache, chunk after chunk, keeping the
// best `want`. The weights are Xapian's BM25Weight with the index's parameters (schema.h), so the candidates
// and their weights are the ones Xapian returns for the same pass (tests/store/postings_in_memory_test.cc).
//
// The code lists of at least kMinCodePostings passages are kept too, for the code pass of a query with
// a code (match_code_pass): each of a popular code's many passages is asked about every query word,
// which through Xapian is a skip into every word's list. A shorter code list is read
// through Xapian when a query needs it: a block or two. So are the passages of each vendor, product and
// kind a request can filter by (DocidSet), so that a filtered query is matched here too.
#pragma once

#include <xapian.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/common_terms.h"
#include "store/flat_array.h"
#include "store/prose_terms.h"
#include "store/tables_file.h"

namespace errkb::store {

// The passages of one filter term (a vendor, product or kind): a bitset by docid when the term is in at
// least 1/32 of the docids (the bitset is then no larger than a list), else their ascending docids.
class DocidSet {
 public:
  bool contains(Xapian::docid did) const {
    return bits_ ? bits_->contains(did) : std::binary_search(docids_.begin(), docids_.end(), did);
  }
  bool is_bitset() const { return bits_.has_value(); }
  // Sets bit (did - lo) of `bits` for each of its docids from lo to hi (for a list: a bitset answers
  // contains() as fast).
  void mark(Xapian::docid lo, Xapian::docid hi, uint64_t* bits) const;
  Xapian::doccount size() const { return size_; }
  size_t bytes() const { return (bits_ ? bits_->bytes() : 0) + docids_.size() * sizeof(Xapian::docid); }

 private:
  friend class PostingsInMemory;
  Xapian::doccount size_ = 0;
  std::optional<CommonTermBits::Bits> bits_;
  FlatArray<Xapian::docid> docids_;  // without bits_
};

class PostingsInMemory {
 public:
  static constexpr uint32_t kBlockPostings = 128;  // a block's postings; the skip table has one entry a block
  static constexpr Xapian::doccount kMinCodePostings = 64;  // shorter code lists stay with Xapian

  struct Limits {
    size_t max_bytes = size_t{1} << 30;  // past it nothing is kept (queries then match through Xapian)
  };

  // Reads every prose word's posting list and the long code lists (the whole index's postings), and
  // the passages of each term with one of `filter_prefixes` (the fields requests filter by).
  static PostingsInMemory load(const Xapian::Database& db, const Limits& limits,
                               const std::vector<std::string>& filter_prefixes = {});
  // As a tables file holds them (store/tables_file.h); read() maps the lists and the term tables.
  void write(TablesWriter& out) const;
  static PostingsInMemory read(TablesReader& in);

  struct List {
    Xapian::doccount termfreq = 0;
    uint32_t first_block = 0;  // in blocks_
    uint32_t blocks = 0;
  };

  // A term whose list load() keeps however short: a prose word, or its title copy (a page titled with a
  // query's word is looked up for every candidate). find() then says whether the index has it.
  static bool keeps_every_list_of(const std::string& term) {
    return is_prose_word(term) || is_title_copy(term);
  }

  // nullptr when the index does not have the word (or nothing was loaded: see loaded()); for a code
  // term (schema::kCodePrefix, kWeakCodePrefix), also when its list is shorter than kMinCodePostings.
  const List* find(std::string_view term) const {
    const uint32_t i = terms_.find(term);
    return i == TermIndex::kNone ? nullptr : &lists_[i];
  }
  // A filter term's passages; one that matches nothing when the index does not have the term.
  const DocidSet& filter(std::string_view term) const {
    static const DocidSet kNone;
    const uint32_t i = filter_terms_.find(term);
    return i == TermIndex::kNone ? kNone : filters_[i];
  }
  bool loaded() const { return loaded_; }
  size_t terms() const { return lists_.size(); }
  size_t bytes() const { return bytes_; }  // about: the lists, their skip tables and the term map
  Xapian::doccount doccount() const { return doccount_; }
  Xapian::docid last_docid() const { return last_docid_; }

  // Walks one list in docid order. seek() and next() return false past the end.
  class Cursor {
   public:
    Cursor(const PostingsInMemory& postings, const List& list);
    bool seek(Xapian::docid did);  // to the first posting with a docid >= did
    bool next();
    // fn(docid, wdf) for each posting from here to `hi` (inclusive); then the cursor is on the first
    // posting past hi, or at the end. The blocks that end within hi are decoded straight into fn,
    // not into the cursor's arrays to be read back one next() at a time: this is the matchers' inner
    // loop, where a copy through the arrays would be a large share of the matching's time.
    template <typename Fn>
    void walk_until(Xapian::docid hi, Fn&& fn);
    bool at_end() const { return at_end_; }
    Xapian::docid docid() const { return docids_[pos_]; }
    Xapian::termcount wdf() const { return wdfs_[pos_]; }

   private:
    void decode(uint32_t block);  // into docids_/wdfs_, pos_ = 0

    const PostingsInMemory* postings_;
    uint32_t first_, end_;  // the list's blocks in blocks_
    uint32_t block_ = 0;    // the decoded one
    uint32_t pos_ = 0, count_ = 0;
    bool at_end_ = false;
    Xapian::docid docids_[kBlockPostings];
    Xapian::termcount wdfs_[kBlockPostings];
  };

  // Whether a list holds each of a rising series of docids (a candidate set's lookups): a block is
  // decoded only as far as the docid asked, and no wdf is kept, where a Cursor's seek decodes the whole
  // block for each candidate that lands in a new one.
  class Membership {
   public:
    Membership(const PostingsInMemory& postings, const List& list);
    bool holds(Xapian::docid did);  // did at least the previous call's

   private:
    void enter(uint32_t block);

    const PostingsInMemory* postings_;
    uint32_t first_, end_;
    uint32_t block_ = 0;
    uint32_t left_ = 0;            // postings of block_ not decoded yet
    const uint8_t* at_ = nullptr;  // the next of them
    Xapian::docid decoded_ = 0;    // the last decoded docid
  };

 private:
  struct Block {
    Xapian::docid last;  // its last docid; its first is coded as a delta from the previous block's last
    uint32_t count;
    uint64_t offset;  // in data_
  };

  // The docid the first delta of blocks_[block] counts from, in a list that starts at block `first`.
  Xapian::docid docid_before(uint32_t block, uint32_t first) const {
    return block == first ? 0 : blocks_[block - 1].last;
  }
  // The first block of [from, end) whose last docid reaches `did`; `end` when none does.
  uint32_t block_reaching(uint32_t from, uint32_t end, Xapian::docid did) const {
    const Block* found = std::lower_bound(blocks_.data() + from, blocks_.data() + end, did,
                                          [](const Block& b, Xapian::docid d) { return b.last < d; });
    return static_cast<uint32_t>(found - blocks_.data());
  }
  // fn(docid, wdf) for each posting of blocks_[block] of a list that starts at block `first`.
  template <typename Fn>
  void each_posting(uint32_t block, uint32_t first, Fn&& fn) const {
    const Block& b = blocks_[block];
    const uint8_t* p = data_.data() + b.offset;
    Xapian::docid did = docid_before(block, first);
    for (uint32_t i = b.count; i > 0; --i) {
      did += get_varint(p);
      fn(did, get_varint(p));
    }
  }
  static void skip_varint(const uint8_t*& p) {
    while (*p++ & 0x80) {
    }
  }
  static uint32_t get_varint(const uint8_t*& p) {
    uint32_t v = *p & 0x7f;
    for (int shift = 7; *p++ & 0x80; shift += 7) v |= static_cast<uint32_t>(*p & 0x7f) << shift;
    return v;
  }

  bool loaded_ = false;
  size_t bytes_ = 0;
  Xapian::doccount doccount_ = 0;
  Xapian::docid last_docid_ = 0;
  TermIndex terms_;  // list i is of terms_.term(i)
  FlatArray<List> lists_;
  TermIndex filter_terms_;  // filter i is of filter_terms_.term(i)
  std::vector<DocidSet> filters_;
  FlatArray<Block> blocks_;
  FlatArray<uint8_t> data_;
};

template <typename Fn>
void PostingsInMemory::Cursor::walk_until(Xapian::docid hi, Fn&& fn) {
  if (at_end_) return;
  if (docids_[count_ - 1] <= hi) {  // the decoded block ends within hi: its rest, then whole blocks
    for (; pos_ < count_; ++pos_) fn(docids_[pos_], wdfs_[pos_]);
    uint32_t b = block_ + 1;
    for (; b < end_ && postings_->blocks_[b].last <= hi; ++b) postings_->each_posting(b, first_, fn);
    if (b == end_) {  // past the list's last posting: the cursor stays on it, as next() leaves it
      if (block_ != end_ - 1) decode(end_ - 1);
      pos_ = count_ - 1;
      at_end_ = true;
      return;
    }
    decode(b);
  }
  for (; docids_[pos_] <= hi; ++pos_) fn(docids_[pos_], wdfs_[pos_]);  // the block ends past hi
}

// One word of a pass: its list, or its synonyms' lists (OP_SYNONYM: one word whose wdf in a passage is
// the sum of theirs), and Xapian's BM25 term weight for it (bm25_termweight() of its termfreq, or of
// synonym_termfreq() for a group). A word written twice in the query is two words, as Xapian's two
// leaves of it are.
struct MatchWord {
  std::vector<const PostingsInMemory::List*> lists;
  double termweight = 0;
};

// BM25Weight::init's term weight with the index's parameters (k1 + 1 folded in, a query wqf of 1) for
// a word in `termfreq` of `doccount` passages, scaled by `factor` (OP_SCALE_WEIGHT); a posting then
// weighs termweight * wdf / (k1 + wdf) (k1 = schema::kBm25K1OfScaledWdf, b = 0).
double bm25_termweight(Xapian::doccount doccount, Xapian::doccount termfreq, double factor = 1.0);

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
// Only passages in every one of `filters` count (a request's vendor, product and kind).
MemoryMatch match_words(const PostingsInMemory& postings, const std::vector<MatchWord>& words,
                        const std::vector<std::pair<Xapian::docid, Xapian::docid>>& ranges, size_t want,
                        const std::vector<const DocidSet*>& filters = {});

// A code term of the code pass (store/match/memory_pass.cc): its postings, read whole, and its BM25
// term weight scaled by the reading's confidence.
struct CodeList {
  std::vector<std::pair<Xapian::docid, Xapian::termcount>> postings;  // ascending docids, with wdfs
  double termweight = 0;
};

// A word the code pass counts by its presence (scan_plan.h): a fixed weight, from its bitset when it has
// one, else from its list.
struct PresenceWord {
  const CommonTermBits::Bits* bits = nullptr;
  const PostingsInMemory::List* list = nullptr;
  double weight = 0;
};

// The code pass as Xapian matches `codes OR-ed AND_MAYBE (words OR presence)`: every passage with one
// of the codes is a candidate, weighing its codes' BM25 plus its words' BM25 and presence weights; the
// best `want` of them. Masks: bit i for codes[i], then one a word, then one a presence word (at most 64
// in all). `matches`: the candidates. Only passages in every one of `filters` are candidates.
MemoryMatch match_code_pass(const PostingsInMemory& postings, const std::vector<CodeList>& codes,
                            const std::vector<MatchWord>& words, const std::vector<PresenceWord>& presence,
                            size_t want, const std::vector<const DocidSet*>& filters = {});

}  // namespace errkb::store
