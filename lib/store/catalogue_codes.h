// Teaching the code grammar what an index's catalogues know (names, vendor codes, vendor patterns).
#pragma once

#include <xapian.h>

#include "errkb/codes.h"
#include "store/passage_file.h"

namespace errkb::store {

// Adds every catalogue passage's code to `grammar` (unless only_patterns) and every stored vendor pattern.
// Returns the number of catalogue codes taught.
// `passages`: the index's passage file (not read with only_patterns).
size_t teach_grammar_from_index(const Xapian::Database& db, PassageFileReader& passages, CodeGrammar& grammar,
                                bool only_patterns = false);

}  // namespace errkb::store
