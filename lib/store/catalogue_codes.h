// Teaching the code grammar what an index's catalogues know (names, vendor codes, vendor patterns).
#pragma once

#include <xapian.h>

#include "errkb/codes.h"

namespace errkb::store {

// Adds every catalogue passage's code to `grammar` (unless only_patterns) and every stored vendor pattern.
// Returns the number of catalogue codes taught.
size_t teach_grammar_from_index(const Xapian::Database& db, CodeGrammar& grammar, bool only_patterns = false);

}  // namespace errkb::store
