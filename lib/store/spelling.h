// The spelling table of one index generation in memory, for one-edit corrections in microseconds.
//
// Xapian's get_spelling_suggestion() looks for words up to two edits away by merging the word lists of
// the query word's letter trigrams: on a KB of a few thousand passages that is fast, but on the
// hundreds of thousands of distinct words of a large KB it takes longer than the whole query should.
// Most typos are one edit (a letter missing,
// extra, wrong, or two swapped), so the engine first tries every one-edit variant here (hash lookups);
// only a small table (kSmallSpellingTable words) is also searched two edits away by Xapian.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/flat_array.h"
#include "store/tables_file.h"

namespace errkb::store {

inline constexpr size_t kSmallSpellingTable = 100'000;

class SpellingDictionary {
 public:
  static SpellingDictionary load(const Xapian::Database& db);  // the whole spelling table
  // From words and their frequencies (a word given twice counts the sum).
  static SpellingDictionary of_words(const std::vector<std::pair<std::string, uint32_t>>& words);
  // As a tables file holds it (store/tables_file.h); read() maps it.
  void write(TablesWriter& out) const;
  static SpellingDictionary read(TablesReader& in);

  // The most frequent known word one edit (Damerau-Levenshtein: delete, insert, replace or swap two
  // neighbours, by Unicode letter) from `word`; "" when there is none or `word` is known itself.
  std::string one_edit(std::string_view word) const;

  size_t size() const { return words_.size(); }
  size_t bytes() const;

 private:
  class Builder;
  uint32_t frequency_of(std::string_view word) const {
    const uint32_t i = words_.find(word);
    return i == TermIndex::kNone ? 0 : frequency_[i];
  }

  TermIndex words_;
  FlatArray<uint32_t> frequency_;                 // of words_.term(i)
  FlatArray<char32_t> latin_, cyrillic_, other_;  // letters the table's words use, by script, ascending
};

}  // namespace errkb::store
