#include "store/match/candidates.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>
#include <unordered_set>

#include "errkb/schema.h"
#include "store/documents.h"
#include "store/match/passes.h"
#include "store/prose_terms.h"
#include "store/scan_plan.h"

namespace errkb::store {

namespace {

std::string_view facet_value(const RankRecord& r, schema::PassageField field) {
  switch (field) {
    case schema::PassageField::kKind:
      return r.kind;
    case schema::PassageField::kVendor:
      return r.vendor;
    case schema::PassageField::kProduct:
      return r.product;
    case schema::PassageField::kLanguage:
      return r.language;
    case schema::PassageField::kSeverity:
      return r.severity;
    default:
      return {};
  }
}

bool starts_with(const std::string& term, std::string_view prefix) {
  return term.compare(0, prefix.size(), prefix) == 0;
}

// What a candidate holds of the query: the codes it carries certainly or weakly, and its prose words.
struct HeldTerms {
  std::vector<std::string> codes, weak_codes;
  double matched_idf = 0;
  std::vector<std::string> words;  // unstemmed: without their "Z"
};

HeldTerms held_terms(const std::vector<const std::string*>& matched,
                     const std::unordered_map<std::string, double>& idf) {
  HeldTerms held;
  for (const std::string* matched_term : matched) {
    const std::string& term = *matched_term;
    if (starts_with(term, schema::kCodePrefix)) {
      held.codes.push_back(term.substr(schema::kCodePrefix.size()));
    } else if (starts_with(term, schema::kWeakCodePrefix)) {
      held.weak_codes.push_back(term.substr(schema::kWeakCodePrefix.size()));
    } else if (auto f = idf.find(term); f != idf.end()) {
      held.matched_idf += f->second;
      held.words.push_back(without_stem_prefix(term));
    }
  }
  return held;
}

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// The code part: the best reading of the query's codes the passage carries, certain or weak.
void set_code_part(const std::vector<CodeReading>& readings, const HeldTerms& held, const RankRecord& record,
                   rank::ScoreParts& parts) {
  for (const auto& r : readings) {
    rank::CodeHold hold = rank::CodeHold::kNone;
    if (contains(held.codes, r.canonical))
      hold = std::max(record.primary_hold(r.canonical), rank::CodeHold::kMention);
    else if (contains(held.weak_codes, r.canonical))
      hold = rank::CodeHold::kWeak;
    const double c = rank::code_match(r.confidence, hold);
    if (c > parts.code) {
      parts.code = c;
      parts.code_detail = "matches code " + r.canonical + (r.name.empty() ? "" : " (" + r.name + ")");
    }
  }
}

void set_feedback_part(const FeedbackTally& tally, rank::ScoreParts& parts) {
  parts.feedback = rank::feedback_prior(tally);
  char buf[128];
  std::snprintf(buf, sizeof buf, "agents' feedback: %.1f resolved, %.1f not resolved, %.1f not relevant",
                tally.resolved, tally.not_resolved, tally.not_relevant);
  parts.feedback_detail = buf;
}

// Ties go by BM25 weight (how prominent the code or words are in the passage), then by passage id:
// docids, and so the matcher's order of equal weights, depend on how the rebuild's threads shared the
// work. Sorted as indices, then moved once into place: a candidate is large (a Passage and its score's
// parts), and sorting the candidates themselves moves each of them several times.
void sort_best_first(std::vector<Scored>& scored) {
  std::vector<uint32_t> order(scored.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    const Scored& a = scored[x];
    const Scored& b = scored[y];
    if (a.sp.score != b.sp.score) return a.sp.score > b.sp.score;
    if (a.weight != b.weight) return a.weight > b.weight;
    return a.sp.passage.id < b.sp.passage.id;
  });
  std::vector<Scored> sorted;
  sorted.reserve(order.size());
  for (uint32_t i : order) sorted.push_back(std::move(scored[i]));
  scored = std::move(sorted);
}

// A pass's candidates, and whether its match count counts for the total.
struct MatchedPass {
  PassMatch match;
  bool counts_total = false;
};

// What share of the query's title words and of its word pairs each candidate holds, by docid.
struct Shares {
  std::vector<Xapian::docid> docids;  // every pass's candidates, ascending, each once
  std::vector<double> title, phrase;  // by position in `docids`

  size_t index_of(Xapian::docid did) const {
    return static_cast<size_t>(std::lower_bound(docids.begin(), docids.end(), did) - docids.begin());
  }
};

// One query's search: its passes, each candidate scored once (a passage found by both passes keeps its
// first score), into `out`.
class CandidateSearch {
 public:
  CandidateSearch(const SearchScope& scope, const AnalyzedQuery& q, size_t want, bool with_facets,
                  const std::unordered_map<std::string, FeedbackTally>* feedback)
      : scope_(scope),
        q_(q),
        with_facets_(with_facets),
        feedback_(feedback),
        records_(scope.tables.rank_records(scope.h.generation)),
        common_(scope.tables.common_terms(scope.h.generation)),
        postings_(scope.tables.postings_in_memory(scope.h.generation)),
        idf_(prose_idf(scope.h, q)),
        pairs_(held_pairs(scope.h, q.word_pairs)),
        in_{scope.h, q, want, idf_, common_.get(), postings_.get(), scope.options.common_term_min_postings} {
    for (const auto& t : q.prose_terms) total_idf_ += idf_.at(t);
    out_.scored.reserve(2 * want);  // a code pass and a prose pass, at most `want` each (most queries)
  }

  Candidates run() {
    const bool has_codes = !q_.code_query.empty();
    const bool has_prose = !q_.prose_query.empty();
    if (has_codes) code_pass();
    if (has_prose) prose_passes(has_codes);
    const Shares shares = shares_of_candidates();
    for (const auto& pass : passes_) score(pass.match, pass.counts_total, shares);
    sort_best_first(out_.scored);
    return std::move(out_);
  }

 private:
  bool lists_loaded() const { return postings_ && postings_->loaded(); }

  // In memory when it can, else through Xapian, the prose ordering the code's passages (its common
  // words by presence, store/scan_plan.h); all the prose's words count as matched.
  void code_pass() {
    std::optional<PassMatch> pass;
    if (lists_loaded()) pass = code_pass_in_memory(in_, *postings_);
    if (!pass) {
      const Xapian::Query ordering =
          q_.prose_query.empty()
              ? Xapian::Query()
              : prose_for_code_pass(scope_.h.db, scope_.h.freqs, q_.prose_query, common_.get(),
                                    scope_.options.common_term_min_postings);
      pass = xapian_pass(in_, q_.filtered(code_first(q_, ordering)), code_first(q_, q_.prose_query));
    }
    passes_.push_back({std::move(*pass), true});
  }

  // The passes of the prose's scan plan (store/scan_plan.h). Their matches count for the total only
  // without a code pass, and only when the plan is exact.
  void prose_passes(bool has_codes) {
    const uint64_t budget = scope_.options.prose_scan_budget ? scope_.options.prose_scan_budget : UINT64_MAX;
    const ProseScanPlan plan = plan_prose_scan(scope_.h.db, scope_.h.freqs, q_.prose_query, in_.want, budget);
    std::optional<std::vector<std::vector<std::string>>> terms;
    if (lists_loaded()) terms = memory_terms(scope_.h, plan);
    for (const auto& pass : plan.passes) {
      passes_.push_back({terms ? prose_pass_in_memory(in_, *postings_, pass, *terms)
                               : xapian_pass(in_, q_.filtered(pass.query), q_.prose_query),
                         !has_codes && plan.exact});
    }
    if (!has_codes && !plan.exact) out_.total = std::max<int64_t>(out_.total, estimated_total(plan));
  }

  // What the whole query would match: an estimate from the posting list sizes, no scan. The plan's
  // opens no posting list (Xapian's opens every word's). A filter keeps its share of them, as if
  // independent of the words (as Xapian estimates a FILTER); without the lists in memory, Xapian
  // estimates it.
  int64_t estimated_total(const ProseScanPlan& plan) {
    if (q_.filter.empty()) return static_cast<int64_t>(plan.estimated_matches);
    if (lists_loaded()) {
      double share = 1;
      for (const DocidSet* f : filters_of(q_, *postings_))
        share *= static_cast<double>(f->size()) / std::max<double>(1, postings_->doccount());
      return std::llround(static_cast<double>(plan.estimated_matches) * share);
    }
    Xapian::Enquire estimate(scope_.h.db);
    estimate.set_query(q_.filtered(q_.prose_query));
    return estimate.get_mset(0, 0).get_matches_estimated();
  }

  // The title and phrase shares of every pass's candidates, read once for them all: each term's
  // posting list is then opened once per query, not once per pass.
  Shares shares_of_candidates() const {
    Shares shares;
    for (const auto& pass : passes_)
      shares.docids.insert(shares.docids.end(), pass.match.docids.begin(), pass.match.docids.end());
    std::sort(shares.docids.begin(), shares.docids.end());
    shares.docids.erase(std::unique(shares.docids.begin(), shares.docids.end()), shares.docids.end());
    std::vector<std::pair<Xapian::docid, size_t>> by_docid;
    by_docid.reserve(shares.docids.size());
    for (size_t i = 0; i < shares.docids.size(); ++i) by_docid.emplace_back(shares.docids[i], i);
    shares.title = shares_held(scope_.h.db, postings_.get(), title_terms(q_, idf_, total_idf_), by_docid);
    shares.phrase = pair_shares_held(scope_.h, scope_.pair_postings, pairs_, by_docid);
    return shares;
  }

  // Scores one pass's candidates (best first, with their BM25 weights) into out_, from their rank
  // records and matched terms: the passages are decoded later, only those that are shown.
  void score(const PassMatch& pass, bool facets_here, const Shares& shares) {
    if (facets_here) out_.total = std::max<int64_t>(out_.total, pass.matches);
    const double max_weight = std::max(1e-9, pass.weights.empty() ? 0.0 : pass.weights.front());
    for (size_t rank = 0; rank < pass.docids.size(); ++rank) {
      const Xapian::docid did = pass.docids[rank];
      if (!seen_.insert(did).second) continue;
      RankRecord record;
      std::string from_index;
      if (!read_record(did, record, from_index)) continue;
      Scored candidate{{}, record.data_offset, pass.weights[rank]};
      rank::ScoredPassage& sp = candidate.sp;
      sp.passage.id = record.passage_id;
      HeldTerms held = held_terms(pass.matched.of(rank), idf_);
      const double coverage = total_idf_ > 0 ? std::min(1.0, held.matched_idf / total_idf_) : 0;
      set_parts(record, held, coverage, pass.weights[rank] / max_weight, sp.passage.id, sp.parts);
      const size_t at = shares.index_of(did);
      sp.parts.title = shares.title[at];
      sp.parts.phrase = shares.phrase[at];
      sp.code_terms = std::move(held.codes);
      sp.score = rank::combine(sp.parts);
      // Facets count the scored candidates (every match, for code queries; the best ones otherwise):
      // counting all matches of a broad prose query would read values of most of the index.
      if (with_facets_) count_facets(record);
      out_.strength = std::max(out_.strength, rank::answer_strength(sp.parts.code, coverage));
      out_.scored.push_back(std::move(candidate));
    }
  }

  // The candidate's rank record: in memory when loaded, else from the index (into `from_index`).
  bool read_record(Xapian::docid did, RankRecord& record, std::string& from_index) {
    std::string_view text = records_ ? records_->of(did) : std::string_view();
    if (text.empty()) text = from_index = scope_.h.db.get_document(did).get_value(schema::kSlotRankRecord);
    return decode_rank_record(text, record);
  }

  void set_parts(const RankRecord& record, HeldTerms& held, double coverage, double relative_weight,
                 const std::string& passage_id, rank::ScoreParts& parts) {
    parts.matched_words = std::move(held.words);
    set_code_part(q_.readings, held, record, parts);
    if (!q_.prose_terms.empty()) {
      parts.coverage = coverage;
      parts.relative = relative_weight;
    }
    parts.authority = record.authority;
    parts.focus = record.focus;
    parts.votes = rank::votes_prior(record.votes);
    parts.freshness = rank::freshness_prior(record.date, scope_.today);
    parts.language = record.language == q_.language ? 1 : 0;
    if (feedback_)
      if (auto f = feedback_->find(passage_id); f != feedback_->end()) set_feedback_part(f->second, parts);
  }

  void count_facets(const RankRecord& record) {
    for (const auto& spec : schema::kFields) {
      if (spec.facet.empty()) continue;
      const std::string_view value = facet_value(record, spec.source);
      if (value.empty()) continue;
      auto& counts = out_.facets[std::string(spec.facet)];
      auto at = counts.find(value);
      if (at == counts.end()) at = counts.emplace(std::string(value), 0).first;
      ++at->second;
    }
  }

  const SearchScope& scope_;
  const AnalyzedQuery& q_;
  const bool with_facets_;
  const std::unordered_map<std::string, FeedbackTally>* const feedback_;
  const std::shared_ptr<const RankRecords> records_;
  const std::shared_ptr<const CommonTermBits> common_;
  const std::shared_ptr<const PostingsInMemory> postings_;
  const std::unordered_map<std::string, double> idf_;
  double total_idf_ = 0;
  const std::vector<std::pair<std::string, double>> pairs_;
  const PassInput in_;
  std::vector<MatchedPass> passes_;  // in the order they ran
  std::unordered_set<Xapian::docid> seen_;
  Candidates out_;
};

}  // namespace

Candidates find_candidates(const SearchScope& scope, const AnalyzedQuery& q, size_t want, bool with_facets,
                           const std::unordered_map<std::string, FeedbackTally>* feedback) {
  return CandidateSearch(scope, q, want, with_facets, feedback).run();
}

}  // namespace errkb::store
