// Bounded matching of prose queries (store/scan_plan.h) on a real glass database: which passes a query
// gets for its word frequencies, and which docids the sampled pass can reach.
#include "store/scan_plan.h"

#include <gtest/gtest.h>

#include <set>

#include "test_util.h"

namespace errkb::store {
namespace {

using errkb::testing::TempDir;

// 1000 documents: "common" in all, "mid" in every 10th, "rare" in every 200th, "none" nowhere.
class ScanPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Xapian::WritableDatabase db((dir_ / "db").string(), Xapian::DB_CREATE_OR_OVERWRITE);
    for (int i = 1; i <= 1000; ++i) {
      Xapian::Document doc;
      doc.add_term("common");
      if (i % 10 == 0) doc.add_term("mid");
      if (i % 200 == 0) doc.add_term("rare");
      db.add_document(doc);
    }
    db.commit();
    db_ = Xapian::Database((dir_ / "db").string());
  }

  static Xapian::Query any(std::initializer_list<const char*> words) {
    std::vector<Xapian::Query> parts;
    for (const char* w : words) parts.emplace_back(w);
    return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
  }

  std::set<Xapian::docid> matches(const Xapian::Query& q) const {
    Xapian::Enquire enquire(db_);
    enquire.set_query(q);
    Xapian::MSet mset = enquire.get_mset(0, 10000);
    std::set<Xapian::docid> out;
    for (auto it = mset.begin(); it != mset.end(); ++it) out.insert(*it);
    return out;
  }

  TempDir dir_{"errkb-scan-plan"};
  Xapian::Database db_;
  TermFreqs freqs_;
};

TEST_F(ScanPlanTest, QueryWithinBudgetRunsAsItIs) {
  ProseScanPlan plan = plan_prose_scan(db_, freqs_, any({"common", "rare"}), 10, 1005);
  ASSERT_EQ(plan.passes.size(), 1u);
  EXPECT_TRUE(plan.exact);
  EXPECT_EQ(plan.passes[0].share, 1.0);
  EXPECT_EQ(matches(plan.passes[0].query).size(), 1000u);
}

// Beyond the budget the plan estimates the whole query's matches from the word frequencies: "mid"
// (every 10th) or "rare" (every 200th, all of them also "mid") match 100 of the 1000.
TEST_F(ScanPlanTest, EstimatesMatchesWithoutScanning) {
  ProseScanPlan plan = plan_prose_scan(db_, freqs_, any({"mid", "rare"}), 10, 50);
  EXPECT_FALSE(plan.exact);
  EXPECT_NEAR(static_cast<double>(plan.estimated_matches), 100.0, 10.0);
  ProseScanPlan all = plan_prose_scan(db_, freqs_, any({"common", "none"}), 10, 100);
  EXPECT_EQ(all.estimated_matches, 1000u);
}

TEST_F(ScanPlanTest, RareWordsAloneWhenTheyMatchEnough) {
  // common (1000) does not fit a budget of 200; mid (100) and rare (5) do.
  ProseScanPlan plan = plan_prose_scan(db_, freqs_, any({"common", "mid", "rare"}), 50, 200);
  ASSERT_EQ(plan.passes.size(), 1u);
  EXPECT_FALSE(plan.exact);
  std::set<Xapian::docid> got = matches(plan.passes[0].query);
  EXPECT_EQ(got.size(), 100u);  // every 10th: mid's, which include rare's
  EXPECT_TRUE(got.count(200));
}

TEST_F(ScanPlanTest, FewRareMatchesAreToppedUpBySampling) {
  // rare fits a budget of 100 (mid does not: 5 + 100 > 100) but matches 5 < 20 wanted.
  ProseScanPlan plan = plan_prose_scan(db_, freqs_, any({"common", "mid", "rare"}), 20, 100);
  ASSERT_EQ(plan.passes.size(), 2u);
  EXPECT_EQ(matches(plan.passes[0].query), (std::set<Xapian::docid>{200, 400, 600, 800, 1000}));
  EXPECT_LT(plan.passes[1].share, 1.0);
  std::set<Xapian::docid> sampled = matches(plan.passes[1].query);
  EXPECT_GT(sampled.size(), 0u);
  EXPECT_LE(sampled.size(), 100u);  // about the budget's share of the 1000 documents, window rounding aside
}

TEST_F(ScanPlanTest, AllCommonWordsAreSampledAcrossTheWholeIndex) {
  ProseScanPlan plan = plan_prose_scan(db_, freqs_, any({"common", "none"}), 10, 100);
  ASSERT_EQ(plan.passes.size(), 1u);  // "none" matches nothing: no rare pass
  EXPECT_NEAR(plan.passes[0].share, 0.1 / kWindowedPostingCost, 1e-9);
  std::set<Xapian::docid> sampled = matches(plan.passes[0].query);
  EXPECT_GE(sampled.size(), 40u);
  EXPECT_LE(sampled.size(), 100u);
  EXPECT_LT(*sampled.begin(), 20u);    // from the start ...
  EXPECT_GT(*sampled.rbegin(), 900u);  // ... to the end of the docid range
}

TEST(DocidWindows, AcceptsTheStartOfEachWindow) {
  DocidWindows w(100, 0.2, 10);  // windows of 10 docids, the first 2 of each
  w.init(Xapian::Database());
  std::vector<Xapian::docid> seen;
  for (w.next(0); !w.at_end(); w.next(0)) seen.push_back(w.get_docid());
  std::vector<Xapian::docid> want;
  for (Xapian::docid start = 1; start <= 100; start += 10) {
    want.push_back(start);
    want.push_back(start + 1);
  }
  EXPECT_EQ(seen, want);
  EXPECT_EQ(w.get_termfreq_max(), 20u);

  DocidWindows s(100, 0.2, 10);
  s.init(Xapian::Database());
  s.skip_to(5, 0);  // inside window 1's cut: on to window 2
  EXPECT_EQ(s.get_docid(), 11u);
  s.skip_to(12, 0);
  EXPECT_EQ(s.get_docid(), 12u);
  s.skip_to(3, 0);  // never backwards
  EXPECT_EQ(s.get_docid(), 12u);
  s.skip_to(95, 0);
  EXPECT_TRUE(s.at_end());
}

TEST(DocidWindows, UnevenLastWindow) {
  DocidWindows w(25, 0.5, 3);  // windows of 9: 1-9, 10-18, 19-25; the first 5 of each
  w.init(Xapian::Database());
  std::vector<Xapian::docid> seen;
  for (w.next(0); !w.at_end(); w.next(0)) seen.push_back(w.get_docid());
  EXPECT_EQ(seen, (std::vector<Xapian::docid>{1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 19, 20, 21, 22, 23}));
  EXPECT_EQ(w.get_termfreq_max(), 15u);
}

}  // namespace
}  // namespace errkb::store
