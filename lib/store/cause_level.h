// What ranking needs to tell one article's causes apart (rank::ScoredPassage's cause fields): the
// cause's heading read as the ingester reads it ("Cause 2: DNS" -> number 2, title "DNS"; "Cause" alone
// is generic), and which of the query's words the cause's own text holds, stemmed as the query was.
#pragma once

#include <xapian.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "rank/ranking.h"

namespace errkb::store {

// `idf`: the weight of each of `prose_terms` (a query's "Z" stems and plain words).
void describe_causes(std::vector<rank::ScoredPassage>& passages, const std::vector<std::string>& prose_terms,
                     const std::unordered_map<std::string, double>& idf, const Xapian::Stem& stem);

}  // namespace errkb::store
