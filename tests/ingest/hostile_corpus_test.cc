// The hostile KB corpus (tests/fixtures/hostile: expected.tsv says what each file must come to) met by
// `errkb-indexer update`, by `errkb-indexer rebuild`, and by the reindex jobs of a running server:
// every rejection is reported as "path:line: message", the run goes on to the end, and what the KB
// held before stays findable.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.h"
#include "errkb/engine.h"
#include "errkb/indexer.h"
#include "server/api_key_fixture.h"
#include "server/server_fixture.h"
#include "test_util.h"

namespace errkb::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kCorpus = fs::path(ERRKB_SOURCE_DIR) / "tests/fixtures/hostile";

struct Expectation {
  int line = 0;  // in expected.tsv
  std::string file, outcome, message, query, doc_id;
};

std::vector<Expectation> expectations() {
  std::vector<Expectation> out;
  std::ifstream in(kCorpus / "expected.tsv");
  EXPECT_TRUE(in.good()) << "missing expected.tsv";
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');) f.push_back(field);
    EXPECT_EQ(f.size(), 5u) << "expected.tsv:" << number << ": five fields expected";
    if (f.size() == 5) out.push_back({number, f[0], f[1], f[2], f[3], f[4]});
  }
  return out;
}

// Whether one of `messages` (one a line) is `message`: starting with its path (or with the KB folder
// and its path) and holding the rest.
bool reported(const std::string& messages, const std::string& message) {
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return false;
  const std::string where = message.substr(0, colon + 2);
  const std::string rest = message.substr(colon + 2);
  std::istringstream lines(messages);
  for (std::string line; std::getline(lines, line);) {
    const bool at = line.rfind(where, 0) == 0 || line.find("/" + where) != std::string::npos;
    if (at && line.find(rest) != std::string::npos) return true;
  }
  return false;
}

class HostileCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(kCorpus / "before", kb(), fs::copy_options::recursive);
    IndexerOptions o;
    o.kb_dirs = {kb()};
    o.index_dir = index();
    auto first = update_index(o);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    ASSERT_TRUE(first->errors.empty()) << first->errors[0].to_string();
    fs::copy(kCorpus / "after", kb(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    const std::string generate =
        "python3 '" + (kCorpus / "generate.py").string() + "' '" + kb().string() + "'";
    ASSERT_EQ(std::system(generate.c_str()), 0) << generate;
  }

  fs::path kb() const { return dir_ / "kb"; }
  fs::path index() const { return dir_ / "index"; }

  // errkb-indexer `command` to its end: exit 1 (inputs rejected); its messages.
  std::string run_indexer(const std::string& command) {
    ChildProcess indexer({std::string(ERRKB_BINARY_DIR) + "/errkb-indexer", command, "--kb", kb().string(),
                          "--index", index().string(), "--quiet"},
                         dir_ / (command + ".log"));
    EXPECT_TRUE(indexer.wait_exit(std::chrono::seconds(600))) << command << " still running";
    EXPECT_TRUE(indexer.exited_with(1)) << command << " ended with status " << indexer.status() << "\n"
                                        << indexer.log_text();
    return indexer.log_text();
  }

  // Each expectation against the run's `messages` and the doc ids `find` gives for a query.
  template <typename Find>
  void expect_outcomes(const std::string& messages, Find find) {
    for (const Expectation& e : expectations()) {
      SCOPED_TRACE("expected.tsv:" + std::to_string(e.line) + " " + e.file);
      if (e.outcome == "accepted") {
        EXPECT_EQ(messages.find(e.file + ":"), std::string::npos) << messages;
      } else {
        EXPECT_TRUE(e.outcome == "rejected" || e.outcome == "kept") << e.outcome;
        EXPECT_TRUE(reported(messages, e.message)) << "expected " << e.message << "\ngot:\n" << messages;
      }
      if (e.query == "-") continue;
      const std::vector<std::string> ids = find(e.query);
      if (e.doc_id.starts_with("!")) {
        EXPECT_EQ(std::find(ids.begin(), ids.end(), e.doc_id.substr(1)), ids.end()) << e.query << " finds it";
      } else {
        EXPECT_NE(std::find(ids.begin(), ids.end(), e.doc_id), ids.end())
            << e.query << ": " << e.doc_id << " lost";
      }
    }
  }
  void expect_outcomes_in_index(const std::string& messages) {
    EngineOptions options;
    options.index_dir = index();
    auto engine = Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    expect_outcomes(messages, [&](const std::string& q) {
      SearchRequest r;
      r.q = q;
      r.limit = 20;
      std::vector<std::string> ids;
      if (auto found = (*engine)->search(r); found.ok())
        for (const auto& h : found->hits) ids.push_back(h.doc_id);
      return ids;
    });
  }

  TempDir dir_{"errkb-hostile-corpus"};
};

TEST_F(HostileCorpus, UpdateRejectsEachFileAloneAndKeepsWhatWasIndexed) {
  expect_outcomes_in_index(run_indexer("update"));
}

TEST_F(HostileCorpus, RebuildRejectsEachFileAloneAndKeepsWhatWasIndexed) {
  expect_outcomes_in_index(run_indexer("rebuild"));
}

// The jobs report what the indexer prints; the server answers all along and serves the result.
TEST_F(HostileCorpus, ReindexJobsOfARunningServerReportEachFileAndTheServerStaysUp) {
  server::ServerConfig config;
  config.index_dir = index();
  config.kb_dirs = {kb()};
  config.feedback_db = dir_ / "feedback.sqlite";
  config.api_keys = {server::test::key("ops", "ops-key", {server::Scope::kAdmin, server::Scope::kSearch})};
  server::test::RunningServer server(config);
  ASSERT_TRUE(server.ok());
  auto client = server.client();
  const httplib::Headers ops = {{"Authorization", "Bearer ops-key"}};
  for (const std::string mode : {"update", "rebuild"}) {
    SCOPED_TRACE(mode);
    auto started = client->Post("/v1/admin/reindex", ops, json{{"mode", mode}}.dump(), "application/json");
    ASSERT_TRUE(started);
    ASSERT_EQ(started->status, 202) << started->body;
    const std::string location = started->get_header_value("Location");
    json job;
    ASSERT_TRUE(poll_until(std::chrono::seconds(600), [&] {
      auto r = client->Get(location, ops);
      job = r && r->status == 200 ? server::test::body_json(r) : json();
      return job.is_object() && (job["state"] == "succeeded" || job["state"] == "failed");
    })) << job.dump();
    ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
    std::string messages;
    for (const auto& e : job["report"]["errors"])
      messages += InputError{e["path"], e["line"], e["message"]}.to_string() + "\n";
    auto healthz = client->Get("/healthz");
    ASSERT_TRUE(healthz);
    EXPECT_EQ(healthz->status, 200);
    expect_outcomes(messages, [&](const std::string& q) {
      std::vector<std::string> ids;
      auto r = client->Get("/v1/search?limit=20&q=" + httplib::detail::encode_query_param(q), ops);
      const json found = server::test::body_json(r);
      EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
      if (found.is_object())
        for (const auto& h : found["hits"]) ids.push_back(h["doc_id"]);
      return ids;
    });
  }
}

}  // namespace
}  // namespace errkb::testing
