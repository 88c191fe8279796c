#include "store/snippet.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "store/prose_terms.h"

namespace errkb::store {

namespace {

struct Word {
  size_t begin, end;      // byte offsets in the text
  size_t first_term = 0;  // the query terms it matches: matched[first_term, first_term + terms)
  size_t terms = 0;       // none, one, or (an identifier) one for each part that matches
};

// The first `chars` characters of a lower-case word, as bytes.
std::string_view head(std::string_view word, size_t chars) {
  size_t i = 0;
  for (size_t n = 0; n < chars && i < word.size(); ++n) {
    ++i;
    while (i < word.size() && (static_cast<unsigned char>(word[i]) & 0xC0) == 0x80) ++i;
  }
  return word.substr(0, i);
}

void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      default:
        out += c;
    }
  }
}

constexpr size_t kStemHeadChars = 3;

// The stems of the words scanned, kept per thread for the stemmer in use: the same words come back in
// every snippet and cause text of a language, and a Snowball stem costs many times a lookup.
class StemMemo {
 public:
  explicit StemMemo(const Xapian::Stem& stem) : stem_(stem), memo_(memo_for(stem)) {}
  const std::string& of(const std::string& word) const {
    auto [at, added] = memo_.try_emplace(word);
    if (added) at->second = stem_(word);
    return at->second;
  }

 private:
  static constexpr size_t kMaxWords = 1 << 14;

  // This thread's memo, emptied when the stemmer is another one or the memo is full.
  static std::unordered_map<std::string, std::string>& memo_for(const Xapian::Stem& stem) {
    thread_local std::string stemmer;
    thread_local std::unordered_map<std::string, std::string> memo;
    std::string description = stem.get_description();
    if (description != stemmer || memo.size() >= kMaxWords) {
      memo.clear();
      stemmer = std::move(description);
    }
    return memo;
  }

  const Xapian::Stem& stem_;
  std::unordered_map<std::string, std::string>& memo_;
};

// Which query term a lower-case word is. A stem's first characters (up to kStemHeadChars), and how many
// they are: a word can only stem to it if it starts with them ("go" is the stem of "going").
class TermMatcher {
 public:
  TermMatcher(const SnippetTerms& terms, const Xapian::Stem& stem) : terms_(terms), stems_(stem) {
    for (const auto& s : terms.stems) {
      const std::string_view h = head(s, kStemHeadChars);
      size_t chars = 0;
      for (char c : h) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      stem_heads_.emplace_back(h, chars);
    }
  }
  // The index of the term (stems first, then words), -1 none.
  int term_of(const std::string& lower) const {
    for (size_t t = 0; t < terms_.words.size(); ++t)
      if (lower == terms_.words[t]) return static_cast<int>(terms_.stems.size() + t);
    bool may_stem = false;
    for (size_t t = 0; t < stem_heads_.size() && !may_stem; ++t) {
      // head() is a prefix of `lower`: a word that does not start with the stem's head bytes (most
      // words, most by their first byte) is ruled out without walking its characters.
      const std::string_view stem_head = stem_heads_[t].first;
      may_stem = (stem_head.empty() || lower[0] == stem_head[0]) &&
                 std::string_view(lower).starts_with(stem_head) &&
                 head(lower, stem_heads_[t].second) == stem_head;
    }
    if (!may_stem) return -1;
    const std::string& s = stems_.of(lower);
    for (size_t t = 0; t < terms_.stems.size(); ++t)
      if (s == terms_.stems[t]) return static_cast<int>(t);
    return -1;
  }
  size_t size() const { return terms_.stems.size() + terms_.words.size(); }

 private:
  const SnippetTerms& terms_;
  const StemMemo stems_;
  std::vector<std::pair<std::string_view, size_t>> stem_heads_;
};

// The character at `pos` when it is not ASCII: read through Xapian's Unicode tables.
[[gnu::noinline]] bool wide_char_at(std::string_view text, size_t pos, unsigned& cp, size_t& bytes) {
  Xapian::Utf8Iterator it(text.data() + pos, text.size() - pos);
  cp = *it;
  ++it;
  bytes = static_cast<size_t>(it.raw() - (text.data() + pos));  // raw() is the text's end past its last
  return Xapian::Unicode::is_wordchar(cp);
}

// One character at `pos`: whether it is a word character, and its length in bytes; ASCII without
// Xapian's Unicode tables (most of any text), and without libc's per-character calls. Small enough to
// be inlined into the scan: it runs once per byte of every text scanned.
inline bool char_at(std::string_view text, size_t pos, unsigned& cp, size_t& bytes) {
  const unsigned char c = static_cast<unsigned char>(text[pos]);
  if (c >= 0x80) return wide_char_at(text, pos, cp, bytes);
  cp = c;
  bytes = 1;
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// The words of `text` from `pos` on, as scanned(begin, end, terms): the query terms each word is (none,
// one, or for an identifier one for each part that is one, as the index has its parts). `at(pos)` may
// claim a span first (a code): it returns the span's end, or pos when it claims nothing.
template <typename At, typename Scanned>
void scan_words(std::string_view text, const TermMatcher& matcher, At&& at, Scanned&& scanned) {
  std::string lower;
  std::vector<size_t> terms;
  for (size_t pos = 0; pos < text.size();) {
    if (const size_t claimed = at(pos); claimed > pos) {
      pos = claimed;
      continue;
    }
    unsigned cp;
    size_t bytes;
    if (!char_at(text, pos, cp, bytes)) {
      pos += bytes;
      continue;
    }
    const size_t begin = pos;
    lower.clear();
    bool maybe_identifier = false;  // an underscore, or a capital after the first letter
    do {                            // `cp` is the word character at `pos`
      if (cp < 0x80) {
        maybe_identifier = maybe_identifier || cp == '_' || (pos > begin && cp >= 'A' && cp <= 'Z');
        lower += static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
      } else {
        Xapian::Unicode::append_utf8(lower, Xapian::Unicode::tolower(cp));
      }
      pos += bytes;
    } while (pos < text.size() && char_at(text, pos, cp, bytes));
    terms.clear();
    if (int t = matcher.term_of(lower); t >= 0) {
      terms.push_back(static_cast<size_t>(t));
    } else if (maybe_identifier) {  // "_CRT_SECURE_NO_WARNINGS" for "crt secure"
      ProseTerms::for_each_identifier_part(text.substr(begin, pos - begin), [&](std::string_view part) {
        const int part_term = matcher.term_of(std::string(part));
        if (part_term >= 0 &&
            std::find(terms.begin(), terms.end(), static_cast<size_t>(part_term)) == terms.end())
          terms.push_back(static_cast<size_t>(part_term));
      });
    }
    scanned(begin, pos, terms);
  }
}

}  // namespace

SnippetTerms SnippetTerms::from_query_terms(const std::vector<std::string>& terms) {
  SnippetTerms out;
  for (const auto& t : terms) {
    if (t.empty()) continue;
    if (is_stemmed(t)) {
      const std::string stem = without_stem_prefix(t);
      if (!stem.empty() && std::find(out.stems.begin(), out.stems.end(), stem) == out.stems.end())
        out.stems.push_back(stem);
    } else if (std::islower(static_cast<unsigned char>(t[0])) || static_cast<unsigned char>(t[0]) >= 0x80) {
      if (std::find(out.words.begin(), out.words.end(), t) == out.words.end()) out.words.push_back(t);
    }
  }
  return out;
}

std::vector<bool> query_terms_in(std::string_view text, const SnippetTerms& terms, const Xapian::Stem& stem) {
  const TermMatcher matcher(terms, stem);
  std::vector<bool> held(matcher.size(), false);
  size_t unheld = matcher.size();
  // Once every term is held the rest of the text has nothing to add: it is claimed unread.
  auto rest_when_all_held = [&](size_t pos) { return unheld == 0 ? text.size() : pos; };
  scan_words(text, matcher, rest_when_all_held, [&](size_t, size_t, const std::vector<size_t>& found) {
    for (size_t t : found)
      if (!held[t]) {
        held[t] = true;
        --unheld;
      }
  });
  return held;
}

std::string make_snippet(std::string_view text, const SnippetTerms& terms, const Xapian::Stem& stem,
                         size_t length, TextSpans code_spans) {
  // Words of the text, and which query terms each one is; the query's codes are one term more, after
  // its stems and words.
  const TermMatcher matcher(terms, stem);
  const size_t code_term = matcher.size();
  std::vector<Word> words;
  std::vector<size_t> matched;
  auto next_span = code_spans.begin();
  auto code_at = [&](size_t pos) {
    while (next_span != code_spans.end() && next_span->second <= pos) ++next_span;
    if (next_span == code_spans.end() || next_span->first > pos || next_span->second > text.size())
      return pos;
    words.push_back(Word{pos, next_span->second, matched.size(), 1});
    matched.push_back(code_term);
    return next_span->second;
  };
  scan_words(text, matcher, code_at, [&](size_t begin, size_t end, const std::vector<size_t>& found) {
    words.push_back(Word{begin, end, matched.size(), found.size()});
    matched.insert(matched.end(), found.begin(), found.end());
  });
  if (words.empty()) return {};

  // The window (starting at a word, at most `length` bytes of text) with the most distinct query terms,
  // then the most matches; the earliest among equals.
  size_t best_start = 0;
  std::pair<size_t, size_t> best_score{0, 0};
  std::vector<int> seen(code_term + 1, 0);
  for (size_t start = 0; start < words.size(); ++start) {
    if (words[start].terms == 0 && start > 0) continue;  // windows worth having start at a match (or the top)
    std::fill(seen.begin(), seen.end(), 0);
    std::pair<size_t, size_t> score{0, 0};
    for (size_t i = start; i < words.size() && words[i].end - words[start].begin <= length; ++i) {
      for (size_t k = words[i].first_term; k < words[i].first_term + words[i].terms; ++k) {
        if (!seen[matched[k]]++) ++score.first;
        ++score.second;
      }
    }
    if (score > best_score) {
      best_score = score;
      best_start = start;
    }
  }

  // Back up a little so the first match has some context, when the window has room for it.
  size_t first = best_start;
  size_t last = first;
  while (last + 1 < words.size() && words[last + 1].end - words[first].begin <= length) ++last;
  while (first > 0 && words[last].end - words[first - 1].begin <= length && best_start - first < 3) --first;

  std::string out;
  if (first > 0) out += "…";
  size_t pos = first == 0 ? 0 : words[first].begin;  // the text's start, punctuation and all
  for (size_t i = first; i <= last; ++i) {
    append_escaped(out, text.substr(pos, words[i].begin - pos));
    const std::string_view word = text.substr(words[i].begin, words[i].end - words[i].begin);
    if (words[i].terms > 0) {
      out += "<mark>";
      append_escaped(out, word);
      out += "</mark>";
    } else {
      append_escaped(out, word);
    }
    pos = words[i].end;
  }
  if (last + 1 < words.size())
    out += "…";
  else
    append_escaped(out, text.substr(pos));  // the text's end: its closing punctuation
  return out;
}

}  // namespace errkb::store
