// Teaching the code grammar what an index knows: its catalogues (names, vendor codes, vendor
// patterns) and the shapes of the letters+digits codes its passages are about.
#pragma once

#include <xapian.h>

#include <map>
#include <string>

#include "errkb/codes.h"
#include "errkb/record.h"
#include "store/passage_file.h"

namespace errkb::store {

// What a catalogue passage teaches the grammar about one of its codes: its name and its meaning, the
// entry's message (the end of its title, "<code> <name>: <message>"), else its description's first
// line. Never its causes: a meaning says what the code is, not why it happened.
CatalogueCode catalogue_code_of(const Passage& p, const std::string& code);

// Adds every catalogue passage's code to `grammar` (unless only_patterns), every stored vendor pattern,
// and the letters+digits code shapes of the index (teach_code_shapes). Returns the number of catalogue
// codes taught.
// `passages`: the index's passage file (not read with only_patterns).
size_t teach_grammar_from_index(const Xapian::Database& db, PassageFileReader& passages, CodeGrammar& grammar,
                                bool only_patterns = false);

// Teaches `grammar` the letters+digits codes (code:lnk2019) that some passage of the index names as a
// primary code, in its title or first heading ("Linker Tools Error LNK2019"), so that queries read
// "LNK2019", "lnk2019" and "lnk 2019" as that code (CodeGrammar::add_code_shape). Reads the index's
// distinct generic code terms and, for each shape not yet confirmed, the rank records of at most a few
// of the passages that carry it: bounded work a shape, none a passage. Returns the shapes taught.
size_t teach_code_shapes(const Xapian::Database& db, CodeGrammar& grammar);
// The shapes teach_code_shapes teaches ("lnk#4"), each with the code that confirmed it ("code:lnk2019").
std::map<std::string, std::string> primary_code_shapes(const Xapian::Database& db);

}  // namespace errkb::store
