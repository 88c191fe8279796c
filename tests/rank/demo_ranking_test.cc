// Ranking expectations as data: tests/rank/cases.tsv, one case a line:
//   endpoint <TAB> query <TAB> vendor <TAB> expected doc id <TAB> within top N <TAB> note
// endpoint is "search" (hits' doc_id) or "diagnose" (the evidence doc ids of the causes, in order).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "errkb/engine.h"
#include "errkb/indexer.h"
#include "test_util.h"

namespace errkb::testing {

class DemoKb : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("errkb-demo");
    IndexerOptions o;
    o.kb_dirs = {source_path("data")};
    o.index_dir = dir_->path() / "index";
    auto r = rebuild_index(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    report_ = new UpdateReport(*r);
    auto e = Engine::Open({o.index_dir, nullptr});
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = e->release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete report_;
    delete dir_;
  }
  static TempDir* dir_;
  static Engine* engine_;
  static UpdateReport* report_;
};
TempDir* DemoKb::dir_ = nullptr;
Engine* DemoKb::engine_ = nullptr;
UpdateReport* DemoKb::report_ = nullptr;

TEST_F(DemoKb, IndexesTheWholeDemoKbWithoutErrors) {
  ASSERT_NE(report_, nullptr);
  for (const auto& e : report_->errors) ADD_FAILURE() << e.to_string();
  EXPECT_GE(report_->items_added, 100u);  // 40+ articles, 30+ threads, 30+ catalogue entries
}

TEST_F(DemoKb, ACodeQueryMarksTheCodeInItsEvidencesSnippets) {
  ASSERT_NE(engine_, nullptr);
  DiagnoseRequest r;
  r.text = "webhook fails: SF-3104 after deploy";
  auto d = engine_->diagnose(r);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  size_t marked = 0;
  for (const auto& c : d->causes)
    for (const auto& e : c.evidence) marked += e.snippet.find("<mark>SF-3104</mark>") != std::string::npos;
  EXPECT_GT(marked, 0u);
}

TEST_F(DemoKb, ACatalogueCodesMeaningIsItsMessageNotItsCauses) {
  ASSERT_NE(engine_, nullptr);
  auto lookup = engine_->lookup_code("SF-3104", "");
  ASSERT_TRUE(lookup.ok()) << lookup.status().ToString();
  ASSERT_FALSE(lookup->interpretations.empty());
  EXPECT_EQ(lookup->interpretations.front().message, "The webhook signature did not match the payload.");
  EXPECT_EQ(lookup->interpretations.front().name, "WEBHOOK_SIGNATURE_MISMATCH");
  // The catalogue entry's resolution text is its resolution.
  DiagnoseRequest r;
  r.code = "PH-101";
  auto d = engine_->diagnose(r);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  bool catalogue_resolution = false;
  for (const auto& c : d->causes)
    for (const auto& fix : c.resolutions)
      catalogue_resolution = catalogue_resolution || fix.find("create the label again") != std::string::npos;
  EXPECT_TRUE(catalogue_resolution);
}

TEST_F(DemoKb, RankingCasesFromDataFile) {
  ASSERT_NE(engine_, nullptr);
  std::ifstream in(source_path("tests/rank/cases.tsv"));
  ASSERT_TRUE(in) << "tests/rank/cases.tsv missing";
  std::string line;
  int line_no = 0, cases = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    ASSERT_GE(cols.size(), 5u) << "cases.tsv:" << line_no << ": expected 5+ tab-separated columns";
    const std::string& endpoint = cols[0];
    size_t within = std::stoul(cols[4]);
    std::vector<std::string> got;
    if (endpoint == "search") {
      SearchRequest r;
      r.q = cols[1];
      r.vendor = cols[2];
      r.limit = 10;
      auto resp = engine_->search(r);
      ASSERT_TRUE(resp.ok()) << "cases.tsv:" << line_no << ": " << resp.status().ToString();
      for (const auto& h : resp->hits) got.push_back(h.doc_id);
    } else {
      DiagnoseRequest r;
      r.text = cols[1];
      r.vendor = cols[2];
      auto resp = engine_->diagnose(r);
      ASSERT_TRUE(resp.ok()) << "cases.tsv:" << line_no << ": " << resp.status().ToString();
      for (const auto& c : resp->causes)
        for (const auto& ev : c.evidence) got.push_back(ev.doc_id);
    }
    ++cases;
    auto pos = std::find(got.begin(), got.end(), cols[3]);
    bool ok = pos != got.end() && static_cast<size_t>(pos - got.begin()) < within;
    std::string seen;
    for (size_t i = 0; i < got.size() && i < 5; ++i) seen += (i ? ", " : "") + got[i];
    EXPECT_TRUE(ok) << "cases.tsv:" << line_no << ": " << endpoint << " '" << cols[1] << "' expected "
                    << cols[3] << " in top " << within << ", got [" << seen << "]";
  }
  EXPECT_GE(cases, 20);
}

}  // namespace errkb::testing
