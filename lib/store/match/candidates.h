// The candidate search of a query: its passes (match/passes.h), each candidate scored by the ranking
// formula (rank/ranking.h) from its rank record and the terms it holds, best first; the passages
// themselves are decoded later, only for those shown (answers.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "errkb/engine.h"
#include "errkb/feedback.h"
#include "rank/ranking.h"
#include "store/generation.h"
#include "store/match/matched_terms.h"
#include "store/query_analysis.h"

namespace errkb::store {

// A scored candidate whose passage is not decoded yet.
struct Scored {
  rank::ScoredPassage sp;
  uint64_t data_offset = 0;  // of its record in the passage file
  double weight = 0;         // its BM25 weight in its pass (breaks ties of the score)
};

struct Candidates {
  std::vector<Scored> scored;                 // best first
  std::vector<rank::ScoredPassage> passages;  // the decoded top of `scored` (answers.h: materialize)
  int64_t total = 0;
  Facets facets;
  double strength = 0;  // how well the best candidate answers the query (0..1)
};

// What a search reads besides the query: the thread's handle, the generation's tables, the settings,
// and today's date (YYYYMMDD) for freshness.
struct SearchScope {
  GenerationHandle& h;
  GenerationTables& tables;
  const EngineOptions& options;
  std::string_view today;
  PairPostings& pair_postings;
};

// Up to `want` candidates of each pass, scored and best first. `with_facets`: count the candidates'
// facets. `feedback`: agents' past feedback on passages, by passage id (null: none).
Candidates find_candidates(const SearchScope& scope, const AnalyzedQuery& q, size_t want, bool with_facets,
                           const std::unordered_map<std::string, FeedbackTally>* feedback);

}  // namespace errkb::store
