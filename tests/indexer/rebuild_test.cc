#include <atomic>
#include <thread>

#include "errkb/schema.h"
#include "kb_fixture.h"

namespace errkb::testing {

class Rebuild : public KbFixture {};

TEST_F(Rebuild, ReadersKeepWorkingDuringTheSwitchAndSeeTheNewIndexAfter) {
  update();
  auto reader = engine();
  ASSERT_TRUE(contains(doc_ids(*reader, "CNAME old host"), "dns/domain"));

  write_file(kb() / "articles/dns/domain.md",
             "---\nid: dns/domain\ntitle: Custom domain does not resolve\nlanguage: en\n---\n"
             "# Custom domain\n\n## Cause\n\nThe apex A record was deleted at the registrar.\n");
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, queries{0};
  std::thread querying([&] {
    while (!stop) {
      SearchRequest r;
      r.q = "custom domain";
      auto resp = reader->search(r);
      if (!resp.ok() || resp->hits.empty()) ++failures;
      ++queries;
    }
  });
  auto rebuilt = rebuild_index(options());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  stop = true;
  querying.join();
  EXPECT_EQ(failures.load(), 0) << "of " << queries.load() << " queries during the rebuild";
  EXPECT_GT(queries.load(), 0);

  // The reader opened before the switch now answers from the new generation.
  EXPECT_TRUE(contains(doc_ids(*reader, "apex record deleted registrar"), "dns/domain"));
  EXPECT_FALSE(contains(doc_ids(*reader, "CNAME old host"), "dns/domain"));
  auto fresh = engine();
  EXPECT_TRUE(contains(doc_ids(*fresh, "apex record deleted registrar"), "dns/domain"));
}

TEST_F(Rebuild, FailedRebuildLeavesTheOldIndexServing) {
  update();
  write_file(kb() / "articles/broken.md", "---\ntitle: [unclosed\n---\n# x\n");
  auto r = rebuild_index(options(/*strict=*/true));
  ASSERT_FALSE(r.ok());
  auto e = engine();
  EXPECT_TRUE(contains(doc_ids(*e, "CNAME old host"), "dns/domain"));
  // Only the live generation (and at most one previous) remain; no half-built directories.
  int generations = 0;
  for (const auto& entry : std::filesystem::directory_iterator(index())) {
    std::string name = entry.path().filename().string();
    EXPECT_EQ(name.rfind("rebuild-", 0), std::string::npos) << name;
    if (name.rfind("gen-", 0) == 0) ++generations;
  }
  EXPECT_GE(generations, 1);
  EXPECT_LE(generations, 2);
}

TEST_F(Rebuild, RebuildIndexesAllKindsAndCodesAreSearchable) {
  auto r = rebuild_index(options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->items_added, 4u);
  auto e = engine();
  // The article declares SF-3104 in its front matter: every spelling of the code finds it.
  EXPECT_TRUE(contains(doc_ids(*e, "SF-3104"), "webhooks/signature"));
  EXPECT_TRUE(contains(doc_ids(*e, "webhook fails: SF-3104 after deploy"), "webhooks/signature"));
  auto info = e->info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->schema_version, schema::kSchemaVersion);
  EXPECT_EQ(info->documents, 4u);
}

// A query word finds the passages that use its synonyms (synonyms.txt) in the word's exact form as
// well as inflected: the query parser looks the unstemmed word up first and takes its synonyms as they
// are, and the index holds prose as Z-stems only.
TEST_F(Rebuild, SynonymsFindPassagesThatUseTheOtherWord) {
  write_file(kb() / "synonyms.txt", "declined: refused\n");
  write_file(kb() / "articles/payments/card.md",
             "---\nid: payments/card\ntitle: Card payment fails\nlanguage: en\n---\n# Card payment fails\n\n"
             "## Cause\n\nThe bank refused the charge.\n");
  update();
  auto e = engine();
  ASSERT_TRUE(e);
  for (const std::string q : {"declined", "charge declined", "declining"})
    EXPECT_TRUE(contains(doc_ids(*e, q), "payments/card")) << q;
  EXPECT_FALSE(contains(doc_ids(*e, "accepted"), "payments/card"));
}

}  // namespace errkb::testing
