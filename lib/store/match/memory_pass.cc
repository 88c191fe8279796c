// Matching over the in-memory posting lists (store/postings_in_memory.h): the same BM25 and the same
// candidates as Xapian's, without its B-tree reads.
#include <algorithm>

#include "store/match/passes.h"
#include "store/prose_terms.h"

namespace errkb::store {

namespace {

// The matcher keeps which words each candidate has in a 64-bit mask.
constexpr size_t kMaxPassWords = 64;

// Adds a word of an in-memory pass (its terms: one, or a synonym group's) to `words`, and its term to
// `known` ("" for a group: its bit stands for no single term, so its terms are looked up). A word none
// of whose terms the index has matches nothing and is left out.
void add_match_word(const PostingsInMemory& lists, const std::vector<std::string>& terms,
                    std::vector<MatchWord>& words, PassWords& known) {
  MatchWord word;
  std::vector<Xapian::doccount> termfreqs;
  for (const auto& term : terms)
    if (const PostingsInMemory::List* list = lists.find(term)) {
      word.lists.push_back(list);
      termfreqs.push_back(list->termfreq);
    }
  if (word.lists.empty()) return;
  word.termweight = bm25_termweight(lists.doccount(), synonym_termfreq(lists.doccount(), termfreqs));
  words.push_back(std::move(word));
  known.terms.push_back(terms.size() == 1 ? terms[0] : std::string());
}

// The terms of a plan word the in-memory lists can match: a term or a synonym group of terms, each a
// prose word or one the index lacks (it matches nothing either way). False for anything else.
bool memory_terms_of(GenerationHandle& h, const Xapian::Query& word, std::vector<std::string>& terms) {
  auto add = [&](const Xapian::Query& leaf) {
    if (leaf.get_type() != Xapian::Query::LEAF_TERM) return false;
    const std::string term = *leaf.get_unique_terms_begin();
    if (!is_prose_word(term) && h.freqs.of(h.db, term) > 0) return false;
    terms.push_back(term);
    return true;
  };
  if (word.get_type() != Xapian::Query::OP_SYNONYM) return add(word);
  for (size_t i = 0; i < word.get_num_subqueries(); ++i)
    if (!add(word.get_subquery(i))) return false;
  return true;
}

// The code pass's prose: its rarer words ranked, its commonest by presence (store/scan_plan.h). False
// when a part of it is not a word or synonym group the lists hold.
bool add_code_pass_prose(const PassInput& in, const PostingsInMemory& lists, std::vector<MatchWord>& words,
                         std::vector<PresenceWord>& presence, PassWords& known) {
  const CodePassProse split =
      split_for_code_pass(in.h.db, in.h.freqs, in.q.prose_query, in.common, in.common_term_min_postings);
  for (const auto& part : split.ranked) {
    std::vector<std::string> terms;
    if (!memory_terms_of(in.h, part, terms)) return false;
    add_match_word(lists, terms, words, known);
  }
  for (const auto& word : split.present) {
    if (!is_prose_word(word.term)) return false;
    presence.push_back({word.bits, word.bits ? nullptr : lists.find(word.term), word.weight});
    known.terms.push_back(word.term);
  }
  return true;
}

// The postings of each of the query's code terms, from the lists when they hold it, else from Xapian.
std::vector<CodeList> code_lists(const PassInput& in, const PostingsInMemory& lists) {
  std::vector<CodeList> codes;
  for (const auto& [term, factor] : in.q.code_terms) {
    CodeList& code = codes.emplace_back();
    code.termweight = bm25_termweight(lists.doccount(), in.h.freqs.of(in.h.db, term), factor);
    if (const PostingsInMemory::List* list = lists.find(term)) {
      code.postings.reserve(list->termfreq);
      for (PostingsInMemory::Cursor c(lists, *list); !c.at_end(); c.next())
        code.postings.emplace_back(c.docid(), c.wdf());
    } else {
      for (auto p = in.h.db.postlist_begin(term); p != in.h.db.postlist_end(term); ++p)
        code.postings.emplace_back(*p, p.get_wdf());
    }
  }
  return codes;
}

PassMatch to_pass_match(const PassInput& in, const PostingsInMemory& lists, MemoryMatch m, PassWords& known,
                        const Xapian::Query& scoring_terms) {
  known.masks = &m.words;
  PassMatch out;
  out.matched = matched_terms(in.h.db, scoring_terms, m.docids, in.idf, in.common, &lists, &known);
  out.docids = std::move(m.docids);
  out.weights = std::move(m.weights);
  out.matches = static_cast<int64_t>(m.matches);
  return out;
}

}  // namespace

std::vector<const DocidSet*> filters_of(const AnalyzedQuery& q, const PostingsInMemory& lists) {
  std::vector<const DocidSet*> sets;
  for (const auto& term : q.filter_terms) sets.push_back(&lists.filter(term));
  return sets;
}

std::optional<PassMatch> code_pass_in_memory(const PassInput& in, const PostingsInMemory& lists) {
  std::vector<MatchWord> words;
  std::vector<PresenceWord> presence;
  PassWords known;  // codes, then words, then presence words: match_code_pass's bits
  for (const auto& [term, factor] : in.q.code_terms) known.terms.push_back(term);
  if (!in.q.prose_query.empty() && !add_code_pass_prose(in, lists, words, presence, known))
    return std::nullopt;
  if (known.terms.size() > kMaxPassWords) return std::nullopt;
  MemoryMatch m =
      match_code_pass(lists, code_lists(in, lists), words, presence, in.want, filters_of(in.q, lists));
  return to_pass_match(in, lists, std::move(m), known, code_first(in.q, in.q.prose_query));
}

std::optional<std::vector<std::vector<std::string>>> memory_terms(GenerationHandle& h,
                                                                  const ProseScanPlan& plan) {
  if (plan.words.size() > kMaxPassWords) return std::nullopt;
  std::vector<std::vector<std::string>> terms;
  for (const auto& word : plan.words)
    if (!memory_terms_of(h, word, terms.emplace_back())) return std::nullopt;
  return terms;
}

PassMatch prose_pass_in_memory(const PassInput& in, const PostingsInMemory& lists, const ScanPass& pass,
                               const std::vector<std::vector<std::string>>& terms) {
  std::vector<MatchWord> words;
  PassWords known;  // a group's bit stands for no single term: its terms are looked up
  for (size_t i : pass.words) add_match_word(lists, terms[i], words, known);
  const auto ranges = pass.sampled
                          ? DocidWindows::ranges(lists.last_docid(), pass.share)
                          : std::vector<std::pair<Xapian::docid, Xapian::docid>>{{1, lists.last_docid()}};
  MemoryMatch m = match_words(lists, words, ranges, in.want, filters_of(in.q, lists));
  return to_pass_match(in, lists, std::move(m), known, in.q.prose_query);
}

}  // namespace errkb::store
