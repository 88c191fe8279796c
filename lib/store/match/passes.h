// The matching passes of a query. A query with codes has a code pass: every passage carrying a reading
// of a code is a candidate, ordered by how well it also matches the prose (store/scan_plan.h). A query
// with prose has the prose passes of its scan plan. Each pass runs over the in-memory posting lists
// when they are loaded and the prose is words and synonym groups, else through Xapian; both give the
// same candidates (tests/store/memory_matcher_test.cc).
#pragma once

#include <xapian.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/generation.h"
#include "store/match/matched_terms.h"
#include "store/postings_in_memory.h"
#include "store/query_analysis.h"
#include "store/scan_plan.h"

namespace errkb::store {

// The candidates of one matching pass, best first.
struct PassMatch {
  std::vector<Xapian::docid> docids;
  std::vector<double> weights;  // BM25, by rank
  int64_t matches = 0;          // how many documents the pass matches (estimated)
  MatchedTerms matched;         // which of the query's terms each candidate holds
};

// What the passes of one query read.
struct PassInput {
  GenerationHandle& h;
  const AnalyzedQuery& q;
  size_t want;                                         // candidates per pass
  const std::unordered_map<std::string, double>& idf;  // of the prose terms
  const CommonTermBits* common;                        // null: none
  const PostingsInMemory* postings;                    // null: none; else loaded or not
  uint64_t common_term_min_postings;                   // EngineOptions'
};

// BM25 as schema.h describes.
Xapian::BM25Weight bm25_weighting();

// The code query first, the prose (when there is prose) only ordering its passages.
Xapian::Query code_first(const AnalyzedQuery& q, const Xapian::Query& prose);

// Through Xapian: the best `in.want` of `query`. `scoring_terms`: the query whose words count as matched
// (the whole query when `query` is a reduced scan of it, store/scan_plan.h).
PassMatch xapian_pass(const PassInput& in, const Xapian::Query& query, const Xapian::Query& scoring_terms);

// The code pass over the in-memory lists; nullopt when the prose is not only words and synonym groups
// (a field or boolean term, which Xapian matches) or has too many words for the matcher's bitmasks.
std::optional<PassMatch> code_pass_in_memory(const PassInput& in, const PostingsInMemory& lists);

// The terms of each of the plan's words the in-memory lists can match (several for a synonym group);
// nullopt when some word is something else, or there are too many for the matcher's bitmasks.
std::optional<std::vector<std::vector<std::string>>> memory_terms(GenerationHandle& h,
                                                                  const ProseScanPlan& plan);

// One pass of the prose plan over the in-memory lists (`terms`: memory_terms() of the plan).
PassMatch prose_pass_in_memory(const PassInput& in, const PostingsInMemory& lists, const ScanPass& pass,
                               const std::vector<std::vector<std::string>>& terms);

// The request's filters, as the in-memory lists hold them.
std::vector<const DocidSet*> filters_of(const AnalyzedQuery& q, const PostingsInMemory& lists);

}  // namespace errkb::store
