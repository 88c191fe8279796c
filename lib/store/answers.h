// From a request to its answer: the query analysed (query_analysis.h), its candidates found and scored
// (match/candidates.h), the best decoded with their snippets, and for a diagnosis or a code lookup
// merged into causes (rank/ranking.h) and finished into an answer (rank/answer.h).
#pragma once

#include <string>
#include <vector>

#include "errkb/engine.h"
#include "store/generation.h"
#include "store/match/candidates.h"
#include "store/query_analysis.h"

namespace errkb::store {

// What a code lookup finds for one reading of a code.
struct ReadingAnswer {
  std::vector<Hit> catalogue_entries;
  std::vector<Cause> causes;
};

// Where a text writes a code, and the code's readings.
struct CodeSpan {
  size_t begin = 0, end = 0;
  std::vector<std::string> canonicals;
};

// Answers requests against the generation a handle has open; keeps, per generation, the answers of
// code readings and the codes of the passages shown most.
class Answers {
 public:
  Answers(GenerationTables& tables, const EngineOptions& options);

  SearchResponse search(GenerationHandle& h, const SearchRequest& r);
  Diagnosis diagnose(GenerationHandle& h, const DiagnoseRequest& r);
  Result<CodeLookup> lookup_code(GenerationHandle& h, const std::string& code, const std::string& vendor);

  CacheStats code_cache_stats() { return reading_answers_.stats(); }
  CacheStats spelling_stats() { return analyzer_.spelling_stats(); }

 private:
  // Causes without their evidence's snippets (add_evidence_snippets, once the causes shown are known),
  // and the passages they were merged from.
  struct RankedCauses {
    std::vector<Cause> causes;
    std::vector<rank::ScoredPassage> passages;
  };

  RankedCauses rank_causes(GenerationHandle& h, const AnalyzedQuery& q, size_t limit, size_t language_reserve,
                           const std::unordered_map<std::string, FeedbackTally>* feedback, size_t candidates);
  std::shared_ptr<const ReadingAnswer> answer_for_reading(GenerationHandle& h,
                                                          const CodeInterpretation& interp);
  std::vector<Hit> catalogue_entries(GenerationHandle& h, const AnalyzedQuery& q,
                                     const CodeInterpretation& interp);
  void materialize(GenerationHandle& h, Candidates& c, const AnalyzedQuery& q, size_t count,
                   size_t snippets_from);
  void add_evidence_snippets(const GenerationHandle& h, const AnalyzedQuery& q, std::vector<Cause>& causes,
                             const std::vector<rank::ScoredPassage>& passages);
  std::string make_snippet(const GenerationHandle& h, const AnalyzedQuery& q, const rank::ScoredPassage& sp);
  std::vector<std::pair<size_t, size_t>> query_code_spans(const GenerationHandle& h, const AnalyzedQuery& q,
                                                          const Passage& p, std::string_view text);
  std::shared_ptr<const std::vector<CodeSpan>> codes_in_passage(const GenerationHandle& h, const Passage& p,
                                                                std::string_view text);
  SearchScope scope(GenerationHandle& h) { return {h, tables_, options_, today_, pair_postings_}; }

  GenerationTables& tables_;
  const EngineOptions& options_;
  const std::string today_;  // YYYYMMDD, for freshness
  QueryAnalyzer analyzer_;
  GenerationMemo<ReadingAnswer> reading_answers_;        // key: canonical code '\n' reading name
  GenerationMemo<std::vector<CodeSpan>> passage_codes_;  // key: passage id
  PairPostings pair_postings_;                           // key: word pair term
};

}  // namespace errkb::store
