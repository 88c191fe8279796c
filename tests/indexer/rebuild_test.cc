#include <atomic>
#include <chrono>
#include <thread>

#include "kb_fixture.h"
#include "errkb/schema.h"

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

// Ranking reads each candidate's rank record from memory once a background loader has read the
// generation's value stream; before that, from the index. Both must rank alike, also after an update
// left gaps in the docids.
TEST_F(Rebuild, RankRecordsReadFromMemoryRankAsFromTheIndex) {
  update();
  write_file(kb() / "articles/dns/domain.md",
             "---\nid: dns/domain\ntitle: Custom domain does not resolve\nlanguage: en\nvendor: ShopFlow\n---\n"
             "# Custom domain\n\n## Cause\n\nThe apex A record was deleted at the registrar.\n");
  update();  // the old passage's docid is gone, the new one comes after the others
  auto open = [&](bool in_memory) {
    EngineOptions o;
    o.rank_records_in_memory = in_memory;
    return engine(o);
  };
  auto from_index = open(false), from_memory = open(true);
  ASSERT_TRUE(from_index && from_memory);
  auto ranking = [](Engine& e, const std::string& q) {
    std::vector<std::string> rows;
    for (const auto& h : hits(e, q))
      rows.push_back(h.id + "|" + std::to_string(h.score) + "|" + h.vendor + "|" + h.language + "|" + h.kind);
    return rows;
  };
  const std::vector<std::string> queries = {"custom domain record", "webhook signature secret", "SF-3104", "domain"};
  ASSERT_FALSE(ranking(*from_memory, queries[0]).empty());  // starts the loader
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a four-item index loads in well under that
  for (const auto& q : queries) EXPECT_EQ(ranking(*from_memory, q), ranking(*from_index, q)) << q;
}

// Which query words a candidate contains is read from bitsets for the commonest words once they are
// loaded (store/common_terms.h), else from the posting lists: both must rank alike. Here every word
// of the KB gets a bitset.
TEST_F(Rebuild, CommonWordBitsetsRankAsPostingLists) {
  update();
  auto open = [&](size_t bits_bytes) {
    EngineOptions o;
    o.common_term_bits_bytes = bits_bytes;
    o.common_term_min_postings = 1;
    return engine(o);
  };
  auto from_lists = open(0), from_bits = open(size_t{1} << 20);
  ASSERT_TRUE(from_lists && from_bits);
  ASSERT_TRUE(wait_warm(*from_bits));
  for (const std::string q : {"custom domain record", "webhook signature secret", "PH-101 address", "domain not resolve",
                              "address rejected weight limit", "cname record host"}) {
    ASSERT_FALSE(ranking(*from_lists, q).empty()) << q;
    EXPECT_EQ(ranking(*from_bits, q), ranking(*from_lists, q)) << q;
  }
  expect_same_diagnosis(*from_lists, *from_bits,
                        "the custom domain does not resolve, the CNAME record and the webhook signature");
}

// Prose queries and the code pass are matched over the in-memory posting lists once they are loaded
// (store/postings_in_memory.h), else through Xapian: both must rank alike, whether the plan is exact or,
// with a budget of a few postings, the rarer words' pass and the sampled pass; with synonym groups and
// with the request's filters too.
TEST_F(Rebuild, ProseListsInMemoryRankAsXapian) {
  write_file(kb() / "synonyms.txt", "domain: record, cname\nwebhook: signature\n");
  update();
  auto open = [&](size_t postings_bytes, uint64_t budget) {
    EngineOptions o;
    o.prose_postings_bytes = postings_bytes;
    o.prose_scan_budget = budget;
    return engine(o);
  };
  for (uint64_t budget : {uint64_t{0}, uint64_t{4}}) {
    auto through_xapian = open(0, budget), in_memory = open(size_t{1} << 30, budget);
    ASSERT_TRUE(through_xapian && in_memory);
    ASSERT_TRUE(wait_warm(*in_memory));
    for (const std::string q : {"custom domain record", "webhook signature secret", "PH-101 address",
                                "domain not resolve", "address rejected weight limit", "cname record host",
                                "domain domain record", "domain signature", "vendor:parcelhub address"}) {
      ASSERT_FALSE(ranking(*through_xapian, q).empty()) << q;
      EXPECT_EQ(ranking(*in_memory, q), ranking(*through_xapian, q)) << q << " budget " << budget;
    }
    expect_same_diagnosis(*through_xapian, *in_memory,
                          "the custom domain does not resolve, the CNAME record and the webhook signature");
    const std::vector<SearchRequest> filters = {
        {.vendor = "ParcelHub"}, {.kind = "catalogue"}, {.vendor = "shopflow", .kind = "article"},
        {.vendor = "ParcelHub", .product = "labels"}, {.vendor = "nosuchvendor"}};
    for (const auto& filter : filters)
      for (const std::string q :
           {"PH-101 address", "address rejected weight limit", "domain record webhook", "SF-3104"})
        EXPECT_EQ(ranking(*in_memory, q, filter), ranking(*through_xapian, q, filter))
            << q << " vendor " << filter.vendor << " kind " << filter.kind << " budget " << budget;
    EXPECT_FALSE(ranking(*in_memory, "PH-101 address", filters[0]).empty());
    expect_same_diagnosis(*through_xapian, *in_memory, "PH-101: the address is rejected, weight over the limit",
                          {.vendor = "ParcelHub"});
    expect_same_diagnosis(*through_xapian, *in_memory, "the custom domain does not resolve", {.vendor = "ShopFlow"});
  }
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
