#include "store/answers.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <thread>
#include <unordered_map>

#include "errkb/feedback.h"
#include "errkb/schema.h"
#include "rank/answer.h"
#include "rank/ranking.h"
#include "store/cause_level.h"
#include "store/documents.h"
#include "store/match/matched_terms.h"
#include "store/match/passes.h"
#include "store/snippet.h"

namespace errkb::store {

namespace {

constexpr size_t kCandidates = 60;       // passages scored per request
constexpr size_t kLanguageReserve = 10;  // causes merged beyond a diagnosis' limit, for rank::prefer_language
// Passages whose code spans are kept per index generation: the top passages of the popular codes.
constexpr size_t kPassageCodeMemo = 16384;
// Word pairs whose passages are kept per index generation (match/matched_terms.h).
constexpr size_t kPairPostingsMemo = 8192;

std::string today_key() {
  std::time_t now = std::time(nullptr);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", std::gmtime(&now));
  return buf;
}

// 32 hex digits: the time in milliseconds (12), then 80 random bits. Ids that grow with time are
// appended to the end of the feedback store's primary-key index; random ones would land on a random
// page of it each, and under many diagnoses a second those page writes and their checkpoints would be
// the store's main cost.
std::string new_diagnosis_id() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          std::hash<std::thread::id>{}(std::this_thread::get_id()));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char buf[33];
  std::snprintf(buf, sizeof buf, "%012llx%04llx%016llx",
                static_cast<unsigned long long>(ms) & 0xffffffffffffULL,
                static_cast<unsigned long long>(rng()) & 0xffffULL, static_cast<unsigned long long>(rng()));
  return buf;
}

// A code read from pasted XML or HTML keeps no markup in its raw text ("ErrorCode>21919300" ->
// "21919300"): the raw text, and its span, start after the last tag delimiter.
void without_markup(std::vector<CodeOccurrence>& codes) {
  for (auto& occ : codes) {
    const size_t cut = occ.raw.find_last_of("<>");
    if (cut == std::string::npos || cut + 1 >= occ.raw.size()) continue;
    occ.begin += cut + 1;
    occ.raw.erase(0, cut + 1);
  }
}

Hit to_hit(const rank::ScoredPassage& sp) {
  const Passage& p = sp.passage;
  Hit hit;
  hit.id = p.id;
  hit.doc_id = p.doc_id;
  hit.kind = std::string(to_string(p.kind));
  hit.title = p.title;
  hit.heading = p.heading;
  hit.url = p.url;
  hit.snippet = sp.snippet;
  hit.score = sp.score;
  hit.language = p.language;
  hit.vendor = p.vendor;
  hit.product = p.product;
  hit.severity = p.severity;
  hit.codes = sp.code_terms;
  return hit;
}

// A catalogue entry always answers for its code: with no cause, as the code's meaning.
bool describes_cause(const Passage& p) {
  return p.kind == SourceKind::kCatalogue || !p.cause.empty() || !p.resolutions.empty() || !p.body.empty();
}

// How many of the best candidates a diagnosis decodes: its `limit`, and up to `language_reserve` more
// when the best are not all in the query's language: causes in its language may then come from further
// down (rank::prefer_language brings them up), but only those it could lift (in the language, and near
// the best). Moves those to just after the decoded ones; raises `limit` by as many.
size_t candidates_to_decode(Candidates& c, const AnalyzedQuery& q, size_t& limit, size_t language_reserve) {
  size_t decoded = std::min(std::max<size_t>(3 * limit, 15), c.scored.size());
  const auto shown_end = c.scored.begin() + static_cast<ptrdiff_t>(std::min(limit, decoded));
  if (q.language.empty() ||
      std::none_of(c.scored.begin(), shown_end, [](const Scored& s) { return s.sp.parts.language == 0; }))
    return decoded;
  const rank::ScoredPassage& best = c.scored.front().sp;
  const double lowest = best.score - rank::language_margin(best.parts.code > 0);
  const auto liftable = std::stable_partition(
      c.scored.begin() + static_cast<ptrdiff_t>(decoded), c.scored.end(),
      [&](const Scored& s) { return s.sp.parts.language == 1 && s.sp.score >= lowest; });
  const size_t lifted =
      std::min<size_t>(language_reserve, static_cast<size_t>(liftable - c.scored.begin()) - decoded);
  limit += lifted;
  return decoded + lifted;
}

// The codes a diagnosis read: from its text, else the code given apart (`extra` its readings).
std::vector<CodeOccurrence> diagnosis_codes(std::vector<CodeOccurrence> codes, const DiagnoseRequest& r,
                                            const std::vector<CodeInterpretation>& extra) {
  if (codes.empty() && !extra.empty()) {
    CodeOccurrence occ;
    occ.raw = r.code;
    occ.end = r.code.size();
    occ.interpretations = extra;
    codes.push_back(std::move(occ));
  }
  without_markup(codes);
  return codes;
}

std::vector<std::string> certain_readings(const std::vector<CodeOccurrence>& codes) {
  std::vector<std::string> out;
  for (const auto& occ : codes)
    for (const auto& r : occ.interpretations)
      if (r.certain) out.push_back(r.canonical);
  return out;
}

}  // namespace

Answers::Answers(GenerationTables& tables, const EngineOptions& options)
    : tables_(tables),
      options_(options),
      today_(today_key()),
      analyzer_(tables, options.spelling_memo_words),
      reading_answers_(options.code_cache_readings),
      passage_codes_(kPassageCodeMemo),
      pair_postings_(kPairPostingsMemo) {}

SearchResponse Answers::search(GenerationHandle& h, const SearchRequest& r) {
  AnalyzedQuery q = analyzer_.analyze(h, {.text = r.q,
                                          .language = r.lang,
                                          .vendor = r.vendor,
                                          .product = r.product,
                                          .kind = r.kind,
                                          .want_suggestion = true});
  const size_t offset = static_cast<size_t>(std::max(0, r.offset));
  const size_t want = offset + static_cast<size_t>(std::max(0, r.limit));
  Candidates c = find_candidates(scope(h), q, std::max(want, kCandidates), true, nullptr);
  materialize(h, c, q, want, offset);
  SearchResponse resp;
  resp.total = std::max<int64_t>(c.total, static_cast<int64_t>(c.scored.size()));
  resp.facets = std::move(c.facets);
  resp.codes = std::move(q.codes);
  without_markup(resp.codes);
  resp.suggestion = q.suggestion;
  resp.language = q.language;
  for (size_t i = offset; i < c.passages.size() && resp.hits.size() < static_cast<size_t>(r.limit); ++i)
    resp.hits.push_back(to_hit(c.passages[i]));
  return resp;
}

Diagnosis Answers::diagnose(GenerationHandle& h, const DiagnoseRequest& r) {
  std::string text = r.text;
  for (const auto& s : r.symptoms) text += "\n" + s;
  std::vector<CodeInterpretation> extra;
  if (!r.code.empty()) {
    extra = h.grammar->interpret(r.code, CodeContext{r.vendor, r.product});
    if (extra.empty()) text = r.code + "\n" + text;  // not a known spelling: let the prose find it
  }
  AnalyzedQuery q = analyzer_.analyze(h, {.text = text,
                                          .extra_readings = extra,
                                          .language = r.language,
                                          .vendor = r.vendor,
                                          .product = r.product,
                                          .want_unknown_words = true});
  std::unordered_map<std::string, FeedbackTally> tallies;
  std::vector<std::string> code_terms;
  for (const auto& rd : q.readings) code_terms.push_back(rd.canonical);
  if (options_.feedback) tallies = options_.feedback->tallies(code_terms, q.prose_terms);
  Diagnosis d;
  d.diagnosis_id = new_diagnosis_id();
  const size_t limit = static_cast<size_t>(std::clamp(r.limit, 1, 100));
  RankedCauses ranked =
      rank_causes(h, q, limit, kLanguageReserve, options_.feedback ? &tallies : nullptr, kCandidates);
  d.causes = std::move(ranked.causes);
  d.codes = diagnosis_codes(std::move(q.codes), r, extra);
  d.language = q.language;
  d.symptom_terms = q.prose_terms;
  d.unknown_words = q.unknown_words;
  rank::finish_diagnosis(d, {.limit = limit,
                             .has_code = !q.readings.empty(),
                             .certain_codes = certain_readings(d.codes),
                             .want_reply = r.reply,
                             .answer_threshold = options_.answer_threshold,
                             .question_min_split = options_.question_min_split});
  add_evidence_snippets(h, q, d.causes, ranked.passages);
  return d;
}

Result<CodeLookup> Answers::lookup_code(GenerationHandle& h, const std::string& code,
                                        const std::string& vendor) {
  CodeLookup out;
  out.code = code;
  CodeContext ctx{vendor, ""};
  out.interpretations = h.grammar->interpret(code, ctx);
  if (out.interpretations.empty()) {
    auto found = h.grammar->find_codes(code, ctx);
    if (!found.empty()) out.interpretations = found.front().interpretations;
  }
  if (out.interpretations.empty())
    return Status::NotFound("'" + code + "' is not an error code errkb recognises");
  for (const auto& interp : out.interpretations) {
    // The literal value ("hex:7b") only lets a page and a query in different families meet in a search:
    // it has no catalogue entry, and its causes are those of the family readings.
    if (interp.family == "literal") continue;
    std::shared_ptr<const ReadingAnswer> answer = answer_for_reading(h, interp);
    out.catalogue_entries.insert(out.catalogue_entries.end(), answer->catalogue_entries.begin(),
                                 answer->catalogue_entries.end());
    out.causes[interp.canonical] = answer->causes;
  }
  return out;
}

// The candidates merged into causes. Only passages that describe a cause are merged; their snippets
// are left to add_evidence_snippets, for the causes shown.
Answers::RankedCauses Answers::rank_causes(GenerationHandle& h, const AnalyzedQuery& q, size_t limit,
                                           size_t language_reserve,
                                           const std::unordered_map<std::string, FeedbackTally>* feedback,
                                           size_t candidates) {
  Candidates c = find_candidates(scope(h), q, candidates, false, feedback);
  const size_t decoded = candidates_to_decode(c, q, limit, language_reserve);
  materialize(h, c, q, decoded, /*snippets_from=*/SIZE_MAX);
  RankedCauses out;
  out.passages.reserve(c.passages.size());
  for (auto& passage : c.passages)
    if (describes_cause(passage.passage)) out.passages.push_back(std::move(passage));
  describe_causes(out.passages, q.prose_terms, prose_idf(h, q), q.stem);
  out.causes = rank::merge_causes(out.passages, limit, c.strength);
  return out;
}

// The catalogue entries and the top causes of one reading: they depend only on the reading and the
// index, so they are kept for the index's generation (a popular code is looked up again and again).
std::shared_ptr<const ReadingAnswer> Answers::answer_for_reading(GenerationHandle& h,
                                                                 const CodeInterpretation& interp) {
  const std::string key = interp.canonical + "\n" + interp.name;
  if (auto known = reading_answers_.find(h.generation, key)) return known;
  auto answer = std::make_shared<ReadingAnswer>();
  AnalyzedQuery q;
  q.language = "en";
  q.readings.push_back({interp.canonical, interp.name, 1.0});
  set_code_query(h, q);
  answer->catalogue_entries = catalogue_entries(h, q, interp);
  RankedCauses ranked = rank_causes(h, q, 3, 0, nullptr, 20);  // the top causes of this reading alone
  add_evidence_snippets(h, q, ranked.causes, ranked.passages);
  answer->causes = std::move(ranked.causes);
  reading_answers_.store(h.generation, key, answer);
  return answer;
}

std::vector<Hit> Answers::catalogue_entries(GenerationHandle& h, const AnalyzedQuery& q,
                                            const CodeInterpretation& interp) {
  Xapian::Enquire enquire(h.db);
  enquire.set_query(Xapian::Query(
      Xapian::Query::OP_FILTER, Xapian::Query(std::string(schema::kCodePrefix) + interp.canonical),
      Xapian::Query(schema::filter_term("kind", to_string(SourceKind::kCatalogue)))));
  enquire.set_weighting_scheme(bm25_weighting());
  Xapian::MSet mset = enquire.get_mset(0, 10);
  std::vector<Hit> hits;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    StoredPassage stored;
    if (!read_passage(h.passages, it.get_document(), stored)) continue;
    rank::ScoredPassage sp;
    sp.passage = std::move(stored.passage);
    sp.code_terms = std::move(stored.code_terms);
    sp.parts.code = 1;
    sp.parts.authority = stored.authority;
    sp.parts.focus = 1;  // a catalogue entry is about its code
    sp.score = rank::combine(sp.parts);
    sp.snippet = make_snippet(h, q, sp);
    hits.push_back(to_hit(sp));
  }
  return hits;
}

// Decodes the best `count` candidates (the ones that can be shown) into c.passages; snippets are made
// for those from position `snippets_from` on (the shown ones: a snippet stems every word of its text).
void Answers::materialize(GenerationHandle& h, Candidates& c, const AnalyzedQuery& q, size_t count,
                          size_t snippets_from) {
  c.passages.reserve(std::min(count, c.scored.size()));
  for (auto& candidate : c.scored) {
    if (c.passages.size() >= count) break;
    StoredPassage stored;
    if (!read_passage(h.passages, candidate.data_offset, stored)) continue;
    rank::ScoredPassage& sp = candidate.sp;
    sp.passage = std::move(stored.passage);
    sp.code_terms = std::move(stored.code_terms);
    if (c.passages.size() >= snippets_from) sp.snippet = make_snippet(h, q, sp);
    c.passages.push_back(std::move(sp));
  }
}

void Answers::add_evidence_snippets(const GenerationHandle& h, const AnalyzedQuery& q,
                                    std::vector<Cause>& causes,
                                    const std::vector<rank::ScoredPassage>& passages) {
  std::unordered_map<std::string_view, size_t> by_id;
  for (size_t i = 0; i < passages.size(); ++i) by_id.emplace(passages[i].passage.id, i);
  for (auto& cause : causes)
    for (auto& evidence : cause.evidence)
      if (auto it = by_id.find(evidence.passage_id); it != by_id.end())
        evidence.snippet = make_snippet(h, q, passages[it->second]);
}

std::string Answers::make_snippet(const GenerationHandle& h, const AnalyzedQuery& q,
                                  const rank::ScoredPassage& sp) {
  const Passage& p = sp.passage;
  std::string text = p.symptoms;
  for (const std::string* part : {&p.heading, &p.cause, &p.body}) {
    if (part->empty()) continue;
    if (!text.empty()) text += " ";
    text += *part;
  }
  for (const auto& r : p.resolutions) text += " " + r;
  if (text.empty()) text = p.title;
  // Only a passage that holds a reading of a query's code has one to mark.
  std::vector<std::pair<size_t, size_t>> spans;
  if (sp.parts.code > 0) spans = query_code_spans(h, q, p, text);
  return store::make_snippet(text, q.snippet_terms, q.stem, kSnippetLength, spans);
}

// Where the passage's text writes one of the query's codes, in any spelling the grammar reads.
std::vector<std::pair<size_t, size_t>> Answers::query_code_spans(const GenerationHandle& h,
                                                                 const AnalyzedQuery& q, const Passage& p,
                                                                 std::string_view text) {
  std::vector<std::pair<size_t, size_t>> spans;
  if (q.readings.empty() || !h.grammar) return spans;
  // Held here: a range-for over *codes_in_passage(...) would drop the temporary at once, and another
  // thread's store() may then free the memo's copy while this loop reads it.
  const auto codes = codes_in_passage(h, p, text);
  for (const auto& occ : *codes) {
    const bool asked = std::any_of(occ.canonicals.begin(), occ.canonicals.end(), [&](const std::string& c) {
      return std::any_of(q.readings.begin(), q.readings.end(),
                         [&](const CodeReading& reading) { return reading.canonical == c; });
    });
    if (asked && (spans.empty() || spans.back().second <= occ.begin)) spans.emplace_back(occ.begin, occ.end);
  }
  return spans;
}

// The codes the grammar reads in a passage's snippet text: the same passages come back for a popular
// code, and reading the whole text is most of their snippet's cost.
std::shared_ptr<const std::vector<CodeSpan>> Answers::codes_in_passage(const GenerationHandle& h,
                                                                       const Passage& p,
                                                                       std::string_view text) {
  if (auto known = passage_codes_.find(h.generation, p.id)) return known;
  auto found = std::make_shared<std::vector<CodeSpan>>();
  for (auto& occ : h.grammar->find_codes(text, {p.vendor, p.product})) {
    CodeSpan span{occ.begin, occ.end, {}};
    for (auto& r : occ.interpretations) span.canonicals.push_back(std::move(r.canonical));
    found->push_back(std::move(span));
  }
  passage_codes_.store(h.generation, p.id, found);
  return found;
}

}  // namespace errkb::store
