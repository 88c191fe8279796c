// How a prose query is matched so that its cost stays bounded on a large index.
//
// Matching reads every posting of every query word, so its cost grows with the index: on a large one
// a query of common words would read millions of postings. plan_prose_scan() gives each query a budget
// of postings:
//   - within budget (always on a KB of a few thousand passages): the query as it is, exact BM25;
//   - the rarer words fit: candidates are the passages with one of them, ranked by BM25 over them; the
//     common words still count in scoring (the caller looks up which candidates contain them);
//   - every word is common: the full query over evenly spread docid windows covering the budget's
//     share of the index (DocidWindows), so each part of the KB (every shard, every kind) is sampled.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/common_terms.h"

namespace errkb::store {

// A posting read through the DocidWindows filter costs about this many plain ones (the filter's check
// per posting): the sampled share is cut by it.
inline constexpr double kWindowedPostingCost = 2.5;

// The term frequencies a worker has looked up in one index generation (clear() when it opens another).
// A query needs each word's frequency several times (the scan plan, the coverage weights), and each
// lookup is a B-tree descent, usually a block read.
class TermFreqs {
 public:
  Xapian::doccount of(const Xapian::Database& db, const std::string& term) {
    if (auto it = known_.find(term); it != known_.end()) return it->second;
    if (known_.size() >= kMaxTerms) known_.clear();
    return known_[term] = db.get_termfreq(term);
  }
  void clear() { known_.clear(); }

 private:
  static constexpr size_t kMaxTerms = 1 << 16;
  std::unordered_map<std::string, Xapian::doccount> known_;
};

// One matching pass: a query and the share of the index it covers (1 = all of it).
struct ScanPass {
  Xapian::Query query;
  double share = 1.0;
  std::vector<size_t> words;  // which of the plan's words it matches (ProseScanPlan::words)
  bool sampled = false;       // over DocidWindows::ranges(last docid, share) only
};

struct ProseScanPlan {
  // The prose's words in query order: QueryParser ORs them at the top level (a word with synonyms is
  // one OP_SYNONYM subquery).
  std::vector<Xapian::Query> words;
  std::vector<ScanPass> passes;  // run in order; their candidates are pooled
  bool exact = true;             // one pass, the prose query itself
  // When not exact: how many passages the whole query matches, estimated from its words' frequencies
  // as if they occurred independently (as Xapian estimates an OR), without opening a posting list.
  uint64_t estimated_matches = 0;
};

// `min_candidates`: when the rarer words match fewer passages than this, a sampled pass over the whole
// query follows, so a short list is topped up with the best passages of common words.
// `budget`: postings the plan may read (EngineOptions::prose_scan_budget).
ProseScanPlan plan_prose_scan(const Xapian::Database& db, TermFreqs& freqs, const Xapian::Query& prose,
                              size_t min_candidates, uint64_t budget);

// The prose as the code pass ranks by it (store/match/: every passage carrying the code is a candidate,
// ordered by how well it also matches the prose): a word in at least `common_min_postings` passages
// counts by its presence (WordsPresence, from `common`'s bitset when it has one), weighted as BM25
// weighs one body occurrence at the length pivot; rarer words by BM25. Synonym groups stay as they are.
Xapian::Query prose_for_code_pass(const Xapian::Database& db, TermFreqs& freqs, const Xapian::Query& prose,
                                  const CommonTermBits* common, uint64_t common_min_postings);

// The same split, for matching it in memory: the subqueries ranked by BM25 (in the prose's order) and
// the words counted by presence.
struct CodePassProse {
  std::vector<Xapian::Query> ranked;
  std::vector<WordsPresence::Word> present;
};
CodePassProse split_for_code_pass(const Xapian::Database& db, TermFreqs& freqs, const Xapian::Query& prose,
                                  const CommonTermBits* common, uint64_t common_min_postings);

// Posting source of the docids in `windows` equal windows over 1..last_docid, each cut to its first
// `fraction` share: used as a filter, it makes the matcher skip the rest of every posting list.
class DocidWindows : public Xapian::PostingSource {
 public:
  // 16 windows: each is a skip of every posting list of the query, and more windows cost more skips
  // without finding the queries' sources more often (scripts/bench.sh measures both).
  DocidWindows(Xapian::docid last_docid, double fraction, unsigned windows = 16);

  // The docids it accepts, as inclusive ranges in ascending order.
  static std::vector<std::pair<Xapian::docid, Xapian::docid>> ranges(Xapian::docid last_docid,
                                                                     double fraction, unsigned windows = 16);

  void init(const Xapian::Database&) override { current_ = 0; }
  Xapian::doccount get_termfreq_min() const override { return 0; }
  // A low estimate makes the matcher drive the filter from this source: it then skips each posting
  // list from window to window instead of reading it whole and checking every docid here.
  Xapian::doccount get_termfreq_est() const override { return accepted_; }
  Xapian::doccount get_termfreq_max() const override { return accepted_; }
  void next(double) override { move_to(current_ + 1); }
  void skip_to(Xapian::docid did, double) override {
    if (did > current_) move_to(did);
  }
  bool at_end() const override { return current_ > last_; }
  Xapian::docid get_docid() const override { return current_; }
  DocidWindows* clone() const override { return new DocidWindows(last_, fraction_, windows_); }
  std::string get_description() const override;

 private:
  void move_to(Xapian::docid did);  // the first accepted docid >= did (or past the end)

  Xapian::docid last_;
  double fraction_;
  unsigned windows_;
  Xapian::docid width_;  // docids per window
  Xapian::docid taken_;  // accepted docids at the start of each window
  Xapian::doccount accepted_;
  Xapian::docid current_ = 0;
};

}  // namespace errkb::store
