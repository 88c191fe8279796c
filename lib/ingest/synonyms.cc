// The KB's synonyms file: one group per line, "term: synonym, synonym" (the term expands to its
// synonyms) or "a, b, c" (every word stands for the others: the first is the term); '#' starts a
// comment. Terms are stored lower-cased (as the index stores words).
#include "errkb/ingest.h"
#include "errkb/text.h"
#include "ingest/internal.h"

namespace errkb {

namespace {

// Bounds on a line: every word of a group is stored as a synonym of every other (the work grows with
// the square of the group), and each is an index key of at most a few hundred bytes.
constexpr size_t kMaxLineBytes = 4096;
constexpr size_t kMaxGroupWords = 32;

// What is wrong with a line as text, or "".
std::string line_problem(std::string_view line) {
  if (line.size() > kMaxLineBytes)
    return "the line is " + std::to_string(line.size()) + " bytes long (at most " +
           std::to_string(kMaxLineBytes) + ")";
  if (const size_t bad = first_invalid_utf8(line); bad != std::string_view::npos)
    return "invalid UTF-8 at column " + std::to_string(bad + 1) + "; save the file as UTF-8";
  for (char c : line)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r')
      return "a control character in the line";
  return "";
}

// What is wrong with a parsed group, or "".
std::string group_problem(const SynonymGroup& group) {
  if (group.synonyms.size() + 1 > kMaxGroupWords)
    return "a group of " + std::to_string(group.synonyms.size() + 1) + " words (at most " +
           std::to_string(kMaxGroupWords) + ")";
  if (group.term.size() > ingest::kMaxNameBytes)
    return "the word \"" + ingest::excerpt(group.term) + "\" is too long";
  for (const auto& s : group.synonyms)
    if (s.size() > ingest::kMaxNameBytes) return "the word \"" + ingest::excerpt(s) + "\" is too long";
  return "";
}

}  // namespace

SynonymsResult read_synonyms(std::string_view rel, std::string_view text) {
  using namespace ingest;
  SynonymsResult result;
  // Which text encoding the file is in is the whole file's question: a UTF-16 file (NUL bytes) is
  // rejected whole, and the synonyms indexed before are kept. A bad line is that line's rejection.
  using namespace std::string_view_literals;
  if (text.substr(0, 2) == "\xFF\xFE"sv || text.substr(0, 2) == "\xFE\xFF"sv ||
      text.find('\0') != std::string_view::npos) {
    std::string_view whole = text;
    if (auto err = check_encoding(rel, whole)) result.errors.push_back(std::move(*err));
    result.complete = false;
    return result;
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF"sv) text.remove_prefix(3);
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    if (std::string problem = line_problem(line); !problem.empty()) {
      result.errors.push_back(make_error(rel, line_no, std::move(problem)));
      continue;
    }
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const std::string t = trim(line);
    if (t.empty()) continue;
    SynonymGroup group;
    std::vector<std::string> synonyms;
    if (const size_t colon = t.find(':'); colon != std::string::npos) {
      group.term = collapse_whitespace(t.substr(0, colon));
      synonyms = split_trimmed(std::string_view(t).substr(colon + 1), ",");
      if (group.term.empty()) {
        result.errors.push_back(
            make_error(rel, line_no, "nothing before ':' (expected \"term: synonym, ...\")"));
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
    if (std::string problem = group_problem(group); !problem.empty()) {
      result.errors.push_back(make_error(rel, line_no, std::move(problem)));
      continue;
    }
    result.groups.push_back(std::move(group));
  }
  return result;
}

}  // namespace errkb
