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
#include <unordered_map>
#include <vector>

namespace errkb::store {

inline constexpr size_t kSmallSpellingTable = 100'000;

class SpellingDictionary {
 public:
  static SpellingDictionary load(const Xapian::Database& db);  // the whole spelling table
  void add(const std::string& word, uint32_t frequency);

  // The most frequent known word one edit (Damerau-Levenshtein: delete, insert, replace or swap two
  // neighbours, by Unicode letter) from `word`; "" when there is none or `word` is known itself.
  std::string one_edit(std::string_view word) const;

  size_t size() const { return frequency_.size(); }

 private:
  std::unordered_map<std::string, uint32_t> frequency_;
  std::vector<char32_t> latin_, cyrillic_, other_;  // letters the table's words use, by script
};

}  // namespace errkb::store
