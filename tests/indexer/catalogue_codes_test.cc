// What the catalogues teach the code grammar, kept in the index per catalogue file
// (store/catalogue_codes.h): an update that changes one catalogue keeps what a rebuild of the same KB
// keeps, items kept after a read error keep what they taught, and a grammar taught from what the index
// keeps reads codes as one taught from every catalogue passage does.
#include "store/catalogue_codes.h"

#include <xapian.h>

#include <algorithm>
#include <map>

#include "errkb/schema.h"
#include "kb_fixture.h"
#include "store/passage_file.h"

namespace errkb::testing {
namespace {

namespace fs = std::filesystem;

std::string acme_entry(const std::string& code, const std::string& name, const std::string& message) {
  return "{\"code\":\"" + code + "\",\"name\":\"" + name + "\",\"message\":\"" + message +
         "\",\"description\":\"" + message + " on the label printer.\",\"resolution\":\"Restart it.\"}";
}

std::string acme(const std::vector<std::string>& entries) {
  std::string out = "{\"vendor\":\"Acme Labels\",\"product\":\"Printing\",\"language\":\"en\",\"errors\":[";
  for (size_t i = 0; i < entries.size(); ++i) out += (i ? "," : "") + entries[i];
  return out + "]}";
}

// The uid and message of every code kept for the catalogue at `path`.
std::map<std::string, std::string> messages_kept_for(const fs::path& index_dir, const fs::path& path) {
  const auto kept = kept_codes(index_dir);
  auto it = kept.find(store::catalogue_codes_key(path.string()));
  std::map<std::string, std::string> out;
  store::CatalogueCodes codes;
  if (it == kept.end() || !store::decode_catalogue_codes(it->second, codes)) return out;
  for (const auto& e : codes) out[e.uid] = e.code.message;
  return out;
}

// A grammar taught from the live generation of `index_dir`.
std::unique_ptr<CodeGrammar> taught_from(const fs::path& index_dir) {
  auto gen = live_generation(index_dir);
  EXPECT_TRUE(gen.ok());
  auto grammar = std::make_unique<CodeGrammar>();
  if (!gen.ok()) return grammar;
  Xapian::Database db(gen->string());
  store::PassageFileReader passages;
  EXPECT_TRUE(passages.open(*gen / schema::kPassageFileName).ok());
  store::teach_grammar_from_index(db, passages, *grammar);
  return grammar;
}

// "canonical name message" of every reading the grammar finds in `text`, in order.
std::vector<std::string> readings(const CodeGrammar& grammar, const std::string& text) {
  std::vector<std::string> out;
  for (const auto& occ : grammar.find_codes(text))
    for (const auto& r : occ.interpretations) out.push_back(r.canonical + " " + r.name + " " + r.message);
  return out;
}

// The code terms (XC:, XCW:) of the passage `id` in the live generation of `index_dir`.
std::vector<std::string> code_terms_of(const fs::path& index_dir, const std::string& id) {
  auto gen = live_generation(index_dir);
  EXPECT_TRUE(gen.ok());
  std::vector<std::string> out;
  if (!gen.ok()) return out;
  Xapian::Database db(gen->string());
  const std::string id_term = std::string(schema::kIdPrefix) + id;
  auto pl = db.postlist_begin(id_term);
  if (pl == db.postlist_end(id_term)) return out;
  for (auto t = db.termlist_begin(*pl); t != db.termlist_end(*pl); ++t)
    if ((*t).starts_with(schema::kCodePrefix) || (*t).starts_with(schema::kWeakCodePrefix)) out.push_back(*t);
  return out;
}

class CatalogueCodesTest : public KbFixture {
 protected:
  void SetUp() override {
    KbFixture::SetUp();
    write_file(kb() / "catalogues/acme.json",
               acme({acme_entry("ACM-7001", "CUSTOMS_FORM_MISSING", "Customs form missing"),
                     acme_entry("ACM-7002", "PRINTER_HEAD_COLD", "Printer head cold")}));
    update();
  }

  // A rebuild of the KB as it is now keeps what the updated index keeps.
  void expect_kept_as_a_rebuild_keeps() {
    IndexerOptions o = options();
    o.index_dir = index_->path() / ("rebuilt-" + std::to_string(++rebuilds_));
    ASSERT_TRUE(rebuild_index(o).ok());
    EXPECT_EQ(kept_codes(index()), kept_codes(o.index_dir));
  }

  int rebuilds_ = 0;
};

TEST_F(CatalogueCodesTest, AnUpdateOfOneCatalogueKeepsWhatARebuildKeeps) {
  EXPECT_EQ(kept_codes(index()).size(), 2u);  // parcelhub.json and acme.json
  expect_kept_as_a_rebuild_keeps();

  // A message changed, an entry renamed, one removed and one added, in one file of the two.
  write_later("catalogues/acme.json",
              acme({acme_entry("ACM-7001", "CUSTOMS_DECLARATION_MISSING", "Customs paperwork missing"),
                    acme_entry("ACM-7003", "RIBBON_OUT", "Ribbon ran out")}));
  const UpdateReport changed = update();
  EXPECT_EQ(changed.items_updated, 1u);
  EXPECT_EQ(changed.items_added, 1u);
  EXPECT_EQ(changed.items_removed, 1u);
  EXPECT_EQ(
      messages_kept_for(index(), kb() / "catalogues/acme.json"),
      (std::map<std::string, std::string>{{"catalogue:acme labels:ACM-7001", "Customs paperwork missing"},
                                          {"catalogue:acme labels:ACM-7003", "Ribbon ran out"}}));
  expect_kept_as_a_rebuild_keeps();

  // The same entry defined again in a second file: the first file's definition is kept.
  write_later("catalogues/acme-copy.json", acme({acme_entry("ACM-7003", "RIBBON_GONE", "Ribbon gone")}));
  const UpdateReport copied = update();
  ASSERT_EQ(copied.errors.size(), 1u);
  EXPECT_EQ(copied.errors[0].path, "catalogues/acme.json");
  EXPECT_NE(copied.errors[0].message.find("also defined in catalogues/acme-copy.json"), std::string::npos);
  expect_kept_as_a_rebuild_keeps();
  // An article changed: every entry stays where it is (acme.json, incomplete, is read again).
  write_later("articles/dns/domain.md", "# Custom domain\n\n## Cause\n\nThe CNAME record is stale.\n");
  const UpdateReport article = update();
  EXPECT_EQ(article.items_updated, 1u);
  expect_kept_as_a_rebuild_keeps();

  fs::remove(kb() / "catalogues/acme.json");
  update();
  EXPECT_FALSE(
      kept_codes(index()).count(store::catalogue_codes_key((kb() / "catalogues/acme.json").string())));
  expect_kept_as_a_rebuild_keeps();
}

// An update re-reading a catalogue file teaches the grammar only its changed entries (it knew the rest from
// the index before writing anything): a page changed in the same run reads an unchanged entry's code as a
// rebuild reads it.
TEST_F(CatalogueCodesTest, AnUnchangedEntryOfAReReadCatalogueStillReadsAsItsCode) {
  write_later("catalogues/acme.json",
              acme({acme_entry("ACM-7001", "CUSTOMS_FORM_MISSING", "Customs paperwork missing"),
                    acme_entry("ACM-7002", "PRINTER_HEAD_COLD", "Printer head cold")}));
  write_later("articles/printer.md", "# Printer stops\n\nThe printer shows ACM-7002 and stops.\n");
  const UpdateReport changed = update();
  EXPECT_EQ(changed.items_updated, 1u);
  EXPECT_EQ(changed.items_added, 1u);
  const std::vector<std::string> updated = code_terms_of(index(), "printer#1");
  EXPECT_TRUE(std::any_of(updated.begin(), updated.end(), [](const std::string& t) {
    return t.starts_with(schema::kCodePrefix) && t.find("acm-7002") != std::string::npos;
  })) << ::testing::PrintToString(updated);
  IndexerOptions o = options();
  o.index_dir = index_->path() / "rebuilt";
  ASSERT_TRUE(rebuild_index(o).ok());
  EXPECT_EQ(updated, code_terms_of(o.index_dir, "printer#1"));
}

TEST_F(CatalogueCodesTest, AnEntryKeptAfterAReadErrorKeepsWhatItTaught) {
  // The second entry has no code now: an error of the file, whose indexed version stays.
  write_later("catalogues/acme.json",
              acme({acme_entry("ACM-7001", "CUSTOMS_FORM_MISSING", "Customs form gone"),
                    "{\"name\":\"PRINTER_HEAD_COLD\",\"message\":\"Printer head cold\"}"}));
  const UpdateReport r = update();
  EXPECT_EQ(r.items_kept_after_error, 1u);
  EXPECT_EQ(messages_kept_for(index(), kb() / "catalogues/acme.json"),
            (std::map<std::string, std::string>{{"catalogue:acme labels:ACM-7001", "Customs form gone"},
                                                {"catalogue:acme labels:ACM-7002", "Printer head cold"}}));
  EXPECT_EQ(readings(*taught_from(index()), "PRINTER_HEAD_COLD"),
            std::vector<std::string>{"acmelabels:acm-7002 PRINTER_HEAD_COLD Printer head cold"});
}

TEST_F(CatalogueCodesTest, AnIndexWrittenBeforeItKeptTheCodesKeepsThemAfterAnUpdate) {
  {  // the index as an older errkb wrote it
    auto gen = live_generation(index());
    ASSERT_TRUE(gen.ok());
    Xapian::WritableDatabase db(gen->string(), Xapian::DB_OPEN);
    for (const auto& [key, value] : kept_codes(index())) db.set_metadata(key, "");
    db.set_metadata(std::string(schema::kMetaCatalogueCodesKept), "");
    db.commit();
  }
  write_later("articles/dns/domain.md", "# Custom domain\n\n## Cause\n\nThe CNAME record is stale.\n");
  EXPECT_EQ(update().items_updated, 1u);
  EXPECT_EQ(kept_codes(index()).size(), 2u);
  expect_kept_as_a_rebuild_keeps();
}

TEST_F(CatalogueCodesTest, AGrammarTaughtFromTheKeptCodesReadsAsOneTaughtFromThePassages) {
  write_later("catalogues/acme.json",
              acme({acme_entry("ACM-7001", "CUSTOMS_FORM_MISSING", "Customs form missing"),
                    acme_entry("ACM-7004", "LABEL_STOCK_LOW", "Label stock low")}));
  update();
  const auto from_kept = taught_from(index());
  {  // the index as one written before it kept the codes
    auto gen = live_generation(index());
    ASSERT_TRUE(gen.ok());
    Xapian::WritableDatabase db(gen->string(), Xapian::DB_OPEN);
    db.set_metadata(std::string(schema::kMetaCatalogueCodesKept), "");
    db.commit();
  }
  const auto from_passages = taught_from(index());
  for (const std::string text :
       {"CUSTOMS_FORM_MISSING", "customs form missing", "label stock low on the printer", "LABEL_STOCK_LOW",
        "Acme Labels error ACM-7004", "ACM-7001 again", "ParcelHub error PH-101", "N1",
        "PRINTER_HEAD_COLD"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(readings(*from_kept, text), readings(*from_passages, text));
  }
  EXPECT_FALSE(readings(*from_kept, "LABEL_STOCK_LOW").empty());
  EXPECT_TRUE(readings(*from_kept, "PRINTER_HEAD_COLD").empty());  // no longer in any catalogue
  const auto a = from_kept->interpret_catalogue_code("Acme Labels", "ACM-7004", "");
  const auto b = from_passages->interpret_catalogue_code("Acme Labels", "ACM-7004", "");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].message, "Label stock low");
  EXPECT_EQ(a[0].message, b[0].message);
  EXPECT_EQ(a[0].name, b[0].name);
}

}  // namespace
}  // namespace errkb::testing
