#include "store/match/matched_terms.h"

#include <algorithm>
#include <cmath>

#include "errkb/schema.h"
#include "store/prose_terms.h"

namespace errkb::store {

namespace {

bool is_scoring_term(const std::string& term, const std::unordered_map<std::string, double>& idf) {
  return term.compare(0, schema::kCodePrefix.size(), schema::kCodePrefix) == 0 ||
         term.compare(0, schema::kWeakCodePrefix.size(), schema::kWeakCodePrefix) == 0 || idf.count(term) > 0;
}

template <typename Found>
void walk_candidates(Xapian::PostingIterator pl, const Xapian::PostingIterator& end,
                     const std::vector<std::pair<Xapian::docid, size_t>>& by_docid, Found&& found) {
  for (const auto& [did, rank] : by_docid) {
    if (pl == end) break;
    pl.skip_to(did);
    if (pl == end) break;
    if (*pl == did) found(rank);
  }
}

// Calls found(rank) for each candidate whose document holds `term`, from the term's posting list: the
// in-memory one when the lists are loaded and keep every list of its kind, else Xapian's.
template <typename Found>
void for_each_candidate_holding(const Xapian::Database& db, const PostingsInMemory* postings,
                                const std::string& term,
                                const std::vector<std::pair<Xapian::docid, size_t>>& by_docid,
                                Found&& found) {
  if (postings && postings->loaded() && PostingsInMemory::keeps_every_list_of(term)) {
    const PostingsInMemory::List* list = postings->find(term);
    if (!list) return;  // the index lacks the term
    PostingsInMemory::Membership in(*postings, *list);
    for (const auto& [did, rank] : by_docid)
      if (in.holds(did)) found(rank);
    return;
  }
  walk_candidates(db.postlist_begin(term), db.postlist_end(term), by_docid, std::forward<Found>(found));
}

// The query's scoring terms, first occurrence order.
std::vector<std::string> scoring_terms(const Xapian::Query& query,
                                       const std::unordered_map<std::string, double>& idf) {
  std::vector<std::string> terms;
  for (auto t = query.get_terms_begin(); t != query.get_terms_end(); ++t) {
    const std::string& term = *t;
    if (is_scoring_term(term, idf) && std::find(terms.begin(), terms.end(), term) == terms.end())
      terms.push_back(term);
  }
  return terms;
}

// Marks term `t` present for the candidates the pass found it in; false when the pass did not match it.
bool mark_from_pass(const PassWords* pass, size_t t, size_t candidates, MatchedTerms& m) {
  if (!pass) return false;
  auto at = std::find(pass->terms.begin(), pass->terms.end(), m.terms_[t]);
  if (at == pass->terms.end()) return false;
  const uint64_t bit = uint64_t{1} << (at - pass->terms.begin());
  const size_t n_terms = m.terms_.size();
  for (size_t r = 0; r < candidates; ++r) m.present_[r * n_terms + t] = ((*pass->masks)[r] & bit) != 0;
  return true;
}

}  // namespace

MatchedTerms matched_terms(const Xapian::Database& db, const Xapian::Query& query,
                           const std::vector<Xapian::docid>& docids,
                           const std::unordered_map<std::string, double>& idf, const CommonTermBits* common,
                           const PostingsInMemory* postings, const PassWords* pass) {
  MatchedTerms m;
  m.terms_ = scoring_terms(query, idf);
  const size_t n_terms = m.terms_.size();
  m.present_.assign(docids.size() * n_terms, 0);
  if (n_terms == 0 || docids.empty()) return m;
  const auto by_docid = candidates_by_docid(docids);
  for (size_t t = 0; t < n_terms; ++t) {
    if (mark_from_pass(pass, t, docids.size(), m)) continue;
    if (const CommonTermBits::Bits* bits = common ? common->find(m.terms_[t]) : nullptr) {
      for (const auto& [did, r] : by_docid)
        if (bits->contains(did)) m.present_[r * n_terms + t] = 1;
      continue;
    }
    for_each_candidate_holding(db, postings, m.terms_[t], by_docid,
                               [&](size_t r) { m.present_[r * n_terms + t] = 1; });
  }
  return m;
}

std::vector<std::pair<Xapian::docid, size_t>> candidates_by_docid(const std::vector<Xapian::docid>& docids) {
  std::vector<std::pair<Xapian::docid, size_t>> by_docid;
  by_docid.reserve(docids.size());
  for (size_t rank = 0; rank < docids.size(); ++rank) by_docid.emplace_back(docids[rank], rank);
  std::sort(by_docid.begin(), by_docid.end());
  return by_docid;
}

std::vector<double> shares_held(const Xapian::Database& db, const PostingsInMemory* postings,
                                const std::vector<std::pair<std::string, double>>& term_shares,
                                const std::vector<std::pair<Xapian::docid, size_t>>& by_docid) {
  std::vector<double> shares(by_docid.size(), 0.0);
  for (const auto& [term, share] : term_shares)
    for_each_candidate_holding(db, postings, term, by_docid, [&, share = share](size_t rank) {
      shares[rank] = std::min(1.0, shares[rank] + share);
    });
  return shares;
}

namespace {

// Pairs whose lists are kept: at most this many passages each (a longer list is walked through Xapian),
// so that a full memo stays within a few tens of megabytes.
constexpr Xapian::doccount kMaxKeptPairPostings = 1024;

// The pair's passages, ascending; null when its list is too long to keep.
std::shared_ptr<const std::vector<Xapian::docid>> pair_postings(GenerationHandle& h, PairPostings& memo,
                                                                const std::string& pair) {
  if (auto known = memo.find(h.generation, pair)) return known;
  const Xapian::doccount termfreq = h.freqs.of(h.db, pair);
  if (termfreq > kMaxKeptPairPostings) return nullptr;
  auto docids = std::make_shared<std::vector<Xapian::docid>>();
  docids->reserve(termfreq);
  for (auto p = h.db.postlist_begin(pair); p != h.db.postlist_end(pair); ++p) docids->push_back(*p);
  memo.store(h.generation, pair, docids);
  return docids;
}

}  // namespace

std::vector<double> pair_shares_held(GenerationHandle& h, PairPostings& memo,
                                     const std::vector<std::pair<std::string, double>>& pair_shares,
                                     const std::vector<std::pair<Xapian::docid, size_t>>& by_docid) {
  std::vector<double> shares(by_docid.size(), 0.0);
  for (const auto& [pair, share] : pair_shares) {
    auto add = [&, share = share](size_t rank) { shares[rank] = std::min(1.0, shares[rank] + share); };
    const auto docids = pair_postings(h, memo, pair);
    if (!docids) {
      walk_candidates(h.db.postlist_begin(pair), h.db.postlist_end(pair), by_docid, add);
      continue;
    }
    auto at = docids->begin();
    for (const auto& [did, rank] : by_docid) {
      at = std::lower_bound(at, docids->end(), did);
      if (at == docids->end()) break;
      if (*at == did) add(rank);
    }
  }
  return shares;
}

double idf_weight(double n, double df) { return std::log(1 + n / std::max(1.0, df)); }

std::unordered_map<std::string, double> prose_idf(GenerationHandle& h, const AnalyzedQuery& q) {
  std::unordered_map<std::string, double> idf;
  const double n = std::max<double>(1, h.db.get_doccount());
  for (const auto& t : q.prose_terms) idf[t] = idf_weight(n, h.freqs.of(h.db, t));
  return idf;
}

std::vector<std::pair<std::string, double>> title_terms(const AnalyzedQuery& q,
                                                        const std::unordered_map<std::string, double>& idf,
                                                        double total_idf) {
  static const std::string kTitleCopy =
      std::string(schema::kStemPrefix) + std::string(schema::field_prefix("title"));
  std::vector<std::pair<std::string, double>> terms;
  if (total_idf <= 0) return terms;
  for (const auto& term : q.prose_terms)
    if (is_prose_word(term))
      terms.emplace_back(kTitleCopy + without_stem_prefix(term), idf.at(term) / total_idf);
  return terms;
}

std::vector<std::pair<std::string, double>> held_pairs(GenerationHandle& h,
                                                       const std::vector<std::string>& pairs) {
  std::vector<std::pair<std::string, double>> held;
  const double n = std::max<double>(1, h.db.get_doccount());
  double total = 0;
  for (const auto& pair : pairs) {
    const Xapian::doccount termfreq = h.freqs.of(h.db, pair);
    const double weight = idf_weight(n, termfreq);
    total += weight;
    if (termfreq > 0) held.emplace_back(pair, weight);
  }
  for (auto& [pair, share] : held) share /= total;
  return held;
}

}  // namespace errkb::store
