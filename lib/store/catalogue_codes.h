// Teaching the code grammar what an index knows: its catalogues (names, vendor codes, vendor
// patterns) and the shapes of the letters+digits codes its passages are about.
#pragma once

#include <xapian.h>

#include <map>
#include <string>

#include "errkb/codes.h"
#include "errkb/record.h"
#include "store/file_states.h"
#include "store/kept_catalogue_codes.h"
#include "store/passage_file.h"

namespace errkb::store {

// Whether `db` keeps the catalogue codes of every file (an index rebuilt since it does, or one whose
// codes an update wrote); an index without them is taught from its catalogue passages.
bool keeps_catalogue_codes(const Xapian::Database& db);
// Marks `db` as keeping the catalogue codes of every file, which the caller has written.
void mark_keeps_catalogue_codes(Xapian::WritableDatabase& db);
// Writes the catalogue codes of every catalogue file that `states` names into an index that does not
// keep them yet (one written before it did), read back from its catalogue passages, and marks it.
void keep_catalogue_codes_of_passages(Xapian::WritableDatabase& db, PassageFileReader& passages,
                                      const FileStates& states);

// What the catalogue file indexed with `now` (its new FileState) teaches, kept in `db` under its path:
// `fresh`, read from it now, then for the items kept after a read error what `before` (an index that
// keeps catalogue codes, else null) kept of them. An empty list removes the value.
void keep_file_catalogue_codes(Xapian::WritableDatabase& db, const FileState& now, CatalogueCodes fresh,
                               const Xapian::Database* before);

// Adds every catalogue code to `grammar` (unless only_patterns), every stored vendor pattern, and the
// letters+digits code shapes of the index (teach_code_shapes). Returns the number of catalogue codes
// taught. The codes come from the catalogue codes the index keeps (keeps_catalogue_codes), in the order
// of their keys and each file's order, else from every catalogue passage in docid order.
// `passages`: the index's passage file (not read with only_patterns, nor when the index keeps the codes).
size_t teach_grammar_from_index(const Xapian::Database& db, PassageFileReader& passages, CodeGrammar& grammar,
                                bool only_patterns = false);
// The same, with what the catalogues teach read from the generation's kept copy
// (schema::kTaughtFileName) when it was made for the index's catalogue revision `catalogue_rev`, and,
// when `keep`, written there when they had to be taught (a failed write only costs the next start the
// teaching).
void teach_grammar_kept_beside(const Xapian::Database& db, PassageFileReader& passages, CodeGrammar& grammar,
                               const std::filesystem::path& generation_dir, const std::string& catalogue_rev,
                               bool keep = true);
// Which catalogues an index revision holds: its catalogue revision and the database's uuid. The kept
// taught catalogue is written for it.
std::string catalogue_revision(const Xapian::Database& db);

// Teaches `grammar` the letters+digits codes (code:lnk2019) that some passage of the index names as a
// primary code, in its title or first heading ("Linker Tools Error LNK2019"), so that queries read
// "LNK2019", "lnk2019" and "lnk 2019" as that code (CodeGrammar::add_code_shape). Reads the index's
// distinct generic code terms and, for each shape not yet confirmed, the rank records of at most a few
// of the passages that carry it: bounded work a shape, none a passage. Returns the shapes taught.
size_t teach_code_shapes(const Xapian::Database& db, CodeGrammar& grammar);
// The shapes teach_code_shapes teaches ("lnk#4"), each with the code that confirmed it ("code:lnk2019").
std::map<std::string, std::string> primary_code_shapes(const Xapian::Database& db);

}  // namespace errkb::store
