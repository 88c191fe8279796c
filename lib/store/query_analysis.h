// What a query asks, read once before matching: its codes and their readings (cut out of the text),
// the prose left over and its language, the Xapian queries of both, the request's filters as terms, the
// prose's word pairs and a spelling suggestion.
#pragma once

#include <xapian.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "errkb/codes.h"
#include "store/generation.h"
#include "store/snippet.h"

namespace errkb::store {

// Longer prose is cut (the server limits q to 2 KiB anyway).
inline constexpr size_t kMaxQueryBytes = 4096;

struct CodeReading {
  std::string canonical;
  std::string name;
  double confidence;
};

struct AnalyzedQuery {
  std::vector<CodeOccurrence> codes;
  std::vector<CodeReading> readings;
  std::string prose;
  std::string language;
  Xapian::Stem stem;
  Xapian::Query code_query;
  std::vector<std::pair<std::string, double>> code_terms;  // code_query's terms and weight factors
  Xapian::Query prose_query;
  Xapian::Query filter;                    // the AND of filter_terms
  std::vector<std::string> filter_terms;   // the request's vendor, product and kind, as terms
  std::vector<std::string> prose_terms;    // terms of the prose query (for coverage, feedback keys)
  std::vector<std::string> word_pairs;     // its adjacent words as schema::kWordPairPrefix terms
  SnippetTerms snippet_terms;              // prose_terms as the snippets look for them
  std::vector<std::string> unknown_words;  // the prose's words no passage holds, lower-cased (when asked)
  std::string suggestion;

  // `query` restricted to the request's filters.
  Xapian::Query filtered(Xapian::Query query) const;
};

// A request as the analysis reads it.
struct QueryInput {
  std::string_view text{};
  std::vector<CodeInterpretation> extra_readings{};  // a code given apart from the text (diagnose's `code`)
  std::string_view language{};                       // requested; "" = detect
  std::string_view vendor{}, product{}, kind{};      // filters ("" = any)
  bool want_suggestion = false;                      // look for a spelling correction of the prose
  bool want_unknown_words = false;                   // list the prose's words no passage holds
};

// Reads queries against one generation; keeps the spelling suggestions of unknown words per generation.
class QueryAnalyzer {
 public:
  QueryAnalyzer(GenerationTables& tables, size_t spelling_memo_words)
      : tables_(tables), spelling_memo_(spelling_memo_words) {}

  AnalyzedQuery analyze(GenerationHandle& h, const QueryInput& input);
  CacheStats spelling_stats() { return spelling_memo_.stats(); }

 private:
  void parse_prose(GenerationHandle& h, AnalyzedQuery& q, const QueryInput& in);
  std::string spelling_fix(GenerationHandle& h, const std::string& word);

  GenerationTables& tables_;
  GenerationMemo<std::string> spelling_memo_;  // key: lower-cased word; value: suggestion or ""
};

// Exact code terms of the readings, weighted by confidence; the weaker ambiguous-code terms at half.
// Terms the index does not have are left out (by the handle's cached term frequencies): most codes
// have no weak term, and each term is a posting list the matcher and matched_terms would open.
void set_code_query(GenerationHandle& h, AnalyzedQuery& q);

// The prefixes of the fields a request filters by (vendor=, product=, kind=).
std::vector<std::string> request_filter_prefixes();

}  // namespace errkb::store
