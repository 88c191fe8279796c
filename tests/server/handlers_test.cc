// Handlers called directly with httplib::Request/Response objects: parameter checks, the error
// table, feedback and gaps on a real SQLite store, the OpenAPI document, metrics.
#include "handlers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "api_errors.h"
#include "metrics.h"
#include "routes.h"
#include "test_util.h"

namespace errkb::server {
namespace {

using nlohmann::json;

httplib::Request get(std::string path, std::vector<std::pair<std::string, std::string>> params = {}) {
  httplib::Request req;
  req.method = "GET";
  req.path = std::move(path);
  for (auto& [k, v] : params) req.params.emplace(k, v);
  return req;
}

httplib::Request post(std::string path, std::string body, std::string type = "application/json") {
  httplib::Request req;
  req.method = "POST";
  req.path = std::move(path);
  req.body = std::move(body);
  if (!type.empty()) req.set_header("Content-Type", type);
  return req;
}

// Fills req.matches the way httplib's router does.
void route_match(httplib::Request& req, const std::string& pattern) {
  ASSERT_TRUE(std::regex_match(req.path, req.matches, std::regex(pattern)));
}

json problem_of(const httplib::Response& res) {
  EXPECT_EQ(res.get_header_value("Content-Type"), "application/problem+json");
  return json::parse(res.body);
}

void expect_problem(const httplib::Response& res, int status, const std::string& code,
                    const std::string& param = "") {
  EXPECT_EQ(res.status, status) << res.body;
  json p = problem_of(res);
  EXPECT_EQ(p["status"], status);
  EXPECT_EQ(p["code"], code) << res.body;
  EXPECT_EQ(p["type"], "urn:errkb:error:" + code);
  EXPECT_FALSE(p["title"].get<std::string>().empty());
  EXPECT_FALSE(p["detail"].get<std::string>().empty());
  if (param.empty()) {
    EXPECT_FALSE(p.contains("param")) << res.body;
  } else {
    EXPECT_EQ(p.value("param", ""), param) << res.body;
  }
}

class HandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = FeedbackStore::Open(dir_ / "feedback.sqlite");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    feedback_ = std::move(store).value();
    services_.config = &config_;
    services_.feedback = feedback_.get();
    services_.metrics = &metrics_;
  }
  httplib::Response call(Handler handler, const httplib::Request& req) {
    httplib::Response res;
    handler(services_, req, res);
    return res;
  }
  testing::TempDir dir_{"errkb-handlers"};
  ServerConfig config_;
  Metrics metrics_;
  std::unique_ptr<FeedbackStore> feedback_;
  Services services_;
};

TEST_F(HandlersTest, SearchParameterChecksNameTheParameter) {
  const std::string long_q(kMaxQueryBytes + 1, 'a');
  struct Case {
    std::vector<std::pair<std::string, std::string>> params;
    std::string code, param;
  };
  const std::vector<Case> cases = {
      {{}, "bad_parameter", "q"},
      {{{"q", "   "}}, "bad_parameter", "q"},
      {{{"q", long_q}}, "bad_parameter", "q"},
      {{{"q", "ok"}, {"limit", "101"}}, "bad_parameter", "limit"},
      {{{"q", "ok"}, {"limit", "0"}}, "bad_parameter", "limit"},
      {{{"q", "ok"}, {"limit", "ten"}}, "bad_parameter", "limit"},
      {{{"q", "ok"}, {"offset", "1001"}}, "bad_parameter", "offset"},
      {{{"q", "ok"}, {"offset", "-1"}}, "bad_parameter", "offset"},
      {{{"q", "ok"}, {"kind", "blog"}}, "bad_parameter", "kind"},
      {{{"q", "ok"}, {"lang", "english"}}, "bad_parameter", "lang"},
      {{{"q", std::string("bad \xff utf8")}}, "bad_parameter", "q"},
      {{{"q", "ok"}, {"colour", "red"}}, "unknown_parameter", "colour"},
      {{{"q", "ok"}, {"q", "twice"}}, "bad_parameter", "q"},
  };
  for (const auto& c : cases) {
    auto res = call(get_search, get("/v1/search", c.params));
    SCOPED_TRACE(res.body);
    expect_problem(res, 400, c.code, c.param);
  }
  // A good request reaches the engine; with none open that is a 503 with Retry-After, not a 500.
  auto res = call(get_search, get("/v1/search", {{"q", "0x80070005"}, {"limit", "100"}, {"offset", "1000"}}));
  expect_problem(res, 503, "index_unavailable");
  EXPECT_EQ(res.get_header_value("Retry-After"), "1");
}

TEST_F(HandlersTest, DiagnoseBodyChecks) {
  struct Case {
    httplib::Request req;
    int status;
    std::string code, param;
  };
  const std::vector<Case> cases = {
      {post("/v1/diagnose", R"({"text":"x"})", "text/plain"), 415, "unsupported_media_type", ""},
      {post("/v1/diagnose", R"({"text":"x"})", ""), 415, "unsupported_media_type", ""},
      {post("/v1/diagnose", R"({"text":)"), 400, "bad_json", ""},
      {post("/v1/diagnose", R"(["text"])"), 400, "bad_json", ""},
      {post("/v1/diagnose", ""), 400, "bad_json", ""},
      {post("/v1/diagnose", R"({})"), 400, "bad_parameter", "text"},
      {post("/v1/diagnose", R"({"text":"   "})"), 400, "bad_parameter", "text"},
      {post("/v1/diagnose", R"({"text":5})"), 400, "bad_parameter", "text"},
      {post("/v1/diagnose", R"({"code":"0x5","limit":0})"), 400, "bad_parameter", "limit"},
      {post("/v1/diagnose", R"({"code":"0x5","limit":1.5})"), 400, "bad_parameter", "limit"},
      {post("/v1/diagnose", R"({"code":"0x5","symptoms":"slow"})"), 400, "bad_parameter", "symptoms"},
      {post("/v1/diagnose", R"({"code":"0x5","symptoms":[1]})"), 400, "bad_parameter", "symptoms"},
      {post("/v1/diagnose", R"({"code":"0x5","language":"ENG"})"), 400, "bad_parameter", "language"},
      {post("/v1/diagnose", R"({"code":"0x5","colour":"red"})"), 400, "unknown_parameter", "colour"},
      {post("/v1/diagnose", "{\"text\":\"\xff\"}"), 400, "bad_json", ""},
      {post("/v1/diagnose", R"({"code":")" + std::string(300, '9') + R"("})"), 400, "bad_parameter", "code"},
  };
  for (const auto& c : cases) {
    auto res = call(post_diagnose, c.req);
    SCOPED_TRACE(c.req.body.substr(0, 80));
    expect_problem(res, c.status, c.code, c.param);
  }
  // application/json with a charset, or a +json type, is JSON.
  auto res = call(post_diagnose,
                  post("/v1/diagnose", R"({"code":"0x80070005"})", "application/json; charset=utf-8"));
  expect_problem(res, 503, "index_unavailable");
}

TEST_F(HandlersTest, FeedbackOnARealStore) {
  DiagnosisRecord record;
  record.diagnosis_id = "d-1";
  record.code_terms = {"hresult:80070005"};
  record.cause_ids = {"windows/update#1", "windows/update#2"};
  record.query_text = "0x80070005";
  record.top_confidence = 0.6;
  ASSERT_TRUE(feedback_->record_diagnosis(record).ok());

  expect_problem(call(post_feedback, post("/v1/feedback", R"({"cause_id":"c","outcome":"resolved"})")), 400,
                 "bad_parameter", "diagnosis_id");
  expect_problem(
      call(post_feedback,
           post("/v1/feedback", R"({"diagnosis_id":"d-1","cause_id":"windows/update#1","outcome":"fixed"})")),
      400, "bad_parameter", "outcome");
  expect_problem(call(post_feedback,
                      post("/v1/feedback", R"({"diagnosis_id":"nope","cause_id":"c","outcome":"resolved"})")),
                 404, "diagnosis_not_found", "diagnosis_id");
  expect_problem(
      call(post_feedback,
           post("/v1/feedback", R"({"diagnosis_id":"d-1","cause_id":"other#1","outcome":"resolved"})")),
      400, "bad_parameter", "cause_id");

  auto res =
      call(post_feedback,
           post("/v1/feedback",
                R"({"diagnosis_id":"d-1","cause_id":"windows/update#2","outcome":"resolved","note":"AV"})"));
  ASSERT_EQ(res.status, 201) << res.body;
  json body = json::parse(res.body);
  EXPECT_EQ(body["stored"], true);
  EXPECT_EQ(body["outcome"], "resolved");
  EXPECT_DOUBLE_EQ(feedback_->tallies({"hresult:80070005"}, {})["windows/update#2"].resolved, 1.0);
}

TEST_F(HandlersTest, GapsShape) {
  ASSERT_TRUE(feedback_->record_unanswered_search("printer on fire").ok());
  auto res = call(get_gaps, get("/v1/gaps", {{"limit", "5"}}));
  ASSERT_EQ(res.status, 200) << res.body;
  json body = json::parse(res.body);
  ASSERT_EQ(body["queries"].size(), 1u);
  EXPECT_EQ(body["queries"][0]["query"], "printer on fire");
  EXPECT_EQ(body["queries"][0]["reason"], "no answer");
  EXPECT_TRUE(body["causes"].is_array());
  expect_problem(call(get_gaps, get("/v1/gaps", {{"limit", "500"}})), 400, "bad_parameter", "limit");
}

TEST_F(HandlersTest, HealthReadinessAndMetricsWithoutAnIndex) {
  auto health = call(get_healthz, get("/healthz"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body)["status"], "ok");
  expect_problem(call(get_readyz, get("/readyz")), 503, "index_unavailable");

  metrics_.observe("/v1/search", "GET", 200, 0.0007);
  metrics_.observe("/v1/search", "GET", 200, 0.2);
  auto metrics = call(get_metrics, get("/metrics"));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& text = metrics.body;
  EXPECT_NE(text.find("errkb_http_requests_total{route=\"/v1/search\",method=\"GET\",status=\"200\"} 2"),
            std::string::npos)
      << text;
  // Cumulative buckets: 1 request at <= 1 ms, both at <= 0.25 s.
  EXPECT_NE(text.find("le=\"0.001\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"0.25\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("le=\"+Inf\"} 2"), std::string::npos) << text;
}

TEST_F(HandlersTest, ReindexAndJobsWithoutKbFolder) {
  expect_problem(call(post_reindex, post("/v1/admin/reindex", "")), 503, "reindex_not_configured");
  expect_problem(call(post_reindex, post("/v1/admin/reindex", R"({"mode":"sideways"})")), 400,
                 "bad_parameter", "mode");
  httplib::Request req = get("/v1/admin/jobs/job-42");
  route_match(req, "/v1/admin/jobs/([^/]+)");
  expect_problem(call(get_job, req), 404, "job_not_found", "id");
}

TEST_F(HandlersTest, CodeParameterChecks) {
  httplib::Request req = get("/v1/codes/" + std::string(300, '7'));
  route_match(req, "/v1/codes/(.+)");
  expect_problem(call(get_code, req), 400, "bad_parameter", "code");
  httplib::Request unknown = get("/v1/codes/0x5", {{"vendr", "x"}});
  route_match(unknown, "/v1/codes/(.+)");
  expect_problem(call(get_code, unknown), 400, "unknown_parameter", "vendr");
}

TEST(ApiErrors, TableIsConsistent) {
  std::set<std::string> codes;
  for (const auto& e : all_api_errors()) {
    EXPECT_TRUE(codes.insert(std::string(e.code)).second) << e.code;
    EXPECT_GE(e.status, 400);
    EXPECT_LT(e.status, 600);
    EXPECT_EQ(&error_info(e.error), &e);
  }
  // Every status the API promises has at least one error.
  for (int status : {400, 401, 403, 404, 405, 413, 415, 429}) {
    EXPECT_TRUE(std::any_of(all_api_errors().begin(), all_api_errors().end(), [&](const ApiErrorInfo& e) {
      return e.status == status;
    })) << status;
  }
}

TEST(ApiErrors, ProblemBodyEscapesUserInput) {
  httplib::Response res;
  send_problem(res, ApiError::bad_parameter, "bad \"quote\" and \xff byte", "q");
  json p = json::parse(res.body);  // valid JSON whatever the detail held
  EXPECT_EQ(p["param"], "q");
  EXPECT_NE(p["detail"].get<std::string>().find("\"quote\""), std::string::npos);
}

TEST(OpenApi, DocumentsEveryRouteAndErrorCode) {
  json doc = json::parse(openapi_document());
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  for (const auto& route : api_routes()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    ASSERT_TRUE(doc["paths"].contains(route.name)) << route.name;
    EXPECT_TRUE(doc["paths"][route.name].contains(method)) << route.method << " " << route.name;
  }
  std::set<std::string> documented;
  for (const auto& c : doc["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])
    documented.insert(c);
  for (const auto& e : all_api_errors()) EXPECT_TRUE(documented.count(std::string(e.code))) << e.code;
  EXPECT_EQ(documented.size(), all_api_errors().size());
  // The document in the repository is the one served.
  std::ifstream in(testing::source_path("server/openapi.json"));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(json::parse(text.str()), doc);
}

}  // namespace
}  // namespace errkb::server
