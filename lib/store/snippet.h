// Result snippets: the stretch of a passage's text (about `length` bytes) with the most query words,
// those words marked, HTML-escaped. An identifier is marked when its exact word or one of its parts
// is a query word ("_CRT_SECURE_NO_WARNINGS" for "crt secure"), as the index has both (prose_terms.h).
// A span of the text that is one of the query's codes (the code grammar finds it, in whatever spelling
// the text has) is one marked match: "<mark>0x80070005</mark>", "<mark>SF-3104</mark>".
//
// Xapian's MSet::snippet() stems every word of the text; this stems only the words that could stem to
// a query stem (Snowball keeps a word's first letters, so a word that starts differently cannot):
// stemming every word would be most of a snippet's cost.
#pragma once

#include <xapian.h>

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace errkb::store {

struct SnippetTerms {
  std::vector<std::string> stems;  // "Z" terms of the query without the Z ("paymen" of "payment")
  std::vector<std::string> words;  // unstemmed lower-case terms (synonym expansions)

  // The prose terms of a parsed query: "Z" + stem, or a lower-case word; prefixed terms are skipped.
  static SnippetTerms from_query_terms(const std::vector<std::string>& terms);
};

inline constexpr size_t kSnippetLength = 240;

// Byte spans [begin, end) of the text, in order and not overlapping.
using TextSpans = std::span<const std::pair<size_t, size_t>>;

std::string make_snippet(std::string_view text, const SnippetTerms& terms, const Xapian::Stem& stem,
                         size_t length = kSnippetLength, TextSpans code_spans = {});

// Which of the terms (stems first, then words) the text holds, its words read as make_snippet reads them.
std::vector<bool> query_terms_in(std::string_view text, const SnippetTerms& terms, const Xapian::Stem& stem);

}  // namespace errkb::store
