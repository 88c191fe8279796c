#include "store/cause_level.h"

#include <algorithm>

#include "ingest/article.h"
#include "store/prose_terms.h"
#include "store/snippet.h"

namespace errkb::store {
namespace {

// A cause listed as one short line under a heading that names no cause ("Possible causes:" and a list):
// the line is the cause's name.
constexpr size_t kMaxListedCauseBytes = 200;

// Whether `held` (query_terms_in over `terms`) says the text holds the query term.
bool holds(const SnippetTerms& terms, const std::vector<bool>& held, const std::string& term) {
  const bool stemmed = is_stemmed(term);
  const auto& list = stemmed ? terms.stems : terms.words;
  const auto at = std::find(list.begin(), list.end(), without_stem_prefix(term));
  if (at == list.end()) return false;
  return held[static_cast<size_t>(at - list.begin()) + (stemmed ? 0 : terms.stems.size())];
}

void read_heading(rank::ScoredPassage& sp) {
  const Passage& p = sp.passage;
  if (p.kind != SourceKind::kArticle || p.heading.empty()) return;
  const ingest::HeadingInfo info = ingest::classify_heading(p.heading);
  if (info.type != ingest::SectionType::kCause) {
    sp.cause_title = p.heading;
    return;
  }
  sp.cause_number = info.number.value_or(0);
  if (!info.rest.empty() && (info.rest_separated || info.number)) {
    sp.cause_title = info.rest;
  } else if (!p.cause.empty() && p.cause.size() <= kMaxListedCauseBytes &&
             p.cause.find('\n') == std::string::npos) {
    sp.cause_title = p.cause;
  } else {
    sp.generic_cause = true;  // titled by its page
  }
}

// The query's words in the cause's own text: its title, cause, checks and resolutions (not the
// title, symptoms and introduction it shares with the article's other causes).
void match_own_text(rank::ScoredPassage& sp, const std::vector<std::string>& prose_terms,
                    const SnippetTerms& terms, const std::unordered_map<std::string, double>& idf,
                    double total_idf, const Xapian::Stem& stem) {
  const Passage& p = sp.passage;
  std::string own = sp.cause_title + "\n" + p.cause;
  for (const auto& check : p.checks) own += "\n" + check;
  for (const auto& resolution : p.resolutions) own += "\n" + resolution;
  const std::vector<bool> held = query_terms_in(own, terms, stem);
  double matched = 0;
  for (const auto& term : prose_terms) {
    if (!holds(terms, held, term)) continue;
    auto w = idf.find(term);
    matched += w == idf.end() ? 0 : w->second;
    sp.own_words.push_back(without_stem_prefix(term));
  }
  sp.own_match = total_idf > 0 ? std::min(1.0, matched / total_idf) : 0;
}

}  // namespace

void describe_causes(std::vector<rank::ScoredPassage>& passages, const std::vector<std::string>& prose_terms,
                     const std::unordered_map<std::string, double>& idf, const Xapian::Stem& stem) {
  double total_idf = 0;
  for (const auto& term : prose_terms)
    if (auto w = idf.find(term); w != idf.end()) total_idf += w->second;
  std::unordered_map<std::string_view, int> passages_of_doc;
  for (const auto& sp : passages) ++passages_of_doc[sp.passage.doc_id];
  const SnippetTerms terms = SnippetTerms::from_query_terms(prose_terms);
  for (auto& sp : passages) {
    read_heading(sp);
    // Only an article's causes are compared with each other.
    if (passages_of_doc[sp.passage.doc_id] > 1 && total_idf > 0)
      match_own_text(sp, prose_terms, terms, idf, total_idf, stem);
  }
}

}  // namespace errkb::store
