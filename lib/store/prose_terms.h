// Prose -> index terms, the way Xapian::TermGenerator makes them with STEM_ALL_Z and STOP_ALL, but
// cheaper for a bulk indexer: each field is tokenised once for both its unprefixed and its prefixed
// ("title:") copy, stems come from a per-thread cache (Snowball stemming is the costly part, and prose
// repeats words), and a field shared by every passage of an item (title, symptoms) is analysed once.
// The query side keeps using Xapian::QueryParser, so the terms must be exactly TermGenerator's:
// tests/store/prose_terms_test.cc checks that on the demo KB and on edge cases.
//
// One addition to TermGenerator: an identifier ("_CRT_SECURE_NO_WARNINGS", "InvalidOperationException")
// is indexed as its exact term and also as its words ("crt", "secure", ...), as BM25 engines that split
// at underscores and case changes find it by those words. with_identifier_terms() gives a parsed query
// the same two readings.
#pragma once

#include <xapian.h>

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "errkb/schema.h"

namespace errkb::store {

// A stemmed prose term (schema::kStemPrefix + stem, or a field's copy), as opposed to a plain word.
inline bool is_stemmed(std::string_view term) { return term.starts_with(schema::kStemPrefix); }

// A query term as shown and compared with text: a stem without its prefix, a plain word as it is.
inline std::string without_stem_prefix(const std::string& term) {
  return is_stemmed(term) ? term.substr(schema::kStemPrefix.size()) : term;
}

// An unprefixed Z-stem (schema.h: the prose words a query is made of); "ZS...", "ZXSYM..." are the
// title and symptoms copies (a stem itself is lower case).
inline bool is_prose_word(const std::string& term) {
  return term.size() >= 2 && is_stemmed(term) && !(term[1] >= 'A' && term[1] <= 'Z');
}

// The title's copy of a prose word: "ZS" + stem (schema.h).
inline bool is_title_copy(const std::string& term) {
  static const std::string kTitleCopy =
      std::string(schema::kStemPrefix) + std::string(schema::field_prefix("title"));
  return term.size() > kTitleCopy.size() && term.starts_with(kTitleCopy) &&
         !(term[kTitleCopy.size()] >= 'A' && term[kTitleCopy.size()] <= 'Z');
}

// A distinct "Z"-stem of one text and how often it occurs there.
struct StemCount {
  const std::string* z_stem;
  unsigned words = 0;  // as a word of its own
  unsigned parts = 0;  // as a part of an identifier ("crt" of "_CRT_SECURE_NO_WARNINGS")
};
using StemCounts = std::vector<StemCount>;

class ProseTerms {
 public:
  // The words of `text` as TermGenerator splits them (Unicode word characters, acronyms such as
  // "U.S.A.", infixes such as "AT&T", "don't", "3.14", suffixes such as "C++"): fn(word, written) with
  // the word lower-cased and as written in `text`; words longer than 64 bytes are dropped as
  // TermGenerator drops them.
  template <typename Fn>
  static void for_each_word(std::string_view text, Fn&& fn);

  // The words of an identifier, lower-cased: `written` (a word as for_each_word found it) split at
  // underscores and at case changes ("getHTTPResponse": get, http, response), digits kept with their
  // letters ("WIN32_LEAN_AND_MEAN": win32, lean, and, mean). Nothing when `written` is not such an
  // identifier (one part, or characters other than letters, digits and underscores).
  template <typename Fn>
  static void for_each_identifier_part(std::string_view written, Fn&& fn);

  // Analyses `text` in `language`: stop words dropped, the rest stemmed. Each distinct stem comes once
  // with its counts, as "Z" + stem (a language Xapian cannot stem keeps the lower-cased word, where
  // TermGenerator would index nothing); an identifier counts as its word and as its parts. When
  // `spelling` is given, every kept word (not a part) is counted there (what FLAG_SPELLING would add).
  // The result is overwritten by the next call.
  const StemCounts& analyse(std::string_view text, const std::string& language,
                            std::unordered_map<std::string, unsigned>* spelling);

  // The adjacent words of `text` as schema::kWordPairPrefix terms ("XWP:" stem " " stem): stop words
  // skipped, the first `max_words` other words, each distinct pair once, in order. Identifiers count as
  // their one word. The result is overwritten by the next call.
  const std::vector<std::string>& word_pairs(std::string_view text, const std::string& language,
                                             size_t max_words);

  // The stem cache is bounded: when it is full, it is emptied and true is returned; every StemCounts
  // obtained before is then invalid. Call between items, never while holding StemCounts.
  bool trim_cache();

  // Adds analysed stems to `doc`: "Z"+stem with wdf count*weight, and, when `prefix` is not empty, the
  // prefixed copy "Z"+prefix+stem with wdf count (TermGenerator's index_text(text, 1, prefix)); an
  // identifier's part counts half. Every wdf is multiplied by `wdf_scale` (schema::scaled_wdf: the
  // passage's length normalisation).
  static void add_to(Xapian::Document& doc, const StemCounts& stems, unsigned weight, std::string_view prefix,
                     double wdf_scale = 1.0);
  // The passage's share of its raw length: the wdf add_to would add with scale 1, each part counted as a
  // word. "_CRT_SECURE_NO_WARNINGS" is four words of text to a reader (and to BM25 engines that split
  // it), so a passage dense with identifiers, such as a code sample, is not made shorter than the same
  // words written out (counting the parts ranks more symptom queries' pages first on the devkb KB).
  static unsigned raw_length(const StemCounts& stems, unsigned weight, std::string_view prefix);

 private:
  struct Language {
    const Xapian::Stem* stemmer = nullptr;
    std::unordered_set<std::string_view> stop_words;
    std::unordered_map<std::string, std::string> z_stems;  // word -> "Z"+stem
  };
  Language& language_for(const std::string& language);
  // The cached "Z"+stem of a lower-case word ("" when it stems to nothing); null for a stop word.
  const std::string* z_stem(Language& lang, std::string_view word);

  std::unordered_map<std::string, Language> languages_;
  size_t cached_stems_ = 0;                                  // entries in all languages' z_stems
  std::unordered_map<const std::string*, size_t> counting_;  // stem -> its row in result_
  StemCounts result_;
  std::vector<std::string> pairs_;
  std::string word_;
};

// `parsed` (QueryParser's prose query, a top-level OR of words) with the terms it lacks for the
// identifiers written in `prose`, so that a query meets both readings the index has: the exact term of
// "_CRT_SECURE_NO_WARNINGS" (the engine's parser input has its underscores blanked) and the parts of
// "InvalidOperationException" (QueryParser keeps it one word). Each added term is one more top-level
// word of the OR.
Xapian::Query with_identifier_terms(const Xapian::Query& parsed, std::string_view prose,
                                    const std::string& language);

// `parsed` with the exact term of the identifier the whole of `prose` writes as words ("win32 lean and
// mean", "use math defines", "invalid operation exception"): its two to six words joined as UPPER_SNAKE,
// _UPPER_SNAKE or CamelCase, each join added when `indexed` says some passage holds it. A name is looked
// up, never guessed, so words that happen to join into no name in the KB change nothing.
Xapian::Query with_joined_identifiers(const Xapian::Query& parsed, std::string_view prose,
                                      const std::string& language,
                                      const std::function<bool(const std::string&)>& indexed);

// Prose for the QueryParser: punctuation that would make phrases or operators becomes space, and a colon
// stays only after a field name ("title:webhook", not "std::bad_alloc"). A number written with dots or
// commas stays one word, as the index holds it ("500.0", "5.7.1" that no code reading took). Numbers of one
// or two digits stay words only when `keep_short_numbers`: in a description in the customer's words they
// say which page ("level 4", "after 30 seconds"); beside a code, in a pasted log line or message, they are
// its line, column and counters.
std::string prose_for_parser(const std::string& text, bool keep_short_numbers);

// ---- implementation of for_each_word: Xapian 1.4's TermGenerator word splitting (without CJK n-grams) --

namespace prose_detail {
inline constexpr unsigned kIgnore = ~0u;  // an infix that joins the word but is not kept (zero-width)
inline constexpr size_t kMaxWordBytes = 64;

// ASCII is answered here, the rest by Xapian's Unicode tables: the same answers, without a call per byte.
inline bool is_wordchar(unsigned ch) {
  if (ch < 128)
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
  return Xapian::Unicode::is_wordchar(ch);
}
inline unsigned to_lower(unsigned ch) {
  if (ch < 128) return (ch >= 'A' && ch <= 'Z') ? ch + ('a' - 'A') : ch;
  return Xapian::Unicode::tolower(ch);
}
inline void append(std::string& s, unsigned ch) {
  if (ch < 128)
    s.push_back(static_cast<char>(ch));
  else
    Xapian::Unicode::append_utf8(s, ch);
}
inline unsigned check_wordchar(unsigned ch) { return is_wordchar(ch) ? to_lower(ch) : 0; }
inline bool is_ascii_upper(unsigned ch) { return ch >= 'A' && ch <= 'Z'; }
inline bool is_digit(unsigned ch) {
  if (ch < 128) return ch >= '0' && ch <= '9';
  return Xapian::Unicode::get_category(ch) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER;
}
inline unsigned check_infix(unsigned ch) {
  if (ch == '\'' || ch == '&' || ch == 0xb7 || ch == 0x5f4 || ch == 0x2027) return ch;
  if (ch == 0x2019 || ch == 0x201b) return '\'';
  if (ch >= 0x200b && (ch <= 0x200d || ch == 0x2060 || ch == 0xfeff)) return kIgnore;
  return 0;
}
inline unsigned check_infix_digit(unsigned ch) {
  switch (ch) {
    case ',':
    case '.':
    case ';':
    case 0x037e:
    case 0x0589:
    case 0x060D:
    case 0x07F8:
    case 0x2044:
    case 0xFE10:
    case 0xFE13:
    case 0xFE14:
      return ch;
  }
  if (ch >= 0x200b && (ch <= 0x200d || ch == 0x2060 || ch == 0xfeff)) return kIgnore;
  return 0;
}
inline unsigned check_suffix(unsigned ch) { return (ch == '+' || ch == '#') ? ch : 0; }

// A position in UTF-8 text and the character there. Invalid UTF-8 reads as Utf8Iterator reads it
// (its bytes as Latin-1 characters).
class CharCursor {
 public:
  CharCursor(const char* p, const char* end) : p_(p), end_(end) { load(); }
  bool at_end() const { return p_ == end_; }
  const char* position() const { return p_; }
  unsigned operator*() const { return ch_; }
  CharCursor& operator++() {
    p_ = next_;
    load();
    return *this;
  }

 private:
  void load() {
    if (p_ == end_) {
      ch_ = 0;
      next_ = end_;
    } else if (static_cast<unsigned char>(*p_) < 0x80) {
      ch_ = static_cast<unsigned char>(*p_);
      next_ = p_ + 1;
    } else {
      Xapian::Utf8Iterator it(p_, static_cast<size_t>(end_ - p_));
      ch_ = *it;
      ++it;
      next_ = it.raw();
    }
  }
  const char* p_;
  const char* end_;
  const char* next_ = nullptr;
  unsigned ch_ = 0;
};
}  // namespace prose_detail

template <typename Fn>
void ProseTerms::for_each_word(std::string_view text, Fn&& fn) {
  using namespace prose_detail;
  CharCursor itor(text.data(), text.data() + text.size());
  std::string term;
  while (true) {
    unsigned ch;
    while (true) {  // to the start of the next word
      if (itor.at_end()) return;
      ch = check_wordchar(*itor);
      if (ch) break;
      ++itor;
    }
    term.clear();
    const char* written = itor.position();
    if (is_ascii_upper(*itor)) {  // initials separated by '.', as in "U.S.A."
      CharCursor p = itor;
      do {
        append(term, to_lower(*p));
        ++p;
      } while (!p.at_end() && *p == '.' && !(++p).at_end() && is_ascii_upper(*p));
      if (term.size() > 1 && (p.at_end() || !is_wordchar(*p))) {
        itor = p;
        goto end_of_word;
      }
      term.clear();
    }
    while (true) {
      unsigned prevch;
      do {
        append(term, ch);
        prevch = ch;
        if ((++itor).at_end()) goto end_of_word;
        ch = check_wordchar(*itor);
      } while (ch);
      CharCursor next = itor;
      ++next;
      if (next.at_end()) break;
      unsigned nextch = check_wordchar(*next);
      if (!nextch) break;
      unsigned infix = (is_digit(prevch) && is_digit(*next)) ? check_infix_digit(*itor) : check_infix(*itor);
      if (!infix) break;
      if (infix != kIgnore) append(term, infix);
      ch = nextch;
      itor = next;
    }
    {
      size_t len = term.size();
      unsigned count = 0;
      while ((ch = check_suffix(*itor))) {  // "C++", "C#"
        if (++count > 3) {
          term.resize(len);
          break;
        }
        append(term, ch);
        if ((++itor).at_end()) goto end_of_word;
      }
      if (is_wordchar(*itor)) term.resize(len);  // not "fish+" in "fish+chips"
    }
  end_of_word:
    if (term.size() <= kMaxWordBytes)
      fn(std::string_view(term), std::string_view(written, static_cast<size_t>(itor.position() - written)));
  }
}

namespace prose_detail {
inline bool is_ascii_lower(char c) { return c >= 'a' && c <= 'z'; }
inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_identifier_char(char c) {  // bytes of non-ASCII characters count as letters without case
  return is_ascii_lower(c) || is_ascii_upper(c) || is_ascii_digit(c) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
// Whether a part starts at `i` (an upper-case letter) of `written`: after a lower-case letter
// ("getHTTP"), or as the capital of a word after capitals or digits ("HTTPServer", "Win32Exception";
// not the "E" of "0x8007000E").
inline bool starts_camel_part(std::string_view written, size_t i) {
  const char before = written[i - 1];
  if (is_ascii_lower(before)) return true;
  const bool word_follows = i + 1 < written.size() && is_ascii_lower(written[i + 1]);
  return word_follows && (is_ascii_upper(before) || is_ascii_digit(before));
}
}  // namespace prose_detail

template <typename Fn>
void ProseTerms::for_each_identifier_part(std::string_view written, Fn&& fn) {
  using namespace prose_detail;
  // Most words have neither an underscore nor a capital after their first letter: answered in one pass.
  bool maybe = false;
  bool ascii = true;
  for (size_t i = 0; i < written.size(); ++i) {
    if (!is_identifier_char(written[i])) return;
    maybe = maybe || written[i] == '_' || (i > 0 && is_ascii_upper(written[i]));
    ascii = ascii && static_cast<unsigned char>(written[i]) < 0x80;
  }
  if (!maybe) return;
  // Each part lower-cased as TermGenerator would lower-case it as a word of its own (ASCII directly).
  std::string lower;
  auto part = [&](size_t begin, size_t end) {
    if (end == begin) return;
    if (!ascii) {
      for_each_word(written.substr(begin, end - begin),
                    [&](std::string_view word, std::string_view) { fn(word); });
      return;
    }
    lower.assign(written, begin, end - begin);
    for (char& c : lower) c = static_cast<char>(to_lower(static_cast<unsigned char>(c)));
    fn(std::string_view(lower));
  };
  size_t start = 0;
  for (size_t i = 0; i < written.size(); ++i) {
    if (written[i] == '_') {
      part(start, i);
      start = i + 1;
    } else if (i > start && is_ascii_upper(written[i]) && starts_camel_part(written, i)) {
      part(start, i);
      start = i;
    }
  }
  if (start > 0) part(start, written.size());  // else not split at all ("HTTP", "Error")
}

}  // namespace errkb::store
