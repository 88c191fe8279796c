// A real errkb-server on an ephemeral loopback port, over a real index of a small KB.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

#include "api_key_fixture.h"
#include "server_fixture.h"

namespace errkb::server::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kJson = "application/json";

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_test_kb(kb_path());
    ASSERT_NO_FATAL_FAILURE(build_index(kb_path(), index_path()));
    config_.index_dir = index_path();
    config_.kb_dirs = {kb_path()};
    config_.feedback_db = dir_ / "feedback.sqlite";
    config_.threads = 12;
    config_.index_poll_ms = 100;
    config_.indexer_threads = 1;
  }
  std::filesystem::path kb_path() const { return dir_ / "kb"; }
  std::filesystem::path index_path() const { return dir_ / "index"; }
  void start(bool log_requests = false) {
    server_.reset();
    server_ = std::make_unique<RunningServer>(config_, log_requests);
    ASSERT_TRUE(server_->ok());
    client_ = server_->client();
  }
  static void expect_problem(const httplib::Result& r, int status, const std::string& code) {
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json");
    json p = body_json(r);
    EXPECT_EQ(p.value("code", ""), code) << r->body;
    EXPECT_EQ(p.value("status", 0), status);
  }
  json diagnose(const json& request, const httplib::Headers& headers = {}) {
    auto r = client_->Post("/v1/diagnose", headers, request.dump(), kJson);
    EXPECT_TRUE(r);
    if (!r) return nullptr;
    EXPECT_EQ(r->status, 200) << r->body;
    return body_json(r);
  }
  // Waits until a job ends; returns its last state.
  json wait_for_job(const std::string& location, const httplib::Headers& headers) {
    json job;
    for (int i = 0; i < 600; ++i) {
      auto r = client_->Get(location, headers);
      if (!r || r->status != 200) return nullptr;
      job = body_json(r);
      if (job["state"] == "succeeded" || job["state"] == "failed") return job;
      std::this_thread::sleep_for(50ms);
    }
    return job;
  }

  testing::TempDir dir_{"errkb-server"};
  ServerConfig config_;
  std::unique_ptr<RunningServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServerTest, SearchShapeAndContent) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto r = client_->Get("/v1/search?q=0x80070005%20access%20denied&limit=5");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), kJson);
  json body = body_json(r);
  for (const char* field : {"total", "hits", "facets", "codes", "suggestion"})
    EXPECT_TRUE(body.contains(field)) << field;
  ASSERT_FALSE(body["hits"].empty()) << r->body;
  EXPECT_LE(body["hits"].size(), 5u);
  const json& top = body["hits"][0];
  for (const char* field : {"id", "doc_id", "kind", "title", "url", "snippet", "score", "language", "vendor",
                            "product", "codes"}) {
    EXPECT_TRUE(top.contains(field)) << field;
  }
  EXPECT_EQ(top["doc_id"], "windows/update-0x80070005") << r->body;
  EXPECT_EQ(top["kind"], "article");
  EXPECT_NE(top["snippet"].get<std::string>().find("<mark>"), std::string::npos) << top["snippet"];
  ASSERT_FALSE(body["codes"].empty());
  bool hresult = false;
  for (const auto& i : body["codes"][0]["interpretations"]) hresult |= i["canonical"] == "hresult:80070005";
  EXPECT_TRUE(hresult) << body["codes"].dump();
  EXPECT_TRUE(body["facets"].contains("kind")) << body["facets"].dump();
}

// A second server on a port already served fails to start with a clear message, rather than sharing
// the port (SO_REUSEPORT) and answering half the requests from whatever index it has.
TEST_F(ServerTest, SecondServerOnTheSamePortIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start());
  ServerConfig second = config_;
  second.listen_host = "127.0.0.1";
  second.listen_port = server_->port();
  second.feedback_db = dir_ / "second.sqlite";
  auto created = ErrkbServer::Create(second);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto port = (*created)->bind();
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.status().message().find("cannot bind 127.0.0.1:" + std::to_string(server_->port())),
            std::string::npos)
      << port.status().ToString();
}

TEST_F(ServerTest, EmptySearchIsRecordedAsAGap) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (int i = 0; i < 2; ++i) {
    auto r = client_->Get("/v1/search?q=zzqxv%20wqpfj");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(body_json(r)["total"], 0);
  }
  auto gaps = client_->Get("/v1/gaps");
  ASSERT_TRUE(gaps);
  ASSERT_EQ(gaps->status, 200);
  json body = body_json(gaps);
  ASSERT_FALSE(body["queries"].empty()) << gaps->body;
  EXPECT_EQ(body["queries"][0]["query"], "zzqxv wqpfj");
  EXPECT_EQ(body["queries"][0]["count"], 2);
}

TEST_F(ServerTest, CodeLookupShape) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto r = client_->Get("/v1/codes/0x80070005");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json body = body_json(r);
  for (const char* field : {"interpretations", "catalogue_entries", "causes"})
    EXPECT_TRUE(body.contains(field)) << field;
  ASSERT_FALSE(body["interpretations"].empty());
  EXPECT_EQ(body["interpretations"][0]["canonical"], "hresult:80070005");
  ASSERT_TRUE(body["causes"].contains("hresult:80070005")) << r->body;
  EXPECT_FALSE(body["causes"]["hresult:80070005"].empty());

  auto catalogue = client_->Get("/v1/codes/ACP-1001?vendor=AcmePay");
  ASSERT_TRUE(catalogue);
  ASSERT_EQ(catalogue->status, 200) << catalogue->body;
  json entries = body_json(catalogue)["catalogue_entries"];
  ASSERT_FALSE(entries.empty()) << catalogue->body;
  EXPECT_EQ(entries[0]["kind"], "catalogue");
}

// /v1/codes answers are kept per code reading for the open index revision: a repeated lookup is
// answered from the cache with the same body, and a switched index is read afresh.
TEST_F(ServerTest, CodeLookupKeptPerIndexRevision) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto first = client_->Get("/v1/codes/0x80070005");
  auto again = client_->Get("/v1/codes/0x80070005");
  ASSERT_TRUE(first && again);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(again->body, first->body);
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("errkb_engine_cache_lookups_total{cache=\"code_readings\",result=\"hit\"} "),
            std::string::npos)
      << metrics->body;
  EXPECT_EQ(
      metrics->body.find("errkb_engine_cache_lookups_total{cache=\"code_readings\",result=\"hit\"} 0\n"),
      std::string::npos)
      << metrics->body;

  testing::write_file(kb_path() / "articles/windows/defender-0x80070005.md", R"md(---
id: windows/defender-0x80070005
title: Controlled folder access blocks the installer with 0x80070005
language: en
vendor: Microsoft
codes: ["0x80070005"]
---
# Controlled folder access blocks the installer

## Cause
Controlled folder access in Windows Security blocks unknown installers from writing to protected
folders, so the installer stops with 0x80070005.

## Resolution
Allow the installer through controlled folder access in Windows Security.
)md");
  // A new catalogue too: its code is read by the grammar taught (in the background) from the new index.
  testing::write_file(kb_path() / "catalogues/zetaship.json", R"json({
  "vendor": "ZetaShip", "product": "Labels", "language": "en",
  "errors": [{"code": "ZS-4041", "name": "LABEL_JAM", "message": "The label printer jammed",
              "description": "A label is stuck in the feed path.", "resolution": "Open the cover and clear the label"}]
})json");
  ASSERT_NO_FATAL_FAILURE(build_index(kb_path(), index_path()));
  bool fresh = false, taught = false;
  for (int i = 0; i < 50 && !(fresh && taught); ++i) {
    auto r = client_->Get("/v1/codes/0x80070005");
    auto z = client_->Get("/v1/codes/ZS-4041?vendor=ZetaShip");
    ASSERT_TRUE(r && z);
    fresh = r->body.find("windows/defender-0x80070005") != std::string::npos;
    taught = z->status == 200 && z->body.find("\"zetaship:ZS-4041\"") != std::string::npos;
    if (!(fresh && taught)) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(fresh) << "the lookup still answers from the previous index";
  EXPECT_TRUE(taught) << "the new catalogue's code is not read";
}

TEST_F(ServerTest, DiagnoseShapeAndFeedback) {
  ASSERT_NO_FATAL_FAILURE(start());
  json d = diagnose({{"code", "0x80070005"}, {"symptoms", {"installer stops", "access denied"}}});
  for (const char* field : {"diagnosis_id", "codes", "causes", "ask"})
    ASSERT_TRUE(d.contains(field)) << field;
  ASSERT_FALSE(d["diagnosis_id"].get<std::string>().empty());
  ASSERT_GE(d["causes"].size(), 2u) << d.dump(2);
  double sum = 0;
  for (const auto& cause : d["causes"]) {
    for (const char* field :
         {"id", "title", "cause", "checks", "resolutions", "prevention", "confidence", "evidence", "why"}) {
      EXPECT_TRUE(cause.contains(field)) << field;
    }
    EXPECT_GE(cause["confidence"].get<double>(), 0.0);
    sum += cause["confidence"].get<double>();
    ASSERT_FALSE(cause["evidence"].empty());
    EXPECT_EQ(cause["evidence"][0]["doc_id"], "windows/update-0x80070005");
    EXPECT_FALSE(cause["why"].empty());
  }
  EXPECT_LE(sum, 1.0 + 1e-9);
  EXPECT_LE(d["ask"].size(), 3u);

  // Diagnosis ids: 32 hex digits that grow with time (the feedback store appends them to its index).
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string later_id = diagnose({{"code", "0x80070005"}})["diagnosis_id"];
  const std::string first_id = d["diagnosis_id"];
  for (const std::string& id : {first_id, later_id}) {
    EXPECT_EQ(id.size(), 32u) << id;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
  EXPECT_LT(first_id, later_id);

  const std::string cause_id = d["causes"][1]["id"];
  auto r = client_->Post(
      "/v1/feedback",
      json{{"diagnosis_id", d["diagnosis_id"]}, {"cause_id", cause_id}, {"outcome", "resolved"}}.dump(),
      kJson);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  expect_problem(
      client_->Post(
          "/v1/feedback",
          json{{"diagnosis_id", "no-such-id"}, {"cause_id", cause_id}, {"outcome", "resolved"}}.dump(),
          kJson),
      404, "diagnosis_not_found");

  // Diagnosis with no code: the first question asks for the exact error code or message.
  json text_only = diagnose({{"text", "the store settings say the domain is not verified"}});
  ASSERT_FALSE(text_only["causes"].empty()) << text_only.dump(2);
  EXPECT_EQ(text_only["causes"][0]["evidence"][0]["doc_id"], "dns/custom-domain-not-verified");
  ASSERT_FALSE(text_only["ask"].empty());
}

TEST_F(ServerTest, FeedbackPersistsAcrossRestartAndChangesRanking) {
  ASSERT_NO_FATAL_FAILURE(start());
  const json request = {{"code", "0x80070005"}};
  json first = diagnose(request);
  ASSERT_GE(first["causes"].size(), 2u) << first.dump(2);
  const std::string second_id = first["causes"][1]["id"];
  const double before = first["causes"][1]["confidence"];
  for (int i = 0; i < 3; ++i) {
    json d = diagnose(request);
    auto r = client_->Post(
        "/v1/feedback",
        json{{"diagnosis_id", d["diagnosis_id"]}, {"cause_id", second_id}, {"outcome", "resolved"}}.dump(),
        kJson);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  const std::string old_diagnosis = first["diagnosis_id"];

  // A new process on the same files: the feedback and the diagnoses are still there.
  ASSERT_NO_FATAL_FAILURE(start());
  json after = diagnose(request);
  double confidence_after = 0;
  for (const auto& cause : after["causes"]) {
    if (cause["id"] == second_id) confidence_after = cause["confidence"];
  }
  EXPECT_GT(confidence_after, before) << after.dump(2);
  auto r = client_->Post(
      "/v1/feedback",
      json{{"diagnosis_id", old_diagnosis}, {"cause_id", second_id}, {"outcome", "not_resolved"}}.dump(),
      kJson);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
}

TEST_F(ServerTest, HealthReadinessMetricsOpenApi) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto ready = client_->Get("/readyz");
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->status, 200) << ready->body;
  json info = body_json(ready);
  EXPECT_GT(info["documents"].get<uint64_t>(), 0u);
  EXPECT_TRUE(info.contains("revision"));
  // The in-memory tables (rank records, spelling) load in the background once the index is open.
  bool warm = info["warm"].get<bool>();
  for (int i = 0; i < 200 && !warm; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto again = client_->Get("/readyz");
    ASSERT_TRUE(again);
    warm = body_json(again)["warm"].get<bool>();
  }
  EXPECT_TRUE(warm);
  // The indexer wrote the tables file beside the index it built: the server mapped it.
  EXPECT_EQ(body_json(client_->Get("/readyz"))["tables_source"], "file");

  client_->Get("/v1/search?q=dns");
  client_->Get("/v1/nothing-here");
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  EXPECT_NE(
      metrics->body.find("errkb_http_requests_total{route=\"/v1/search\",method=\"GET\",status=\"200\"}"),
      std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("route=\"unmatched\",method=\"GET\",status=\"404\""), std::string::npos);
  EXPECT_NE(metrics->body.find("errkb_http_request_duration_seconds_bucket{route=\"/v1/search\""),
            std::string::npos);
  EXPECT_NE(metrics->body.find("errkb_index_documents "), std::string::npos);
  EXPECT_NE(metrics->body.find("errkb_index_revision "), std::string::npos);
  EXPECT_NE(metrics->body.find("errkb_index_reopens_total "), std::string::npos);
  // Exactly this client's connection, once any other one closed a moment ago is gone.
  std::string open_connections;
  for (int i = 0; i < 100 && open_connections != "1"; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto again = client_->Get("/metrics");
    ASSERT_TRUE(again);
    const std::string line = "\nerrkb_http_open_connections ";
    const size_t at = again->body.find(line);
    ASSERT_NE(at, std::string::npos) << again->body;
    open_connections =
        again->body.substr(at + line.size(), again->body.find('\n', at + 1) - at - line.size());
  }
  EXPECT_EQ(open_connections, "1");
  EXPECT_NE(metrics->body.find("\nerrkb_http_refused_connections_total 0\n"), std::string::npos);
  // Warm: the posting lists are in memory.
  const std::string postings_line = "\nerrkb_prose_postings_bytes ";
  const size_t postings_at = metrics->body.find(postings_line);
  ASSERT_NE(postings_at, std::string::npos);
  EXPECT_GT(std::stoull(metrics->body.substr(postings_at + postings_line.size())), 0u);

  auto openapi = client_->Get("/v1/openapi.json");
  ASSERT_TRUE(openapi);
  ASSERT_EQ(openapi->status, 200);
  EXPECT_TRUE(body_json(openapi).contains("paths"));
}

TEST_F(ServerTest, ErrorStatusesOverHttp) {
  ASSERT_NO_FATAL_FAILURE(start());
  expect_problem(client_->Get("/v1/nothing-here"), 404, "route_not_found");
  expect_problem(client_->Get("/v1/search?limit=5"), 400, "bad_parameter");
  EXPECT_EQ(body_json(client_->Get("/v1/search?limit=5"))["param"], "q");
  expect_problem(client_->Get("/v1/search?q=x&offset=5000"), 400, "bad_parameter");
  expect_problem(client_->Get("/v1/search?q=" + std::string(3000, 'a')), 400, "bad_parameter");

  auto wrong_method = client_->Delete("/v1/search");
  expect_problem(wrong_method, 405, "method_not_allowed");
  EXPECT_NE(wrong_method->get_header_value("Allow").find("GET"), std::string::npos);
  expect_problem(client_->Get("/v1/diagnose"), 405, "method_not_allowed");
  expect_problem(client_->Post("/v1/search", "{}", kJson), 405, "method_not_allowed");

  expect_problem(client_->Post("/v1/diagnose", R"({"text":"x"})", "text/plain"), 415,
                 "unsupported_media_type");
  expect_problem(client_->Post("/v1/diagnose", R"({"text":)", kJson), 400, "bad_json");
  const std::string huge = json{{"text", std::string((1 << 20) + 10, 'a')}}.dump();
  expect_problem(client_->Post("/v1/diagnose", huge, kJson), 413, "payload_too_large");
  // Admin routes need an admin key even with no keys configured.
  expect_problem(client_->Post("/v1/admin/reindex", "{}", kJson), 401, "missing_key");

  // The connection still serves after all of that.
  auto ok = client_->Get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ServerTest, KeysScopesAndRateLimits) {
  config_.api_keys = {key("desk", "desk-key", {Scope::kSearch, Scope::kFeedback}),
                      key("ops", "ops-key", {Scope::kAdmin}),
                      key("bot", "bot-key", {Scope::kSearch}, 1.0, 2.0)};
  ASSERT_NO_FATAL_FAILURE(start());
  expect_problem(client_->Get("/v1/search?q=dns"), 401, "missing_key");
  auto missing = client_->Get("/v1/search?q=dns");
  EXPECT_TRUE(missing->has_header("WWW-Authenticate"));
  expect_problem(client_->Get("/v1/search?q=dns", {{"Authorization", "Bearer wrong"}}), 401, "invalid_key");
  auto ok = client_->Get("/v1/search?q=dns", {{"Authorization", "Bearer desk-key"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  auto header_key = client_->Get("/v1/search?q=dns", {{"X-API-Key", "desk-key"}});
  ASSERT_TRUE(header_key);
  EXPECT_EQ(header_key->status, 200);
  expect_problem(client_->Get("/v1/search?q=dns", {{"Authorization", "Bearer ops-key"}}), 403,
                 "missing_scope");
  expect_problem(client_->Post("/v1/admin/reindex", {{"Authorization", "Bearer desk-key"}}, "{}", kJson), 403,
                 "missing_scope");
  expect_problem(client_->Get("/v1/admin/jobs/job-unknown", {{"Authorization", "Bearer ops-key"}}), 404,
                 "job_not_found");
  // Health needs no key.
  EXPECT_EQ(client_->Get("/healthz")->status, 200);

  // bot: 1 request/s, burst 2.
  const httplib::Headers bot = {{"Authorization", "Bearer bot-key"}};
  EXPECT_EQ(client_->Get("/v1/search?q=dns", bot)->status, 200);
  EXPECT_EQ(client_->Get("/v1/search?q=dns", bot)->status, 200);
  auto limited = client_->Get("/v1/search?q=dns", bot);
  expect_problem(limited, 429, "rate_limited");
  EXPECT_EQ(limited->get_header_value("Retry-After"), "1");
  // Other keys are not affected.
  EXPECT_EQ(client_->Get("/v1/search?q=dns", {{"Authorization", "Bearer desk-key"}})->status, 200);
}

TEST_F(ServerTest, CorsAllowList) {
  config_.cors_origins = {"https://desk.example.com"};
  ASSERT_NO_FATAL_FAILURE(start());
  auto allowed = client_->Get("/v1/search?q=dns", {{"Origin", "https://desk.example.com"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"), "https://desk.example.com");
  auto other = client_->Get("/v1/search?q=dns", {{"Origin", "https://evil.example.com"}});
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));

  auto preflight = client_->Options("/v1/diagnose", {{"Origin", "https://desk.example.com"},
                                                     {"Access-Control-Request-Method", "POST"},
                                                     {"Access-Control-Request-Headers", "content-type"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "https://desk.example.com");
  EXPECT_NE(preflight->get_header_value("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_NE(preflight->get_header_value("Access-Control-Allow-Headers").find("Content-Type"),
            std::string::npos);
  expect_problem(client_->Options("/v1/diagnose", {{"Origin", "https://evil.example.com"}}), 403,
                 "origin_not_allowed");
  expect_problem(client_->Options("/v1/nowhere", {{"Origin", "https://desk.example.com"}}), 404,
                 "route_not_found");
}

TEST_F(ServerTest, ReindexJobLifecycleAndIndexSwitchUnderLoad) {
  config_.api_keys = {key("desk", "desk-key", {Scope::kSearch, Scope::kFeedback}),
                      key("ops", "ops-key", {Scope::kAdmin})};
  ASSERT_NO_FATAL_FAILURE(start());
  const httplib::Headers desk = {{"Authorization", "Bearer desk-key"}};
  const httplib::Headers ops = {{"Authorization", "Bearer ops-key"}};

  // 8 client threads query for the whole test; not one request may fail.
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, requests{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_keep_alive(true);
      c.set_read_timeout(30);
      while (!done) {
        httplib::Result r = (t % 2 == 0) ? c.Get("/v1/search?q=access%20denied%200x80070005", desk)
                                         : c.Post("/v1/diagnose", desk, R"({"code":"0x80070005"})", kJson);
        ++requests;
        if (!r || r->status != 200) {
          ++failures;
          ADD_FAILURE() << (r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error()));
        }
      }
    });
  }

  // An incremental update that adds an article.
  testing::write_file(kb_path() / "articles/shipping/label-blank.md", R"md(---
id: shipping/label-blank
title: Shipping labels print blank on the thermal printer
language: en
---
# Shipping labels print blank

## Symptoms
- The thermal printer feeds a blank label.

## Cause
The label stock is direct thermal but the printer is set to thermal transfer mode.

## Resolution
Switch the printer driver's media type to direct thermal.
)md");
  auto started = client_->Post("/v1/admin/reindex", ops, R"({"mode":"update"})", kJson);
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 202) << started->body;
  json job = body_json(started);
  EXPECT_EQ(job["mode"], "update");
  const std::string location = started->get_header_value("Location");
  EXPECT_EQ(location, "/v1/admin/jobs/" + job["id"].get<std::string>());
  json finished = wait_for_job(location, ops);
  ASSERT_EQ(finished["state"], "succeeded") << finished.dump(2);
  EXPECT_EQ(finished["report"]["items_added"], 1) << finished.dump(2);
  EXPECT_GE(finished["progress"]["files_done"].get<int>(), 1);

  // Workers see the new article without a restart.
  auto found = client_->Get("/v1/search?q=thermal%20printer%20blank%20label", desk);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->status, 200);
  json hits = body_json(found)["hits"];
  ASSERT_FALSE(hits.empty()) << found->body;
  EXPECT_EQ(hits[0]["doc_id"], "shipping/label-blank");

  // A rebuild switches the index while the clients keep querying; a second job meanwhile is refused.
  auto rebuild = client_->Post("/v1/admin/reindex", ops, R"({"mode":"rebuild"})", kJson);
  ASSERT_TRUE(rebuild);
  ASSERT_EQ(rebuild->status, 202) << rebuild->body;
  auto second = client_->Post("/v1/admin/reindex", ops, R"({"mode":"update"})", kJson);
  ASSERT_TRUE(second);
  if (second->status != 202) expect_problem(second, 409, "reindex_running");
  json rebuilt = wait_for_job(rebuild->get_header_value("Location"), ops);
  EXPECT_EQ(rebuilt["state"], "succeeded") << rebuilt.dump(2);
  if (second->status == 202) wait_for_job(second->get_header_value("Location"), ops);

  // And an outside writer (errkb-indexer) switching the index is noticed by the watcher.
  std::this_thread::sleep_for(300ms);  // let the watcher settle on the rebuilt index
  const uint64_t changes_before = server_->server().services().invalidations->load();
  ASSERT_NO_FATAL_FAILURE(build_index(kb_path(), index_path()));
  bool noticed = false;
  for (int i = 0; i < 50 && !noticed; ++i) {
    std::this_thread::sleep_for(100ms);
    noticed = server_->server().services().invalidations->load() > changes_before;
  }
  EXPECT_TRUE(noticed) << "the watcher did not notice errkb-indexer's rebuild";
  std::this_thread::sleep_for(300ms);  // queries on the switched index
  done = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(requests.load(), 16);
}

TEST_F(ServerTest, HostileInputNeverYields500) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::vector<std::string> gets = {
      "/v1/search?q=%00%01%02",
      "/v1/search?q=%FF%FE",
      "/v1/search?q=" + std::string(2048, 'x'),
      "/v1/search?q=0x80070005&limit=99999999999999999999",
      "/v1/search?q=-0x80070005%20-ORA-00942%20AND%20OR%20NOT%20(%22",
      "/v1/search?q=%22unterminated%20phrase&lang=xx",
      "/v1/search?q=error&kind=article&vendor=%00&product=%FF",
      "/v1/search?q=%E2%80%AE%F0%9F%98%80%20emoji%20rtl",
      "/v1/codes/%FF%FE",
      "/v1/codes/..%2F..%2Fetc%2Fpasswd",
      "/v1/codes/" + std::string(200, '9'),
      "/v1/codes/0x" + std::string(60, 'F'),
      "/v1/codes/-2147024891?vendor=%00",
      "/v1/codes/%20",
      "/v1/admin/jobs/%00",
      "/v1/gaps?limit=-1",
      "/%2e%2e/%2e%2e/etc/passwd",
  };
  for (const auto& path : gets) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_LT(r->status, 500) << path << " -> " << r->body;
    if (r->status >= 400) {
      EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json") << path;
    }
  }
  const std::vector<std::string> bodies = {
      std::string(100000, '[') + std::string(100000, ']'),
      R"({"text": "\u0000\u0001 error \ud83d\ude00", "code": "\u0000"})",
      R"({"code": "0x80070005", "limit": 1e400})",
      R"({"code": "0x80070005", "symptoms": [")" + std::string(10, 'a') + R"(", null]})",
      R"({"text": ")" + std::string(60000, 'e') + R"("})",
      R"({"text": ")" + std::string(5000, '5') + R"("})",
      R"({"code": "ORA-", "vendor": "", "product": "", "language": ""})",
      R"({"text": "error error error error", "symptoms": []})",
      "null",
      "\"just a string\"",
      "{\"text\": \"x\"} trailing",
  };
  for (const auto& body : bodies) {
    auto r = client_->Post("/v1/diagnose", body, kJson);
    ASSERT_TRUE(r) << body.substr(0, 60);
    EXPECT_LT(r->status, 500) << body.substr(0, 60) << " -> " << r->body;
  }
  for (const auto& body : {R"({"diagnosis_id": 5, "cause_id": "x", "outcome": "resolved"})",
                           R"({"diagnosis_id": "x", "cause_id": ["x"], "outcome": "resolved"})",
                           R"({"diagnosis_id": "", "cause_id": "", "outcome": ""})"}) {
    auto r = client_->Post("/v1/feedback", body, kJson);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body << " -> " << r->body;
  }
}

TEST_F(ServerTest, OneStructuredLogLinePerRequest) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  spdlog::default_logger()->sinks().push_back(sink);
  config_.api_keys = {key("desk", "desk-secret-key", {Scope::kSearch})};
  ASSERT_NO_FATAL_FAILURE(start(/*log_requests=*/true));
  auto r = client_->Get("/v1/search?q=dns&limit=3", {{"Authorization", "Bearer desk-secret-key"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const size_t hits = body_json(r)["hits"].size();
  client_->Get("/v1/missing");
  server_.reset();  // the server has stopped, so every log call has returned
  spdlog::default_logger()->sinks().pop_back();
  const std::string log = captured.str();
  EXPECT_NE(log.find("request method=GET path=/v1/search route=/v1/search status=200 ms="), std::string::npos)
      << log;
  EXPECT_NE(log.find("key=desk results=" + std::to_string(hits)), std::string::npos) << log;
  EXPECT_NE(log.find("path=/v1/missing route=unmatched status=404"), std::string::npos) << log;
  EXPECT_EQ(log.find("desk-secret-key"), std::string::npos) << "the key itself must never be logged";
}

// `connections` keep-alive clients, each sending GET /healthz every `interval` until destroyed.
class BusyConnections {
 public:
  BusyConnections(int port, int connections, std::chrono::milliseconds interval) {
    for (int i = 0; i < connections; ++i)
      threads_.emplace_back([this, port, interval] {
        httplib::Client c("127.0.0.1", port);
        c.set_keep_alive(true);
        while (!stop_) {
          if (auto r = c.Get("/healthz"); r && r->status == 200) ++answered_;
          std::this_thread::sleep_for(interval);
        }
      });
  }
  ~BusyConnections() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }
  void wait_for_answers(int n) const {
    while (answered_ < n) std::this_thread::sleep_for(5ms);
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::vector<std::thread> threads_;
};

// A GET from a new connection, and how long it took.
std::pair<httplib::Result, double> timed_get(int port, const std::string& path) {
  httplib::Client probe("127.0.0.1", port);
  probe.set_read_timeout(30);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = probe.Get(path);
  return {std::move(r), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
}

// Each open keep-alive connection holds a worker thread while it keeps sending. With the default
// settings a helpdesk's usual 16 busy connections leave workers over, so a health probe or a metrics
// scrape is answered at once instead of waiting for a connection to end.
TEST_F(ServerTest, AProbeGetsThroughWhileSixteenConnectionsKeepSending) {
  const ServerConfig defaults;
  config_.threads = defaults.threads;
  config_.keep_alive_max_count = defaults.keep_alive_max_count;
  ASSERT_NO_FATAL_FAILURE(start());
  BusyConnections busy(server_->port(), 16, 5ms);
  busy.wait_for_answers(64);  // every busy connection has its worker
  auto [r, seconds] = timed_get(server_->port(), "/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(seconds, 1.0) << "the probe waited for a busy connection to give its worker back";
}

// Fewer workers than busy connections: a waiting connection gets a worker when a busy one has sent
// keep_alive_max_count requests.
TEST_F(ServerTest, AWaitingConnectionGetsAWorkerWhenABusyOneReachesItsRequestCount) {
  config_.threads = 2;
  config_.keep_alive_max_count = 20;
  ASSERT_NO_FATAL_FAILURE(start());
  BusyConnections busy(server_->port(), 2, 10ms);
  busy.wait_for_answers(4);
  auto [r, seconds] = timed_get(server_->port(), "/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(seconds, 5.0);  // 20 requests 10 ms apart: well under a second
}

TEST_F(ServerTest, KeepAliveRequestIsFast) {
  ASSERT_NO_FATAL_FAILURE(start());
  httplib::Client c("127.0.0.1", server_->port());
  c.set_keep_alive(true);
  std::vector<double> ms;
  for (int i = 0; i < 200; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = c.Get("/v1/codes/0x80070005");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  // Without TCP_NODELAY this is ~40 ms (Nagle + delayed ACK); half of it leaves room for a loaded
  // machine and a sanitized build.
  EXPECT_LT(ms[ms.size() / 2], 20.0);
}

// The watcher reopens the workers when the fingerprint changes: after a commit or a switch, and not
// while a rebuild writes the next generation beside the live one.
TEST(IndexFingerprint, FollowsTheLiveGenerationOnly) {
  testing::TempDir dir("errkb-fingerprint");
  write_test_kb(dir / "kb");
  build_index(dir / "kb", dir / "index");
  const std::string built = index_fingerprint(dir / "index");

  // A rebuild in progress: a next generation whose files grow.
  testing::write_file(dir / "index/gen-000099/postlist.glass", "x");
  EXPECT_EQ(index_fingerprint(dir / "index"), built);
  testing::write_file(dir / "index/gen-000099/postlist.glass", "xxxxxxxx");
  EXPECT_EQ(index_fingerprint(dir / "index"), built);
  std::filesystem::remove_all(dir / "index/gen-000099");

  // An incremental update commits into the live generation.
  testing::write_file(dir / "kb/articles/email/smtp-535.md",
                      std::string(kSmtpArticle) + "\nSome servers also log the reason in the mail queue.\n");
  IndexerOptions options;
  options.kb_dirs = {dir / "kb"};
  options.index_dir = dir / "index";
  options.threads = 1;
  ASSERT_TRUE(update_index(options).ok());
  const std::string updated = index_fingerprint(dir / "index");
  EXPECT_NE(updated, built);

  // A rebuild switches the stub to a new generation.
  ASSERT_TRUE(rebuild_index(options).ok());
  EXPECT_NE(index_fingerprint(dir / "index"), updated);

  // Not an errkb index folder: its files, two levels deep.
  testing::write_file(dir / "plain/a/file", "1");
  const std::string plain = index_fingerprint(dir / "plain");
  testing::write_file(dir / "plain/a/file", "12");
  EXPECT_NE(index_fingerprint(dir / "plain"), plain);
}

}  // namespace
}  // namespace errkb::server::test
