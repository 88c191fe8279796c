#include "store/catalogue_codes.h"

#include "errkb/schema.h"
#include "store/documents.h"

namespace errkb::store {

size_t teach_grammar_from_index(const Xapian::Database& db, PassageFileReader& passages, CodeGrammar& grammar,
                                bool only_patterns) {
  const std::string pattern_prefix(schema::kMetaPatternPrefix);
  for (auto it = db.metadata_keys_begin(pattern_prefix); it != db.metadata_keys_end(pattern_prefix); ++it) {
    std::string vendor = (*it).substr(pattern_prefix.size());
    // A pattern that stopped compiling is reported by the indexer when its file is read; skip it here.
    (void)grammar.add_vendor_pattern(vendor, db.get_metadata(*it));
  }
  if (only_patterns) return 0;
  size_t taught = 0;
  const std::string kind_term = "XKcatalogue";
  grammar.reserve_catalogue_codes(db.get_termfreq(kind_term));
  StoredPassage stored;
  for (auto pl = db.postlist_begin(kind_term); pl != db.postlist_end(kind_term); ++pl) {
    if (!read_passage(passages, db.get_document(*pl), stored)) continue;
    const Passage& p = stored.passage;
    for (const auto& code : p.codes) {
      grammar.add_catalogue_code({p.vendor, code, p.code_name, p.cause});
      ++taught;
    }
  }
  return taught;
}

}  // namespace errkb::store
