// Updates restricted to the changed paths and an UpdateCache kept between them (as errkb-indexer
// watch runs them): the same index as a rebuild of the same KB after catalogue entries are added,
// changed and deleted; an update that finds nothing changed commits nothing; a damaged copy of the
// file states only costs time.
#include <filesystem>
#include <fstream>

#include "kb_fixture.h"
#include "store/file_states.h"

namespace errkb::testing {
namespace {

namespace fs = std::filesystem;

std::string acme_catalogue(const std::string& name, const std::string& message) {
  return "{\"vendor\":\"Acme Labels\",\"product\":\"Printing\",\"language\":\"en\",\"errors\":["
         "{\"code\":\"ACM-7001\",\"name\":\"" +
         name + "\",\"severity\":\"Error\",\"message\":\"" + message + "\",\"description\":\"" + message +
         " when a parcel leaves the country.\",\"resolution\":\"Attach it.\"},"
         "{\"code\":\"ACM-7002\",\"name\":\"PRINTER_HEAD_COLD\",\"severity\":\"Warning\",\"message\":"
         "\"Printer head "
         "cold\",\"description\":\"The label printer starts before warming up.\",\"resolution\":\"Wait.\"}]}";
}

std::string customs_article(const std::string& extra) {
  return "---\nid: customs/refused\ntitle: Customs label refused\nlanguage: en\n---\n# Customs label "
         "refused\n\n"
         "## Symptoms\n\nPrinting stops with CUSTOMS_FORM_MISSING or CUSTOMS_DECLARATION_MISSING, code "
         "ACM-7001.\n\n"
         "## Cause\n\nThe customs form missing from the shipment. " +
         extra + "\n\n## Resolution\n\nAttach the declaration.\n";
}

class SmallUpdateTest : public KbFixture {
 protected:
  void SetUp() override {
    KbFixture::SetUp();
    update();
  }

  // An update of `changed` only (relative to the KB folder), with the cache kept between them.
  UpdateReport update_paths(const std::vector<std::string>& changed) {
    IndexerOptions o = options();
    for (const auto& rel : changed) o.only_paths.push_back(kb() / rel);
    auto r = update_index_cached(o, cache_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : UpdateReport{};
  }

  static bool ran_phase(const UpdateReport& r, const std::string& phase) {
    for (const auto& [name, seconds] : r.phases)
      if (name == phase) return true;
    return false;
  }

  // The updated index answers as a rebuild of the KB as it is now: the same hits with the same codes,
  // scores and order, the same code readings and catalogue entries.
  void expect_same_as_rebuild() {
    IndexerOptions o = options();
    o.index_dir = index_->path() / ("rebuilt-" + std::to_string(++rebuilds_));
    ASSERT_TRUE(rebuild_index(o).ok());
    auto updated = engine();
    EngineOptions on_rebuilt;
    on_rebuilt.index_dir = o.index_dir;
    auto rebuilt = Engine::Open(on_rebuilt);
    ASSERT_TRUE(rebuilt.ok() && updated);
    EXPECT_EQ(kept_codes(index()), kept_codes(o.index_dir));  // what the catalogues teach the grammar
    for (const std::string q : {"CUSTOMS_FORM_MISSING", "CUSTOMS_DECLARATION_MISSING", "ACM-7001",
                                "customs form", "printer head cold", "webhook signature", "PH-101"}) {
      SCOPED_TRACE(q);
      EXPECT_EQ(ranking(*updated, q), ranking(**rebuilt, q));
      const auto a = hits(*updated, q), b = hits(**rebuilt, q);
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].codes, b[i].codes) << a[i].id;
      auto codes_a = updated->find_codes(q + " error", ""),
           codes_b = (*rebuilt)->find_codes(q + " error", "");
      ASSERT_TRUE(codes_a.ok() && codes_b.ok());
      ASSERT_EQ(codes_a->size(), codes_b->size());
      for (size_t i = 0; i < codes_a->size(); ++i) {
        const auto &a_reading = (*codes_a)[i].interpretations.front(),
                   &b_reading = (*codes_b)[i].interpretations.front();
        EXPECT_EQ(a_reading.canonical, b_reading.canonical);
        EXPECT_EQ(a_reading.name, b_reading.name);
        EXPECT_EQ(a_reading.message, b_reading.message);
      }
      auto lookup_a = updated->lookup_code(q, ""), lookup_b = (*rebuilt)->lookup_code(q, "");
      ASSERT_EQ(lookup_a.ok(), lookup_b.ok());
      if (lookup_a.ok()) {
        ASSERT_EQ(lookup_a->catalogue_entries.size(), lookup_b->catalogue_entries.size());
        for (size_t i = 0; i < lookup_a->catalogue_entries.size(); ++i)
          EXPECT_EQ(lookup_a->catalogue_entries[i].title, lookup_b->catalogue_entries[i].title);
      }
    }
  }

  UpdateCache cache_;
  int rebuilds_ = 0;
};

TEST_F(SmallUpdateTest, CatalogueEntriesAddedChangedAndDeletedAnswerAsARebuild) {
  ASSERT_TRUE(cache_.prepare(options()).ok());
  write_file(kb() / "catalogues/acme.json", acme_catalogue("CUSTOMS_FORM_MISSING", "Customs form missing"));
  UpdateReport added = update_paths({"catalogues/acme.json"});
  EXPECT_EQ(added.items_added, 2u);
  EXPECT_FALSE(ran_phase(added, "teach grammar"));  // the cache knew the index's catalogues
  write_file(kb() / "articles/customs.md", customs_article(""));
  UpdateReport article = update_paths({"articles/customs.md"});
  EXPECT_EQ(article.items_added, 1u);
  EXPECT_FALSE(ran_phase(article, "teach grammar"));  // an added entry keeps the cache
  expect_same_as_rebuild();

  // A changed message only: the cache still knows the catalogues as the index has them.
  write_file(kb() / "catalogues/acme.json",
             acme_catalogue("CUSTOMS_FORM_MISSING", "Customs paperwork missing"));
  EXPECT_EQ(update_paths({"catalogues/acme.json"}).items_updated, 1u);
  write_file(kb() / "articles/customs.md", customs_article("Changed after the message."));
  EXPECT_FALSE(ran_phase(update_paths({"articles/customs.md"}), "teach grammar"));
  expect_same_as_rebuild();

  write_file(kb() / "catalogues/acme.json",
             acme_catalogue("CUSTOMS_DECLARATION_MISSING", "Customs declaration missing"));
  EXPECT_EQ(update_paths({"catalogues/acme.json"}).items_updated, 1u);
  write_file(kb() / "articles/customs.md", customs_article("Changed once."));
  UpdateReport after_change = update_paths({"articles/customs.md"});
  EXPECT_TRUE(ran_phase(after_change, "teach grammar"));  // a changed entry is taught afresh
  expect_same_as_rebuild();

  fs::remove(kb() / "catalogues/acme.json");
  EXPECT_EQ(update_paths({"catalogues/acme.json"}).items_removed, 2u);
  write_file(kb() / "articles/customs.md", customs_article("Changed twice."));
  update_paths({"articles/customs.md"});
  expect_same_as_rebuild();
}

TEST_F(SmallUpdateTest, AGrammarPreparedBetweenUpdatesIsTheIndexs) {
  write_file(kb() / "catalogues/acme.json", acme_catalogue("CUSTOMS_FORM_MISSING", "Customs form missing"));
  update_paths({"catalogues/acme.json"});
  write_file(kb() / "catalogues/acme.json",
             acme_catalogue("CUSTOMS_DECLARATION_MISSING", "Customs form missing"));
  update_paths({"catalogues/acme.json"});
  ASSERT_TRUE(cache_.prepare(options()).ok());
  write_file(kb() / "articles/customs.md", customs_article(""));
  EXPECT_FALSE(ran_phase(update_paths({"articles/customs.md"}), "teach grammar"));
  expect_same_as_rebuild();
}

TEST_F(SmallUpdateTest, NothingChangedCommitsNothing) {
  const UpdateReport first = update();
  const UpdateReport again = update();
  EXPECT_EQ(again.revision, first.revision);
  EXPECT_EQ(again.passages_written, 0u);
  EXPECT_EQ(again.files_skipped, again.files_seen);
  const UpdateReport unchanged_path = update_paths({"articles/dns/domain.md", "articles/never-written.md"});
  EXPECT_EQ(unchanged_path.revision, first.revision);
  EXPECT_EQ(unchanged_path.files_skipped, 1u);
  EXPECT_EQ(unchanged_path.items_removed, 0u);
}

TEST_F(SmallUpdateTest, ADamagedCopyOfTheFileStatesIsReadFromTheMetadata) {
  auto gen = live_generation(index());
  ASSERT_TRUE(gen.ok());
  ASSERT_TRUE(fs::exists(*gen / "file_states.dat"));
  {
    std::fstream f(*gen / "file_states.dat", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.write("garbage", 7);
  }
  { std::ofstream(kb() / "articles/dns/domain.md", std::ios::app) << "\nThe record was edited.\n"; }
  const UpdateReport r = update();
  EXPECT_EQ(r.items_updated, 1u);
  EXPECT_EQ(r.files_skipped, r.files_seen - 1);
  EXPECT_EQ(r.items_removed, 0u);
  const UpdateReport again = update();
  EXPECT_EQ(again.files_skipped, again.files_seen);
  EXPECT_EQ(again.revision, r.revision);
}

TEST_F(SmallUpdateTest, AMovedFileKeepsItsItemAndADeletedFolderLosesItsItems) {
  fs::rename(kb() / "articles/dns/domain.md", kb() / "articles/dns/moved.md");
  const UpdateReport moved = update_paths({"articles/dns/domain.md", "articles/dns/moved.md"});
  EXPECT_EQ(moved.items_removed, 0u);
  auto e = engine();
  ASSERT_EQ(doc_ids(*e, "CNAME"), std::vector<std::string>{"dns/domain"});
  fs::remove_all(kb() / "articles/dns");
  EXPECT_EQ(update_paths({"articles/dns"}).items_removed, 1u);
  EXPECT_TRUE(doc_ids(*e, "CNAME").empty());
  const UpdateReport full = update();
  EXPECT_EQ(full.files_skipped, full.files_seen);  // the same as an update of the whole KB finds
  EXPECT_EQ(full.items_removed, 0u);
}

// A batch that reads a catalogue looks for its new entries in the catalogue files it does not read:
// the file first in the listing's order keeps an entry, the other's error names it, as in a rebuild.
TEST_F(SmallUpdateTest, AnEntryNewToACatalogueOfABatchGoesToTheFileListedFirst) {
  write_later("catalogues/zz-late.json",
              catalogue({{"PH-101", "Zebraquokka late copy"}, {"PH-777", "Late own"}}));
  const UpdateReport late = update_paths({"catalogues/zz-late.json"});
  ASSERT_EQ(late.errors.size(), 1u);
  EXPECT_EQ(late.errors[0].to_string(),
            "catalogues/zz-late.json: entry parcelhub:PH-101 is also defined in catalogues/parcelhub.json, "
            "whose definition is indexed");
  EXPECT_TRUE(doc_ids(*engine(), "zebraquokka").empty());
  expect_same_as_rebuild();

  write_later("catalogues/aa-early.json", catalogue({{"PH-102", "Wombatquill early copy"}}));
  const UpdateReport early = update_paths({"catalogues/aa-early.json"});
  ASSERT_EQ(early.errors.size(), 1u);
  EXPECT_EQ(early.errors[0].to_string(),
            "catalogues/parcelhub.json: entry parcelhub:PH-102 is also defined in catalogues/aa-early.json, "
            "whose definition is indexed");
  EXPECT_EQ(doc_ids(*engine(), "wombatquill"), std::vector<std::string>{"parcelhub:PH-102"});
  expect_same_as_rebuild();
  // parcelhub.json, incomplete, is read again by the next update of the whole KB, which says so again.
  const UpdateReport full = update();
  ASSERT_EQ(full.errors.size(), 2u);
  expect_same_as_rebuild();
}

// Signatures kept beside the items let an update skip looking each item of a file it reads up in the
// index; an index whose states keep none (written before they were kept) updates as it did.
TEST_F(SmallUpdateTest, AStateWithoutItemSignaturesUpdatesAsOneWithThem) {
  auto gen = live_generation(index());
  ASSERT_TRUE(gen.ok());
  const std::string catalogue = (kb() / "catalogues/parcelhub.json").string();
  {
    Xapian::WritableDatabase db(gen->string(), Xapian::DB_OPEN);
    store::FileState state;
    ASSERT_TRUE(store::decode_file_state(db.get_metadata(store::file_state_key(catalogue)), state));
    ASSERT_FALSE(state.items.empty());
    ASSERT_EQ(state.signatures.size(), state.items.size());
    for (const auto& s : state.signatures) EXPECT_EQ(s.size(), 16u);
    state.signatures.clear();
    db.set_metadata(store::file_state_key(catalogue), store::encode_file_state(state));
    db.commit();
  }
  fs::remove(*gen / "file_states.dat");
  std::string text;
  {
    std::ifstream in(catalogue);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t at = text.find("\"message\":\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 11, "Edited: ");
  write_later("catalogues/parcelhub.json", text);
  const UpdateReport without = update();
  EXPECT_EQ(without.items_updated, 1u);
  EXPECT_EQ(without.items_removed, 0u);
  EXPECT_GT(without.items_unchanged, 0u);
  // The states it wrote keep the signatures again: the next change is found by them alike.
  text.insert(at + 11, "Again: ");
  write_later("catalogues/parcelhub.json", text);
  const UpdateReport with = update();
  EXPECT_EQ(with.items_updated, 1u);
  EXPECT_EQ(with.items_unchanged, without.items_unchanged);
  expect_same_as_rebuild();
  store::FileState state;
  Xapian::Database db(live_generation(index())->string());
  ASSERT_TRUE(store::decode_file_state(db.get_metadata(store::file_state_key(catalogue)), state));
  EXPECT_EQ(state.signatures.size(), state.items.size());
}

}  // namespace
}  // namespace errkb::testing
