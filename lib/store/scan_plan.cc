#include "store/scan_plan.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "errkb/schema.h"
#include "store/postings_in_memory.h"

namespace errkb::store {

namespace {

struct WordGroup {
  Xapian::Query query;  // one word of the prose, with its synonyms
  uint64_t postings = 0;
  size_t index = 0;  // in the prose's order
};

// The prose query's words: QueryParser ORs them at the top level (a word with synonyms is one
// OP_SYNONYM subquery).
std::vector<WordGroup> word_groups(const Xapian::Database& db, TermFreqs& freqs, const Xapian::Query& prose) {
  std::vector<WordGroup> groups;
  auto add = [&](const Xapian::Query& q) {
    WordGroup g{q, 0, groups.size()};
    for (auto t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t)
      g.postings += freqs.of(db, *t);
    groups.push_back(std::move(g));
  };
  if (prose.get_type() == Xapian::Query::OP_OR)
    for (size_t i = 0; i < prose.get_num_subqueries(); ++i) add(prose.get_subquery(i));
  else
    add(prose);
  return groups;
}

Xapian::Query any_of(const std::vector<Xapian::Query>& parts) {
  return parts.size() == 1 ? parts.front() : Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

// What a word counts by its presence (WordsPresence): Xapian's BM25Weight with this index's parameters
// (schema.h) for one body occurrence at the length pivot (wdf = kWdfScale).
WordsPresence::Word presence_of(const Xapian::Database& db, const std::string& term,
                                Xapian::doccount termfreq, const CommonTermBits::Bits* bits) {
  const double k1 = schema::kBm25K1OfScaledWdf, wdf = schema::kWdfScale;
  return {term, termfreq, bm25_termweight(db.get_doccount(), termfreq) * wdf / (k1 + wdf), bits};
}

}  // namespace

ProseScanPlan plan_prose_scan(const Xapian::Database& db, TermFreqs& freqs, const Xapian::Query& prose,
                              size_t min_candidates, uint64_t budget) {
  ProseScanPlan plan;
  std::vector<WordGroup> groups = word_groups(db, freqs, prose);
  std::vector<size_t> all;
  uint64_t total = 0;
  for (const auto& g : groups) {
    plan.words.push_back(g.query);
    all.push_back(g.index);
    total += g.postings;
  }
  if (total <= budget) {
    plan.passes.push_back({prose, 1.0, all});
    return plan;
  }
  plan.exact = false;
  const double n = std::max<double>(1, db.get_doccount());
  double none = 1;  // the share of passages with none of the words
  for (const auto& g : groups) none *= 1 - std::min(1.0, static_cast<double>(g.postings) / n);
  plan.estimated_matches = static_cast<uint64_t>(std::llround(n * (1 - none)));
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto& a, const auto& b) { return a.postings < b.postings; });
  std::vector<Xapian::Query> rare;
  std::vector<size_t> rare_words;
  uint64_t rare_postings = 0;
  for (const auto& g : groups) {
    if (rare_postings + g.postings > budget) break;
    if (g.postings == 0) continue;  // a word the index does not have matches nothing
    rare.push_back(g.query);
    rare_words.push_back(g.index);
    rare_postings += g.postings;
  }
  if (!rare.empty()) {
    std::sort(rare_words.begin(), rare_words.end());
    plan.passes.push_back({any_of(rare), 1.0, rare_words});
  }
  if (rare_postings < min_candidates) {
    const double share = std::clamp(
        static_cast<double>(budget) / (kWindowedPostingCost * static_cast<double>(total)), 0.0, 1.0);
    auto* windows = new DocidWindows(db.get_lastdocid(), share);
    plan.passes.push_back({Xapian::Query(Xapian::Query::OP_FILTER, prose, Xapian::Query(windows->release())),
                           share, all, true});
  }
  return plan;
}

CodePassProse split_for_code_pass(const Xapian::Database& db, TermFreqs& freqs, const Xapian::Query& prose,
                                  const CommonTermBits* common, uint64_t common_min_postings) {
  CodePassProse out;
  std::set<std::string> seen;  // a word written twice counts once by presence
  auto add = [&](const Xapian::Query& q) {
    if (q.get_type() == Xapian::Query::LEAF_TERM) {
      const std::string term = *q.get_unique_terms_begin();
      const Xapian::doccount termfreq = freqs.of(db, term);
      if (termfreq >= common_min_postings) {
        if (seen.insert(term).second)
          out.present.push_back(presence_of(db, term, termfreq, common ? common->find(term) : nullptr));
        return;
      }
    }
    out.ranked.push_back(q);
  };
  if (prose.get_type() == Xapian::Query::OP_OR)
    for (size_t i = 0; i < prose.get_num_subqueries(); ++i) add(prose.get_subquery(i));
  else
    add(prose);
  return out;
}

Xapian::Query prose_for_code_pass(const Xapian::Database& db, TermFreqs& freqs, const Xapian::Query& prose,
                                  const CommonTermBits* common, uint64_t common_min_postings) {
  CodePassProse split = split_for_code_pass(db, freqs, prose, common, common_min_postings);
  if (split.present.empty()) return prose;
  auto* presence = new WordsPresence(std::move(split.present));
  split.ranked.emplace_back(presence->release());
  return any_of(split.ranked);
}

DocidWindows::DocidWindows(Xapian::docid last_docid, double fraction, unsigned windows)
    : last_(last_docid), fraction_(fraction), windows_(std::max(1u, windows)) {
  width_ = std::max<Xapian::docid>(1, (last_ + windows_ - 1) / windows_);
  taken_ = std::clamp<Xapian::docid>(static_cast<Xapian::docid>(std::ceil(fraction_ * width_)), 1, width_);
  const Xapian::docid full_windows = last_ / width_;
  accepted_ = full_windows * taken_ + std::min<Xapian::docid>(taken_, last_ - full_windows * width_);
}

void DocidWindows::move_to(Xapian::docid did) {
  if (did > last_) {
    current_ = last_ + 1;
    return;
  }
  const Xapian::docid start = (did - 1) / width_ * width_ + 1;  // first docid of did's window
  current_ = did < start + taken_ ? did : start + width_;
  if (current_ > last_) current_ = last_ + 1;
}

std::vector<std::pair<Xapian::docid, Xapian::docid>> DocidWindows::ranges(Xapian::docid last_docid,
                                                                          double fraction, unsigned windows) {
  std::vector<std::pair<Xapian::docid, Xapian::docid>> out;
  const DocidWindows w(last_docid, fraction, windows);
  for (uint64_t start = 1; start <= w.last_; start += w.width_)
    out.emplace_back(static_cast<Xapian::docid>(start),
                     static_cast<Xapian::docid>(std::min<uint64_t>(w.last_, start + w.taken_ - 1)));
  return out;
}

std::string DocidWindows::get_description() const {
  return "DocidWindows(" + std::to_string(taken_) + " of every " + std::to_string(width_) + " up to " +
         std::to_string(last_) + ")";
}

}  // namespace errkb::store
