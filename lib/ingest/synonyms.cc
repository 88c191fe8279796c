// The KB's synonyms file: one group per line, "term: synonym, synonym" (the term expands to its
// synonyms) or "a, b, c" (every word stands for the others: the first is the term); '#' starts a
// comment. Terms are stored lower-cased (as the index stores words).
#include "errkb/ingest.h"
#include "errkb/text.h"
#include "ingest/internal.h"

namespace errkb {

SynonymsResult read_synonyms(std::string_view rel, std::string_view text) {
  using namespace ingest;
  SynonymsResult result;
  if (auto err = check_encoding(rel, text)) {
    result.errors.push_back(std::move(*err));
    return result;
  }
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const std::string t = trim(line);
    if (t.empty()) continue;
    SynonymGroup group;
    std::vector<std::string> synonyms;
    if (const size_t colon = t.find(':'); colon != std::string::npos) {
      group.term = collapse_whitespace(t.substr(0, colon));
      synonyms = split_trimmed(std::string_view(t).substr(colon + 1), ",");
      if (group.term.empty()) {
        result.errors.push_back(make_error(rel, line_no, "nothing before ':' (expected \"term: synonym, ...\")"));
        continue;
      }
      if (synonyms.empty()) {
        result.errors.push_back(make_error(rel, line_no, "no synonyms after \"" + group.term + ":\""));
        continue;
      }
    } else {
      std::vector<std::string> words = split_trimmed(t, ",");
      if (words.size() < 2) {
        result.errors.push_back(
            make_error(rel, line_no, "a group needs at least two words (\"a, b\" or \"term: synonym\")"));
        continue;
      }
      group.term = collapse_whitespace(words.front());
      synonyms.assign(words.begin() + 1, words.end());
    }
    group.term = lowercase_utf8(group.term);
    for (auto& s : synonyms) {
      std::string w = lowercase_utf8(collapse_whitespace(s));
      if (w != group.term) group.synonyms.push_back(std::move(w));
    }
    if (group.synonyms.empty()) {
      result.errors.push_back(make_error(rel, line_no, "\"" + group.term + "\" is only a synonym of itself"));
      continue;
    }
    result.groups.push_back(std::move(group));
  }
  return result;
}

}  // namespace errkb
