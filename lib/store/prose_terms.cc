#include "store/prose_terms.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "errkb/schema.h"
#include "store/stopwords.h"

namespace errkb::store {

namespace {
// Whether the word that ends at `colon` in `text` is a field the query parser knows ("title:" of
// "title:webhook"); any other colon, such as those of "std::bad_alloc", would make a phrase.
bool field_colon(std::string_view text, size_t colon) {
  size_t begin = colon;
  while (begin > 0 && std::isalpha(static_cast<unsigned char>(text[begin - 1]))) --begin;
  const std::string_view word = text.substr(begin, colon - begin);
  return std::any_of(std::begin(schema::kFields), std::end(schema::kFields),
                     [&](const schema::FieldSpec& spec) { return spec.name == word; });
}

// Bounds the per-thread stem cache: prose vocabularies are Zipfian, so even a cleared cache is warm
// again after a few thousand passages.
constexpr size_t kMaxCachedStems = 1 << 20;

// An identifier's part weighs half an occurrence of a word, so that a passage which merely names a long
// constant is not flooded with its words (on the MSVC docs, half ranked names as well as a whole or a
// quarter did, and symptoms better than a whole). The wdf is counted in halves to keep
// schema::scaled_wdf's rounding.
constexpr unsigned kPartsPerWord = 2;
}  // namespace

ProseTerms::Language& ProseTerms::language_for(const std::string& language) {
  auto it = languages_.find(language);
  if (it != languages_.end()) return it->second;
  Language& lang = languages_[language];
  const Xapian::Stem& stemmer = stemmer_for(language);
  lang.stemmer = stemmer.is_none() ? nullptr : &stemmer;
  for (auto w : stop_words(language)) lang.stop_words.insert(w);
  return lang;
}

inline const std::string* ProseTerms::z_stem(Language& lang, std::string_view word) {
  if (lang.stop_words.count(word)) return nullptr;
  word_.assign(word);
  auto it = lang.z_stems.find(word_);
  if (it == lang.z_stems.end()) {
    // No stemmer for the language: the word itself, so that its text can still be found.
    std::string stem = lang.stemmer ? (*lang.stemmer)(word_) : word_;
    it = lang.z_stems.emplace(word_, stem.empty() ? std::string() : std::string(schema::kStemPrefix) + stem)
             .first;
    ++cached_stems_;
  }
  return &it->second;
}

const StemCounts& ProseTerms::analyse(std::string_view text, const std::string& language,
                                      std::unordered_map<std::string, unsigned>* spelling) {
  Language& lang = language_for(language);
  counting_.clear();
  result_.clear();
  // Counts a lower-case word as an occurrence of its stem; false for a stop word.
  auto count = [&](std::string_view word, unsigned StemCount::*occurrences) {
    const std::string* stem = z_stem(lang, word);
    if (!stem) return false;
    if (stem->empty()) return true;  // TermGenerator drops a word whose stem is empty
    auto [slot, fresh] = counting_.try_emplace(stem, result_.size());  // stem -> its row in result_
    if (fresh) result_.push_back({stem});
    ++(result_[slot->second].*occurrences);
    return true;
  };
  for_each_word(text, [&](std::string_view word, std::string_view written) {
    if (count(word, &StemCount::words) && spelling) ++(*spelling)[std::string(word)];
    for_each_identifier_part(written, [&](std::string_view part) { count(part, &StemCount::parts); });
  });
  return result_;
}

const std::vector<std::string>& ProseTerms::word_pairs(std::string_view text, const std::string& language,
                                                       size_t max_words) {
  Language& lang = language_for(language);
  pairs_.clear();
  const std::string* previous = nullptr;
  size_t words = 0;
  for_each_word(text, [&](std::string_view word, std::string_view) {
    if (words >= max_words) return;
    const std::string* stem = z_stem(lang, word);
    if (!stem || stem->empty()) return;
    ++words;
    if (previous) {
      std::string pair(schema::kWordPairPrefix);
      pair.append(*previous, 1, std::string::npos).append(1, ' ').append(*stem, 1, std::string::npos);
      if (std::find(pairs_.begin(), pairs_.end(), pair) == pairs_.end()) pairs_.push_back(std::move(pair));
    }
    previous = stem;
  });
  return pairs_;
}

bool ProseTerms::trim_cache() {
  if (cached_stems_ < kMaxCachedStems) return false;
  for (auto& [name, lang] : languages_) lang.z_stems.clear();
  cached_stems_ = 0;
  return true;
}

void ProseTerms::add_to(Xapian::Document& doc, const StemCounts& stems, unsigned weight,
                        std::string_view prefix, double wdf_scale) {
  std::string prefixed;
  const double scale_per_part = wdf_scale / kPartsPerWord;
  for (const auto& [z_stem, words, parts] : stems) {
    const unsigned in_parts = kPartsPerWord * words + parts;
    if (weight) doc.add_term(*z_stem, schema::scaled_wdf(in_parts * weight, scale_per_part));
    if (!prefix.empty()) {
      prefixed.assign(schema::kStemPrefix);
      prefixed.append(prefix);
      prefixed.append(*z_stem, 1, std::string::npos);
      doc.add_term(prefixed, schema::scaled_wdf(in_parts, scale_per_part));
    }
  }
}

unsigned ProseTerms::raw_length(const StemCounts& stems, unsigned weight, std::string_view prefix) {
  unsigned length = 0;
  for (const auto& stem : stems) length += (stem.words + stem.parts) * (weight + (prefix.empty() ? 0 : 1));
  return length;
}

namespace {

// A parsed prose query as the list of its top-level OR's words, to which terms are added once each.
class OrOfWords {
 public:
  explicit OrOfWords(const Xapian::Query& parsed) : parsed_(parsed) {
    if (parsed.get_type() == Xapian::Query::OP_OR) {
      for (size_t i = 0; i < parsed.get_num_subqueries(); ++i) words_.push_back(parsed.get_subquery(i));
    } else if (!parsed.empty()) {
      words_.push_back(parsed);
    }
    for (auto t = parsed.get_unique_terms_begin(); t != parsed.get_unique_terms_end(); ++t) known_.insert(*t);
    parsed_words_ = words_.size();
  }
  void add(const std::string& term) {
    if (known_.insert(term).second) words_.emplace_back(term);
  }
  Xapian::Query query() const {
    if (words_.size() == parsed_words_) return parsed_;
    return words_.size() == 1 ? words_.front()
                              : Xapian::Query(Xapian::Query::OP_OR, words_.begin(), words_.end());
  }

 private:
  Xapian::Query parsed_;
  std::vector<Xapian::Query> words_;
  std::set<std::string> known_;
  size_t parsed_words_ = 0;
};

}  // namespace

Xapian::Query with_identifier_terms(const Xapian::Query& parsed, std::string_view prose,
                                    const std::string& language) {
  const Xapian::Stopper* stopper = stopper_for(language);
  const Xapian::Stem& stem = stemmer_for(language);
  OrOfWords words(parsed);
  auto add = [&](std::string_view word) {
    const std::string lower(word);
    if (stopper && (*stopper)(lower)) return;
    const std::string s = stem(lower);
    if (!s.empty()) words.add(std::string(schema::kStemPrefix) + s);
  };
  ProseTerms::for_each_word(prose, [&](std::string_view word, std::string_view written) {
    bool identifier = false;
    ProseTerms::for_each_identifier_part(written, [&](std::string_view part) {
      if (!identifier) add(word);  // the exact term first
      identifier = true;
      add(part);
    });
  });
  return words.query();
}

namespace {

bool is_ascii_alnum_word(std::string_view word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

bool has_letter(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// The ways an identifier joins its words, lower-cased as the index holds it: UPPER_SNAKE, the same with a
// leading underscore (the C and C++ reserved names), and CamelCase. CamelCase only from words of letters
// written apart by spaces: "utf-8" or "utf 8" is not codecvt_utf8's "utf8".
struct Join {
  std::string_view lead, between;
  bool camel = false;
};
// A name written as words is short: "crt secure no warnings", "win32 lean and mean".
constexpr size_t kMaxJoinedWords = 6;
constexpr Join kIdentifierJoins[] = {{"", "_"}, {"_", "_"}, {"", "", true}};

}  // namespace

Xapian::Query with_joined_identifiers(const Xapian::Query& parsed, std::string_view prose,
                                      const std::string& language,
                                      const std::function<bool(const std::string&)>& indexed) {
  std::vector<std::string> words;
  bool name_like = true, camel_like = true;
  const char* previous_end = nullptr;
  ProseTerms::for_each_word(prose, [&](std::string_view word, std::string_view written) {
    name_like = name_like && words.size() < kMaxJoinedWords && is_ascii_alnum_word(word);
    if (!name_like) return;
    camel_like = camel_like && has_letter(word) &&
                 std::all_of(previous_end ? previous_end : written.data(), written.data(),
                             [](char c) { return c == ' ' || c == '\t'; });
    previous_end = written.data() + written.size();
    words.emplace_back(word);
  });
  if (!name_like || words.size() < 2) return parsed;
  const Xapian::Stem& stem = stemmer_for(language);
  OrOfWords out(parsed);
  for (const Join& join : kIdentifierJoins) {
    if (join.camel && !camel_like) continue;
    std::string joined(join.lead);
    for (size_t k = 0; k < words.size(); ++k) joined.append(k == 0 ? "" : join.between).append(words[k]);
    const std::string term = std::string(schema::kStemPrefix) + stem(joined);
    if (indexed(term)) out.add(term);
  }
  return out.query();
}

namespace {

// What joins digits into one number word, as the index's words have it ("500.0", "3,14": for_each_word).
bool number_infix(unsigned char c) { return c == '.' || c == ',' || c == ';'; }
bool between_digits(const std::string& text, size_t i) {
  return i > 0 && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
         std::isdigit(static_cast<unsigned char>(text[i + 1]));
}

}  // namespace

std::string prose_for_parser(const std::string& text, bool keep_short_numbers) {
  std::string out = text;
  for (size_t i = 0; i < out.size(); ++i) {
    const unsigned char u = static_cast<unsigned char>(out[i]);
    const bool kept = std::isalnum(u) || u == '\'' || (u == ':' && field_colon(text, i)) ||
                      (number_infix(u) && between_digits(text, i));
    if (u < 0x80 && !kept) out[i] = ' ';
  }
  std::string cleaned;
  size_t i = 0;
  while (i < out.size()) {
    size_t j = out.find(' ', i);
    if (j == std::string::npos) j = out.size();
    const std::string_view token(out.data() + i, j - i);
    const bool short_number = token.size() <= 2 && std::all_of(token.begin(), token.end(),
                                                               [](char c) { return c >= '0' && c <= '9'; });
    if (!token.empty() && (keep_short_numbers || !short_number)) {
      if (!cleaned.empty()) cleaned += ' ';
      cleaned.append(token);
    }
    i = j + 1;
  }
  return cleaned;
}

}  // namespace errkb::store
