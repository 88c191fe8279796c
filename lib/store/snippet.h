// Result snippets: the stretch of a passage's text (about `length` bytes) with the most query words,
// those words marked, HTML-escaped. An identifier is marked when its exact word or one of its parts
// is a query word ("_CRT_SECURE_NO_WARNINGS" for "crt secure"), as the index has both (prose_terms.h).
//
// Xapian's MSet::snippet() stems every word of the text; this stems only the words that could stem to
// a query stem (Snowball keeps a word's first letters, so a word that starts differently cannot), which
// made snippets five times cheaper on the passages of a search.
#pragma once

#include <xapian.h>

#include <string>
#include <string_view>
#include <vector>

namespace errkb::store {

struct SnippetTerms {
  std::vector<std::string> stems;  // "Z" terms of the query without the Z ("paymen" of "payment")
  std::vector<std::string> words;  // unstemmed lower-case terms (synonym expansions)

  // The prose terms of a parsed query: "Z" + stem, or a lower-case word; prefixed terms are skipped.
  static SnippetTerms from_query_terms(const std::vector<std::string>& terms);
};

std::string make_snippet(std::string_view text, const SnippetTerms& terms, const Xapian::Stem& stem,
                         size_t length = 240);

}  // namespace errkb::store
