#include <thread>

#include "kb_fixture.h"
#include "store/index_dir.h"

namespace errkb::testing {

class UpdateProtocol : public KbFixture {};

TEST_F(UpdateProtocol, FirstRunAddsEverythingSecondRunSkipsUnchanged) {
  UpdateReport first = update();
  EXPECT_EQ(first.items_added, 4u);  // two articles, two catalogue entries
  EXPECT_TRUE(first.errors.empty());
  UpdateReport second = update();
  EXPECT_EQ(second.items_added, 0u);
  EXPECT_EQ(second.items_updated, 0u);
  EXPECT_EQ(second.files_skipped, 3u);
  EXPECT_EQ(second.items_unchanged, 4u);
  // Nothing changed, so nothing was committed: servers have no new revision to reopen.
  EXPECT_EQ(second.revision, first.revision);
  auto e = engine();
  EXPECT_TRUE(contains(doc_ids(*e, "CNAME old host"), "dns/domain"));
}

TEST_F(UpdateProtocol, ChangedItemIsReplacedNotDuplicated) {
  update();
  write_later(
      "articles/dns/domain.md",
      "---\nid: dns/domain\ntitle: Custom domain does not resolve\nlanguage: en\n---\n"
      "# Custom domain does not resolve\n\n## Cause\n\nThe registrar nameservers were never delegated.\n");
  UpdateReport r = update();
  EXPECT_EQ(r.items_updated, 1u);
  EXPECT_EQ(r.items_added, 0u);
  auto e = engine();
  auto ids = doc_ids(*e, "nameservers delegated registrar");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "dns/domain"), 1);
  EXPECT_FALSE(contains(doc_ids(*e, "CNAME"), "dns/domain"));
}

// An update writes a changed item's passages over its old documents: when the article gains causes the
// new ones are added, when it loses some the documents left over are gone, and each passage answers
// with its own text.
TEST_F(UpdateProtocol, AnItemThatGainsOrLosesPassagesAnswersAsItsNewText) {
  update();
  auto article = [](const std::vector<std::string>& causes) {
    std::string text =
        "---\nid: dns/domain\ntitle: Custom domain does not resolve\nlanguage: en\n---\n"
        "# Custom domain does not resolve\n\n";
    for (size_t i = 0; i < causes.size(); ++i)
      text += "## Cause " + std::to_string(i + 1) + ": " + causes[i] + "\n\nThe " + causes[i] + ".\n\n";
    return text;
  };
  auto passages_of = [&](const std::string& q) {
    std::vector<std::string> ids;
    auto e = engine();
    for (const auto& h : hits(*e, q))
      if (h.doc_id == "dns/domain") ids.push_back(h.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  write_later("articles/dns/domain.md",
              article({"registrar nameservers never delegated", "stale glue record at the registry",
                       "wildcard record shadows the apex"}));
  EXPECT_EQ(update().items_updated, 1u);
  EXPECT_EQ(passages_of("nameservers glue wildcard"),
            (std::vector<std::string>{"dns/domain#1", "dns/domain#2", "dns/domain#3"}));
  EXPECT_EQ(passages_of("wildcard apex"), (std::vector<std::string>{"dns/domain#3"}));

  write_later("articles/dns/domain.md", article({"expired domain parked by the registrar"}));
  EXPECT_EQ(update().items_updated, 1u);
  EXPECT_EQ(passages_of("expired parked registrar"), (std::vector<std::string>{"dns/domain#1"}));
  EXPECT_TRUE(passages_of("glue wildcard apex nameservers").empty());
}

TEST_F(UpdateProtocol, ArticleChangedAloneReadsTheCodesOfIndexedCatalogues) {
  update();
  // Only the article changes: the catalogue is not read again, so its codes must come from the index.
  write_later(
      "articles/labels/refused.md",
      "---\nid: labels/refused\ntitle: Carrier refuses the parcel label\nlanguage: en\n---\n"
      "# Carrier refuses the parcel label\n\n## Cause\n\nThe label request fails with PH-102 when the "
      "declared weight is above the service maximum.\n");
  UpdateReport r = update();
  EXPECT_EQ(r.items_added, 1u);
  EXPECT_EQ(r.files_skipped, 3u);
  auto e = engine();
  bool found = false;
  for (const auto& h : hits(*e, "carrier refuses label"))
    if (h.doc_id == "labels/refused") {
      found = true;
      EXPECT_TRUE(contains(h.codes, "parcelhub:ph-102")) << ::testing::PrintToString(h.codes);
    }
  EXPECT_TRUE(found);
}

TEST_F(UpdateProtocol, DeletedFileAndDeletedCatalogueEntryAreRemoved) {
  update();
  auto e = engine();
  EXPECT_TRUE(contains(doc_ids(*e, "weight over limit"), "parcelhub:PH-102"));
  std::filesystem::remove(kb() / "articles/dns/domain.md");
  write_file(kb() / "catalogues/parcelhub.json", catalogue({{"PH-101", "Address rejected"}}));
  UpdateReport r = update();
  EXPECT_EQ(r.items_removed, 2u);
  e->invalidate();
  EXPECT_FALSE(contains(doc_ids(*e, "weight over limit"), "parcelhub:PH-102"));
  EXPECT_FALSE(contains(doc_ids(*e, "CNAME old host"), "dns/domain"));
  EXPECT_TRUE(contains(doc_ids(*e, "address rejected"), "parcelhub:PH-101"));
}

TEST_F(UpdateProtocol, MalformedNewVersionKeepsTheOldOne) {
  update();
  // Broken JSON: the catalogue cannot be read; its indexed entries must stay.
  write_later("catalogues/parcelhub.json", "{\"vendor\":\"ParcelHub\",\"errors\":[{\"code\":");
  UpdateReport r = update();
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors.front().to_string().find("catalogues/parcelhub.json"), std::string::npos);
  EXPECT_EQ(r.items_removed, 0u);
  EXPECT_EQ(r.items_kept_after_error, 2u);
  auto e = engine();
  EXPECT_TRUE(contains(doc_ids(*e, "weight over limit"), "parcelhub:PH-102"));
}

TEST_F(UpdateProtocol, RebuildCopiesTheItemsOfAFileItCannotReadWithTheirPassages) {
  update();
  write_later("catalogues/parcelhub.json", "{\"vendor\":\"ParcelHub\",\"errors\":[{\"code\":");
  auto r = rebuild_index(options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->items_kept_after_error, 2u);
  // Shown from the new generation's passage file: the copies point into it, not into the old one's.
  auto e = engine();
  EXPECT_TRUE(contains(doc_ids(*e, "weight over limit"), "parcelhub:PH-102"));
  auto lookup = e->lookup_code("PH-102", "parcelhub");
  ASSERT_TRUE(lookup.ok()) << lookup.status().ToString();
  ASSERT_FALSE(lookup->interpretations.empty());
  // The catalogue entry itself, decoded from its copied record.
  ASSERT_EQ(lookup->catalogue_entries.size(), 1u);
  EXPECT_EQ(lookup->catalogue_entries.front().doc_id, "parcelhub:PH-102");
}

TEST_F(UpdateProtocol, StrictModeLeavesIndexUntouched) {
  update();
  write_later("articles/new.md", "---\nid: [unclosed\n---\nbody\n");
  std::filesystem::remove(kb() / "articles/dns/domain.md");
  auto r = update_index(options(/*strict=*/true));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("strict"), std::string::npos);
  auto e = engine();
  EXPECT_TRUE(contains(doc_ids(*e, "CNAME old host"), "dns/domain"));
}

TEST_F(UpdateProtocol, SecondWriterGetsALockedMessage) {
  update();
  {
    // Another writer holds the lock (as a running rebuild would): both commands are refused, by name.
    auto held = store::WriterLock::Acquire(options().index_dir, "rebuild");
    ASSERT_TRUE(held.ok()) << held.status().ToString();
    for (auto run : {&update_index, &rebuild_index}) {
      auto r = run(options(), {});
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), Status::Code::kLocked);
      EXPECT_NE(
          r.status().message().find("is locked by pid " + std::to_string(::getpid()) + " (rebuild, started "),
          std::string::npos)
          << r.status().message();
    }
  }
  // Released: the next writer goes ahead.
  EXPECT_TRUE(update_index(options()).ok());
}

TEST_F(UpdateProtocol, BadArgumentsAreReportedNotThrown) {
  IndexerOptions o = options();
  o.kb_dirs = {kb() / "does-not-exist"};
  auto r = update_index(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(Engine::Open({index() / "nothing-here", nullptr}).ok());
}

}  // namespace errkb::testing
