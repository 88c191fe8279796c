// Which of a query's terms each candidate holds, and what each term weighs: read from the terms'
// posting lists (in memory when loaded, else Xapian's) or bitsets, skipping through the candidates in
// docid order, never from a candidate's own term list.
#pragma once

#include <xapian.h>

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/common_terms.h"
#include "store/generation.h"
#include "store/postings_in_memory.h"
#include "store/query_analysis.h"

namespace errkb::store {

// Which of a query's scoring terms each document of a pass contains, in query order (the order
// Enquire::get_matching_terms gives). get_matching_terms would read and decompress each candidate's
// whole term list instead.
class MatchedTerms {
 public:
  std::vector<const std::string*> of(size_t rank) const {
    std::vector<const std::string*> out;
    for (size_t t = 0; t < terms_.size(); ++t)
      if (present_[rank * terms_.size() + t]) out.push_back(&terms_[t]);
    return out;
  }

  std::vector<std::string> terms_;  // the query's scoring terms, first occurrence order
  std::vector<char> present_;       // [rank * terms_.size() + term]
};

// What an in-memory pass already knows: which of its words (bit i: terms[i]) each candidate has.
struct PassWords {
  std::vector<std::string> terms;
  const std::vector<uint64_t>* masks = nullptr;  // by rank
};

// The scoring terms of `query` (codes, and the prose terms weighed in `idf`) each of `docids` holds. The
// words of `pass` are taken from it; the other terms are looked up: in a bitset, the in-memory list,
// else the posting list.
MatchedTerms matched_terms(const Xapian::Database& db, const Xapian::Query& query,
                           const std::vector<Xapian::docid>& docids,
                           const std::unordered_map<std::string, double>& idf, const CommonTermBits* common,
                           const PostingsInMemory* postings, const PassWords* pass = nullptr);

// Candidates as (docid, rank), in docid order: a posting list is read once, skipping through them.
std::vector<std::pair<Xapian::docid, size_t>> candidates_by_docid(const std::vector<Xapian::docid>& docids);

// For each candidate, the sum (at most 1) of the shares of the terms it holds: for the title's copies
// of the query's words (a page titled with what was asked is about it) and for the query's word pairs.
std::vector<double> shares_held(const Xapian::Database& db, const PostingsInMemory* postings,
                                const std::vector<std::pair<std::string, double>>& term_shares,
                                const std::vector<std::pair<Xapian::docid, size_t>>& by_docid);

// The passages of word pairs, by pair term, kept for the index's generation: the in-memory lists do not
// hold pairs, and reading a pair's list through Xapian is a B-tree descent (block reads) for every query
// that has the pair.
using PairPostings = GenerationMemo<std::vector<Xapian::docid>>;

// shares_held for word pairs (held_pairs()): a pair's list from `memo`, or read into it when it is short.
std::vector<double> pair_shares_held(GenerationHandle& h, PairPostings& memo,
                                     const std::vector<std::pair<std::string, double>>& pair_shares,
                                     const std::vector<std::pair<Xapian::docid, size_t>>& by_docid);

// A term's IDF weight among n documents, df of which hold it (a term none holds weighs as if one did).
double idf_weight(double n, double df);

// The IDF weight of each of the query's prose terms.
std::unordered_map<std::string, double> prose_idf(GenerationHandle& h, const AnalyzedQuery& q);

// The title copies of the query's words, each with its share of the query's IDF.
std::vector<std::pair<std::string, double>> title_terms(const AnalyzedQuery& q,
                                                        const std::unordered_map<std::string, double>& idf,
                                                        double total_idf);

// The query's word pairs some passage holds, each with its share of the pairs' IDF (a pair no passage
// holds counts as the rarest). Looked up once per query, not once per matching pass: most pairs of a
// query are held by no passage, and only the held ones' lists are walked. Their frequencies come from
// the handle's cache: each uncached one is a B-tree descent.
std::vector<std::pair<std::string, double>> held_pairs(GenerationHandle& h,
                                                       const std::vector<std::string>& pairs);

}  // namespace errkb::store
