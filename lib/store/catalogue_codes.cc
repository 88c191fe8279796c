#include "store/catalogue_codes.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "errkb/schema.h"
#include "store/documents.h"
#include "store/file_states.h"
#include "store/packed_values.h"
#include "store/tables_file.h"

namespace errkb::store {
namespace {

// Passages of one code term whose rank records are read to find it primary, and of one shape
// (letters and digit count) in all: a shape that the first passages only mention is not what titles name.
constexpr unsigned kPassagesPerTerm = 4;
constexpr unsigned kPassagesPerShape = 32;

// "lnk2019" -> "lnk#4": the letters and the number of digits; empty when not letters+digits.
std::string shape_of(std::string_view code) {
  size_t letters = 0;
  while (letters < code.size() && code[letters] >= 'a' && code[letters] <= 'z') ++letters;
  const size_t digits = code.size() - letters;
  if (letters < 1 || letters > 6 || digits < 4 || digits > 6) return {};
  for (char c : code.substr(letters))
    if (c < '0' || c > '9') return {};
  return std::string(code.substr(0, letters)) + "#" + std::to_string(digits);
}

// True when one of the first passages carrying `term` names `canonical` as a primary code.
bool named_as_primary(const Xapian::Database& db, const std::string& term, std::string_view canonical,
                      unsigned& budget) {
  RankRecord record;
  for (auto pl = db.postlist_begin(term); pl != db.postlist_end(term) && budget > 0; ++pl, --budget) {
    const std::string text =
        db.get_document(*pl, Xapian::DOC_ASSUME_VALID).get_value(schema::kSlotRankRecord);
    if (decode_rank_record(text, record) && record.has_primary_code(canonical)) return true;
  }
  return false;
}

constexpr char kCatalogueCodesFormat = 2;  // 2: texts as store/packed_values.h packs them

// Teaches `grammar` the catalogue codes the index keeps, file by file in the order of their keys.
size_t teach_kept_catalogue_codes(const Xapian::Database& db, CodeGrammar& grammar) {
  const std::string prefix(schema::kMetaCatalogueCodesPrefix);
  size_t taught = 0;
  CatalogueCodes codes;
  for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it) {
    codes.clear();
    if (!decode_catalogue_codes(db.get_metadata(*it), codes)) continue;
    for (const auto& entry : codes) grammar.add_catalogue_code(entry.code);
    taught += codes.size();
  }
  return taught;
}

// Calls fn(item uid, catalogue code) for each code of every catalogue passage, in docid order.
template <typename Fn>
void for_each_catalogue_passage_code(const Xapian::Database& db, PassageFileReader& passages, Fn&& fn) {
  const std::string kind_term = schema::filter_term("kind", to_string(SourceKind::kCatalogue));
  StoredPassage stored;
  for (auto pl = db.postlist_begin(kind_term); pl != db.postlist_end(kind_term); ++pl) {
    if (!read_passage(passages, db.get_document(*pl), stored)) continue;
    for (const auto& code : stored.passage.codes)
      fn(stored.item_uid, catalogue_code_of(stored.passage, code));
  }
}

}  // namespace

std::string catalogue_codes_key(const std::string& path) {
  const std::string state_key = file_state_key(path);
  return std::string(schema::kMetaCatalogueCodesPrefix) + state_key.substr(schema::kMetaFilePrefix.size());
}

std::string encode_catalogue_codes(const CatalogueCodes& codes) {
  std::string out(1, kCatalogueCodesFormat);
  for (const auto& [uid, c] : codes)
    for (const std::string* field : {&uid, &c.vendor, &c.code, &c.name, &c.message}) put_text(out, *field);
  return out;
}

bool decode_catalogue_codes(std::string_view text, CatalogueCodes& codes) {
  if (text.empty() || text.front() != kCatalogueCodesFormat) return false;
  PackedReader in(text.substr(1));
  while (!in.done()) {
    CatalogueEntryCode& e = codes.emplace_back();
    for (std::string* field : {&e.uid, &e.code.vendor, &e.code.code, &e.code.name, &e.code.message})
      if (!in.text(*field)) return false;
  }
  return true;
}

CatalogueCodes catalogue_codes_of(const std::vector<Item>& items) {
  CatalogueCodes out;
  std::unordered_set<std::string_view> seen;
  for (const auto& item : items) {
    if (!seen.insert(item.uid).second) continue;
    for (const auto& p : item.passages)
      if (p.kind == SourceKind::kCatalogue)
        for (const auto& code : p.codes) out.push_back({item.uid, catalogue_code_of(p, code)});
  }
  return out;
}

CatalogueCodes catalogue_codes_of_items(const std::vector<std::string>& items, CatalogueCodes fresh,
                                        const CatalogueCodes& before) {
  std::unordered_set<std::string_view> read_now;
  for (const auto& e : fresh) read_now.insert(e.uid);
  std::unordered_set<std::string_view> kept;
  for (const auto& uid : items)
    if (!read_now.count(uid)) kept.insert(uid);
  for (const auto& e : before)
    if (kept.count(e.uid)) fresh.push_back(e);
  return fresh;
}

void keep_file_catalogue_codes(Xapian::WritableDatabase& db, const FileState& now, CatalogueCodes fresh,
                               const Xapian::Database* before) {
  const std::string key = catalogue_codes_key(now.path);
  CatalogueCodes kept;
  if (!now.complete && before) (void)decode_catalogue_codes(before->get_metadata(key), kept);
  const CatalogueCodes codes = catalogue_codes_of_items(now.items, std::move(fresh), kept);
  db.set_metadata(key, codes.empty() ? std::string() : encode_catalogue_codes(codes));
}

bool keeps_catalogue_codes(const Xapian::Database& db) {
  return db.get_metadata(std::string(schema::kMetaCatalogueCodesKept)) == "1";
}

void mark_keeps_catalogue_codes(Xapian::WritableDatabase& db) {
  db.set_metadata(std::string(schema::kMetaCatalogueCodesKept), "1");
}

void keep_catalogue_codes_of_passages(Xapian::WritableDatabase& db, PassageFileReader& passages,
                                      const FileStates& states) {
  std::unordered_map<std::string, CatalogueCodes> by_item;
  for_each_catalogue_passage_code(db, passages, [&](const std::string& uid, CatalogueCode code) {
    by_item[uid].push_back({uid, std::move(code)});
  });
  for (const auto& [hash, state] : states.all()) {
    CatalogueCodes codes;
    for (const auto& uid : state.items)
      if (auto it = by_item.find(uid); it != by_item.end())
        codes.insert(codes.end(), it->second.begin(), it->second.end());
    if (!codes.empty()) db.set_metadata(catalogue_codes_key(state.path), encode_catalogue_codes(codes));
  }
  mark_keeps_catalogue_codes(db);
}

CatalogueCode catalogue_code_of(const Passage& p, const std::string& code) {
  const std::string head = p.code_name.empty() ? code : code + " " + p.code_name;
  std::string message;
  if (p.title.size() > head.size() + 2 && p.title.compare(0, head.size(), head) == 0 &&
      p.title.compare(head.size(), 2, ": ") == 0) {
    message = p.title.substr(head.size() + 2);
  } else {
    message = p.body.substr(0, p.body.find('\n'));
  }
  return {p.vendor, code, p.code_name, std::move(message)};
}

std::map<std::string, std::string> primary_code_shapes(const Xapian::Database& db) {
  const std::string prefix = std::string(schema::kCodePrefix) + "code:";
  std::map<std::string, std::string> confirmed;
  std::unordered_map<std::string, unsigned> budgets;  // passages a shape may still read
  for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix); ++it) {
    const std::string& term = *it;
    const std::string_view canonical = std::string_view(term).substr(schema::kCodePrefix.size());
    std::string shape = shape_of(canonical.substr(5));
    if (shape.empty() || confirmed.count(shape)) continue;
    unsigned& budget = budgets.try_emplace(shape, kPassagesPerShape).first->second;
    unsigned term_budget = std::min(budget, kPassagesPerTerm);
    const unsigned before = term_budget;
    const bool primary = named_as_primary(db, term, canonical, term_budget);
    budget -= before - term_budget;
    if (primary) confirmed.emplace(std::move(shape), std::string(canonical));
  }
  return confirmed;
}

size_t teach_code_shapes(const Xapian::Database& db, CodeGrammar& grammar) {
  size_t taught = 0;
  for (const auto& [shape, canonical] : primary_code_shapes(db))
    if (grammar.add_code_shape(canonical)) ++taught;
  return taught;
}

namespace {

// Every catalogue code of the index, as teach_grammar_from_index teaches them.
size_t teach_catalogue_codes(const Xapian::Database& db, PassageFileReader& passages, CodeGrammar& grammar) {
  const std::string kind_term = schema::filter_term("kind", to_string(SourceKind::kCatalogue));
  grammar.reserve_catalogue_codes(db.get_termfreq(kind_term));
  if (keeps_catalogue_codes(db)) return teach_kept_catalogue_codes(db, grammar);
  size_t taught = 0;
  for_each_catalogue_passage_code(db, passages, [&](const std::string&, const CatalogueCode& code) {
    grammar.add_catalogue_code(code);
    ++taught;
  });
  return taught;
}

}  // namespace

void teach_grammar_kept_beside(const Xapian::Database& db, PassageFileReader& passages, CodeGrammar& grammar,
                               const std::filesystem::path& generation_dir, const std::string& catalogue_rev,
                               bool keep) {
  teach_grammar_from_index(db, passages, grammar, /*only_patterns=*/true);
  const std::filesystem::path kept = generation_dir / schema::kTaughtFileName;
  if (auto in = TablesReader::Open(kept, catalogue_rev); in.ok()) {
    const std::string_view bytes = in->str();
    if (in->ok() && in->at_end() && grammar.read_taught_bytes(bytes)) return;
    spdlog::info("{}: not a whole taught catalogue; teaching the code grammar from the index", kept.string());
  }
  teach_catalogue_codes(db, passages, grammar);
  if (!keep) return;
  auto out = TablesWriter::Create(kept, catalogue_rev);
  Status written = out.status();
  if (out.ok()) {
    (*out)->str(grammar.taught_bytes());
    written = (*out)->commit();
  }
  if (!written.ok())
    spdlog::info("taught catalogue not kept ({}): the next start teaches it again", written.message());
}

std::string catalogue_revision(const Xapian::Database& db) {
  return db.get_metadata(std::string(schema::kMetaCatalogueRev)) + "@" + db.get_uuid();
}

size_t teach_grammar_from_index(const Xapian::Database& db, PassageFileReader& passages, CodeGrammar& grammar,
                                bool only_patterns) {
  const std::string pattern_prefix(schema::kMetaPatternPrefix);
  for (auto it = db.metadata_keys_begin(pattern_prefix); it != db.metadata_keys_end(pattern_prefix); ++it) {
    std::string vendor = (*it).substr(pattern_prefix.size());
    // A pattern that stopped compiling is reported by the indexer when its file is read; skip it here.
    (void)grammar.add_vendor_pattern(vendor, db.get_metadata(*it));
  }
  teach_code_shapes(db, grammar);
  if (only_patterns) return 0;
  return teach_catalogue_codes(db, passages, grammar);
}

}  // namespace errkb::store
