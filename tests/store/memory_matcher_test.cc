// The candidate search over in-memory tables (store/match/, store/generation.h) against the same
// search through Xapian's posting lists and value slots: every table loaded in memory must rank exactly
// as the index does. Each test waits until the engine's tables are loaded (Engine::info().warm), so
// that it compares the two ways and not the index with itself.
#include <string>
#include <vector>

#include "indexer/kb_fixture.h"

namespace errkb::testing {

class MemoryMatcher : public KbFixture {};

// Ranking reads each candidate's rank record from memory once a background loader has read the
// generation's value stream; before that, from the index. Both must rank alike, also after an update
// left gaps in the docids.
TEST_F(MemoryMatcher, RankRecordsReadFromMemoryRankAsFromTheIndex) {
  update();
  write_file(
      kb() / "articles/dns/domain.md",
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
  const std::vector<std::string> queries = {"custom domain record", "webhook signature secret", "SF-3104",
                                            "domain"};
  ASSERT_FALSE(ranking(*from_memory, queries[0]).empty());
  ASSERT_TRUE(wait_warm(*from_memory));  // the records are in memory: what follows compares the two ways
  for (const auto& q : queries) EXPECT_EQ(ranking(*from_memory, q), ranking(*from_index, q)) << q;
}

// Which query words a candidate contains is read from bitsets for the commonest words once they are
// loaded (store/common_terms.h), else from the posting lists: both must rank alike. Here every word
// of the KB gets a bitset.
TEST_F(MemoryMatcher, CommonWordBitsetsRankAsPostingLists) {
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
  for (const std::string q : {"custom domain record", "webhook signature secret", "PH-101 address",
                              "domain not resolve", "address rejected weight limit", "cname record host"}) {
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
TEST_F(MemoryMatcher, ProseListsInMemoryRankAsXapian) {
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
    const std::vector<SearchRequest> filters = {{.vendor = "ParcelHub"},
                                                {.kind = "catalogue"},
                                                {.vendor = "shopflow", .kind = "article"},
                                                {.vendor = "ParcelHub", .product = "labels"},
                                                {.vendor = "nosuchvendor"}};
    for (const auto& filter : filters)
      for (const std::string q :
           {"PH-101 address", "address rejected weight limit", "domain record webhook", "SF-3104"})
        EXPECT_EQ(ranking(*in_memory, q, filter), ranking(*through_xapian, q, filter))
            << q << " vendor " << filter.vendor << " kind " << filter.kind << " budget " << budget;
    EXPECT_FALSE(ranking(*in_memory, "PH-101 address", filters[0]).empty());
    expect_same_diagnosis(*through_xapian, *in_memory,
                          "PH-101: the address is rejected, weight over the limit", {.vendor = "ParcelHub"});
    expect_same_diagnosis(*through_xapian, *in_memory, "the custom domain does not resolve",
                          {.vendor = "ShopFlow"});
  }
}

}  // namespace errkb::testing
