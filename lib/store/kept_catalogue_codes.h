// What a catalogue teaches the code grammar, as values the index keeps (store/catalogue_codes.h
// writes and reads them): without Xapian, for the programs that measure them too.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "errkb/codes.h"
#include "errkb/record.h"

namespace errkb::store {

// What a catalogue passage teaches the grammar about one of its codes: its name and its meaning, the
// entry's message (the end of its title, "<code> <name>: <message>"), else its description's first
// line. Never its causes: a meaning says what the code is, not why it happened.
CatalogueCode catalogue_code_of(const Passage& p, const std::string& code);

// What a catalogue file teaches the grammar, as the index keeps it (metadata errkb:catcodes:<hash of the
// file's path>, schema.h): the catalogue code of each entry indexed from it, after the entry's item uid,
// in the file's order. Rewritten with the file by an update, so that what the grammar learns from the
// catalogues is kept in the index as they change, and a grammar is taught from one value a file instead
// of every catalogue passage read back and decoded.
struct CatalogueEntryCode {
  std::string uid;
  CatalogueCode code;
};
using CatalogueCodes = std::vector<CatalogueEntryCode>;

std::string catalogue_codes_key(const std::string& path);
std::string encode_catalogue_codes(const CatalogueCodes& codes);
bool decode_catalogue_codes(std::string_view text, CatalogueCodes& codes);
// The codes that the items read from a catalogue file teach, each as teach_from_result
// (store/update_steps.h) teaches an item's: of each item uid its first item's, the one indexed.
CatalogueCodes catalogue_codes_of(const std::vector<Item>& items);
// What a catalogue file indexed with `items` (its FileState's, in order) teaches: the codes read from it
// now (`fresh`), then those of the items kept after a read error from what it taught before (`before`).
CatalogueCodes catalogue_codes_of_items(const std::vector<std::string>& items, CatalogueCodes fresh,
                                        const CatalogueCodes& before);

}  // namespace errkb::store
