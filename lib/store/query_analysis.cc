#include "store/query_analysis.h"

#include <algorithm>
#include <cctype>

#include "errkb/schema.h"
#include "errkb/text.h"
#include "store/documents.h"
#include "store/prose_terms.h"
#include "store/stopwords.h"

namespace errkb::store {

namespace {

// The fields a request filters by (vendor=, product=, kind=), in QueryInput's order.
constexpr std::string_view kRequestFilters[] = {"vendor", "product", "kind"};

// Query language: the request's, else CLD2's guess when the KB has passages in that language (a few
// words are easily taken for a language the KB lacks, "non-scalar field initializer" for Galician, and
// its stemmer would then miss every page), else by script (Cyrillic -> ru), else English.
template <typename KbHasLanguage>
std::string query_language(const std::string& requested, const std::string& prose, KbHasLanguage&& kb_has) {
  if (!requested.empty()) return requested;
  std::string detected = detect_language(prose);
  if (!detected.empty() && kb_has(detected)) return detected;
  for (unsigned char c : prose)
    if (c == 0xD0 || c == 0xD1) return "ru";
  return "en";
}

// Calls on_word(word as written, lower-cased, whether the index has never seen it) for each word of
// the prose, and on_gap(c) for each character between words. Unseen: not a stop word, no digit, at
// least `min_bytes` long, and no passage holds its stem.
template <typename OnWord, typename OnGap>
void walk_prose_words(const Xapian::Database& db, TermFreqs& freqs, const std::string& prose,
                      const std::string& language, const Xapian::Stem& stem, size_t min_bytes,
                      OnWord&& on_word, OnGap&& on_gap) {
  const auto& stops = stop_words(language);
  auto word_byte = [&](size_t k) {
    return k < prose.size() && (static_cast<unsigned char>(prose[k]) >= 0x80 ||
                                std::isalnum(static_cast<unsigned char>(prose[k])));
  };
  size_t i = 0;
  while (i < prose.size()) {
    size_t j = i;
    // An apostrophe between letters belongs to the word ("doesn't"), as the index's terms have it.
    while (word_byte(j) || (j > i && prose[j] == '\'' && word_byte(j + 1))) ++j;
    if (j == i) {
      on_gap(prose[i++]);
      continue;
    }
    const std::string word = prose.substr(i, j - i);
    const std::string lower = Xapian::Unicode::tolower(word);
    const bool unseen = lower.size() >= min_bytes && lower.find_first_of("0123456789") == std::string::npos &&
                        std::find(stops.begin(), stops.end(), lower) == stops.end() &&
                        freqs.of(db, std::string(schema::kStemPrefix) + stem(lower)) == 0;
    on_word(word, lower, unseen);
    i = j;
  }
}

// Spelling correction of the prose only (codes were cut out before): a word the index has never seen
// and that is not a stop word is replaced by the closest word from the spelling table. "" = nothing to fix.
// Words under four bytes have too many neighbours one edit away to correct.
template <typename SpellingLookup>
std::string suggest_spelling(const Xapian::Database& db, TermFreqs& freqs, const std::string& prose,
                             const std::string& language, const Xapian::Stem& stem,
                             SpellingLookup&& spelling_suggestion) {
  std::string out;
  bool changed = false;
  walk_prose_words(
      db, freqs, prose, language, stem, 4,
      [&](const std::string& word, const std::string& lower, bool unseen) {
        const std::string fix = unseen ? spelling_suggestion(lower) : std::string();
        changed |= !fix.empty() && fix != lower;
        out += !fix.empty() && fix != lower ? fix : word;
      },
      [&](char c) { out += c; });
  return changed ? out : std::string();
}

// The prose's words that no passage holds, lower-cased, each once: what the question is about that the
// KB has never heard of ("Etsy", "Klarna"), a sign that it does not cover the question.
std::vector<std::string> unknown_words(const Xapian::Database& db, TermFreqs& freqs, const std::string& prose,
                                       const std::string& language, const Xapian::Stem& stem) {
  std::vector<std::string> out;
  walk_prose_words(
      db, freqs, prose, language, stem, 3,
      [&](const std::string&, const std::string& lower, bool unseen) {
        if (unseen && std::find(out.begin(), out.end(), lower) == out.end()) out.push_back(lower);
      },
      [](char) {});
  return out;
}

// The code itself of an occurrence's text, without its cue words ("eBay error 99999" -> "99999",
// "E_ACCESSDENIED"): its words of letters, digits and underscores that hold a digit or an underscore, or
// its one word. Not a word with inner punctuation ("SF-9001"): the parser would split it, and its
// prefix alone ("sf") would match every code of that vendor.
std::string code_literal(std::string_view raw) {
  auto plain = [](std::string_view word) {
    return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
  };
  if (raw.find(' ') == std::string_view::npos) return plain(raw) ? std::string(raw) : std::string();
  std::string out;
  for (size_t i = 0; i < raw.size();) {
    size_t j = std::min(raw.find(' ', i), raw.size());
    const std::string_view word = raw.substr(i, j - i);
    if (plain(word) && word.find_first_of("0123456789_") != std::string_view::npos) (out += ' ') += word;
    i = j + 1;
  }
  return out;
}

bool indexed_reading(GenerationHandle& h, const CodeOccurrence& occ) {
  for (const auto& r : occ.interpretations)
    if (h.freqs.of(h.db, std::string(schema::kCodePrefix) + r.canonical) > 0 ||
        h.freqs.of(h.db, std::string(schema::kWeakCodePrefix) + r.canonical) > 0)
      return true;
  return false;
}

void add_reading(std::vector<CodeReading>& readings, const CodeInterpretation& r) {
  if (r.canonical.empty()) return;
  double conf = r.certain ? 1.0 : std::clamp(r.confidence, 0.05, 0.95);
  for (auto& existing : readings)
    if (existing.canonical == r.canonical) {
      existing.confidence = std::max(existing.confidence, conf);
      return;
    }
  readings.push_back({r.canonical, r.name, conf});
}

// Cuts the codes out of `input` into q.codes and q.readings: the rest is prose, parsed without them so
// neither breaks the other. A code none of whose readings the index holds stays in the prose as written:
// a page with the same literal is found.
std::string cut_out_codes(GenerationHandle& h, const std::string& input, const QueryInput& in,
                          AnalyzedQuery& q) {
  q.codes = h.grammar->find_codes(input, CodeContext{std::string(in.vendor), std::string(in.product)});
  std::string prose;
  size_t pos = 0;
  for (const auto& occ : q.codes) {
    if (occ.begin >= pos) prose.append(input, pos, occ.begin - pos);
    prose += ' ';
    if (occ.begin >= pos && !indexed_reading(h, occ))
      prose += code_literal(std::string_view(input).substr(occ.begin, occ.end - occ.begin));
    pos = std::max(pos, occ.end);
    for (const auto& r : occ.interpretations) add_reading(q.readings, r);
  }
  if (pos < input.size()) prose.append(input, pos, std::string::npos);
  for (const auto& r : in.extra_readings) add_reading(q.readings, r);
  return prose;
}

// A term of the prose query that counts for coverage and feedback: a word or its stem, not a field's term.
bool is_prose_query_term(const std::string& term) {
  return !term.empty() && (std::islower(static_cast<unsigned char>(term[0])) || is_stemmed(term) ||
                           static_cast<unsigned char>(term[0]) >= 0x80);
}

void set_filters(const QueryInput& in, AnalyzedQuery& q) {
  const std::string_view values[std::size(kRequestFilters)] = {in.vendor, in.product, in.kind};
  for (size_t i = 0; i < std::size(kRequestFilters); ++i)
    if (!values[i].empty())
      q.filter_terms.push_back(schema::filter_term(kRequestFilters[i], lower_ascii(values[i])));
  if (!q.filter_terms.empty())
    q.filter = Xapian::Query(Xapian::Query::OP_AND, q.filter_terms.begin(), q.filter_terms.end());
}

}  // namespace

Xapian::Query AnalyzedQuery::filtered(Xapian::Query query) const {
  if (filter.empty()) return query;
  return Xapian::Query(Xapian::Query::OP_FILTER, query, filter);
}

std::vector<std::string> request_filter_prefixes() {
  std::vector<std::string> prefixes;
  for (std::string_view field : kRequestFilters) prefixes.emplace_back(schema::field_prefix(field));
  return prefixes;
}

void set_code_query(GenerationHandle& h, AnalyzedQuery& q) {
  auto add = [&](std::string term, double factor) {
    if (h.freqs.of(h.db, term) > 0) q.code_terms.emplace_back(std::move(term), factor);
  };
  for (const auto& r : q.readings) {
    add(std::string(schema::kCodePrefix) + r.canonical, r.confidence);
    add(std::string(schema::kWeakCodePrefix) + r.canonical, 0.5 * r.confidence);
  }
  std::vector<Xapian::Query> parts;
  for (const auto& [term, factor] : q.code_terms)
    parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(term), factor);
  q.code_query =
      parts.empty() ? Xapian::Query() : Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

AnalyzedQuery QueryAnalyzer::analyze(GenerationHandle& h, const QueryInput& in) {
  AnalyzedQuery q;
  const std::string input(in.text.substr(0, kMaxQueryBytes));
  q.prose = collapse_whitespace(cut_out_codes(h, input, in, q));
  q.language = query_language(std::string(in.language), q.prose, [&](const std::string& language) {
    return h.freqs.of(h.db, schema::filter_term("lang", language)) > 0;
  });
  set_code_query(h, q);
  if (!q.prose.empty()) parse_prose(h, q, in);
  set_filters(in, q);
  return q;
}

void QueryAnalyzer::parse_prose(GenerationHandle& h, AnalyzedQuery& q, const QueryInput& in) {
  Xapian::QueryParser qp;
  q.stem = stemmer_for(q.language);
  qp.set_stemmer(q.stem);
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL_Z);
  qp.set_stopper(stopper_for(q.language));
  qp.set_database(h.db);
  qp.set_default_op(Xapian::Query::OP_OR);
  for (const auto& spec : schema::kFields) {
    if (spec.type == schema::FieldType::kFilter)
      qp.add_boolean_prefix(std::string(spec.name), std::string(spec.prefix));
    else if (!spec.prefix.empty())
      qp.add_prefix(std::string(spec.name), std::string(spec.prefix));
  }
  const std::string parser_text = prose_for_parser(q.prose, /*keep_short_numbers=*/q.readings.empty());
  try {
    q.prose_query = qp.parse_query(parser_text, Xapian::QueryParser::FLAG_AUTO_SYNONYMS);
  } catch (const Xapian::QueryParserError&) {
    q.prose_query = qp.parse_query(parser_text, 0);
  }
  q.prose_query = with_identifier_terms(q.prose_query, q.prose, q.language);
  q.prose_query = with_joined_identifiers(q.prose_query, q.prose, q.language, [&](const std::string& term) {
    return h.freqs.of(h.db, term) > 0;
  });
  if (in.want_suggestion)
    q.suggestion = suggest_spelling(h.db, h.freqs, q.prose, q.language, q.stem,
                                    [&](const std::string& word) { return spelling_fix(h, word); });
  for (auto t = q.prose_query.get_unique_terms_begin(); t != q.prose_query.get_unique_terms_end(); ++t)
    if (is_prose_query_term(*t)) q.prose_terms.push_back(*t);
  q.snippet_terms = SnippetTerms::from_query_terms(q.prose_terms);
  if (in.want_unknown_words) q.unknown_words = unknown_words(h.db, h.freqs, q.prose, q.language, q.stem);
  thread_local ProseTerms pair_maker;
  pair_maker.trim_cache();
  q.word_pairs = pair_maker.word_pairs(q.prose, q.language, schema::kMaxPairWords);
}

// A spelling correction for one unknown word ("" = none), memoised per generation. One edit away from
// the in-memory dictionary; when nothing is, two edits away through Xapian if the table is small enough
// for that to be quick (store/spelling.h). While the dictionary loads, Xapian answers for an index of
// up to kSmallSpellingTable passages (its table is smaller than that) and a larger one gets no
// suggestion, not memoised.
std::string QueryAnalyzer::spelling_fix(GenerationHandle& h, const std::string& word) {
  if (auto known = spelling_memo_.find(h.generation, word)) return *known;
  const std::shared_ptr<const SpellingDictionary> dictionary = tables_.spelling(h.generation);
  if (!dictionary && h.db.get_doccount() > kSmallSpellingTable) return {};
  std::string fix;
  if (dictionary) fix = dictionary->one_edit(word);
  if (fix.empty() && (!dictionary || dictionary->size() <= kSmallSpellingTable))
    fix = h.db.get_spelling_suggestion(word, 2);
  spelling_memo_.store(h.generation, word, std::make_shared<const std::string>(fix));
  return fix;
}

}  // namespace errkb::store
