// Matching through Xapian's own posting lists (Enquire), for what the in-memory lists do not hold.
#include "errkb/schema.h"
#include "store/match/passes.h"

namespace errkb::store {

Xapian::BM25Weight bm25_weighting() {
  return Xapian::BM25Weight(schema::kBm25K1OfScaledWdf, 0, 1, 0, schema::kMinNormLength);
}

Xapian::Query code_first(const AnalyzedQuery& q, const Xapian::Query& prose) {
  return q.prose_query.empty() ? q.code_query
                               : Xapian::Query(Xapian::Query::OP_AND_MAYBE, q.code_query, prose);
}

PassMatch xapian_pass(const PassInput& in, const Xapian::Query& query, const Xapian::Query& scoring_terms) {
  Xapian::Enquire enquire(in.h.db);
  enquire.set_query(query);
  enquire.set_weighting_scheme(bm25_weighting());
  Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(in.want));
  PassMatch out;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    out.docids.push_back(*it);
    out.weights.push_back(it.get_weight());
  }
  out.matches = mset.get_matches_estimated();
  out.matched = matched_terms(in.h.db, scoring_terms, out.docids, in.idf, in.common, in.postings);
  return out;
}

}  // namespace errkb::store
