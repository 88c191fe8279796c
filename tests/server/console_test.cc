// The agent console as HTTP serves it: the pages and their files compiled in, content types, ETags
// and 304s, the Content-Security-Policy, and the admin route that describes the index to editors.
// (The pages themselves are tested in a browser: tests/browser/.)
#include <gtest/gtest.h>

#include <regex>

#include "api_key_fixture.h"
#include "server_fixture.h"
#include "web_assets.h"

namespace errkb::server::test {
namespace {

using nlohmann::json;

const std::string kAdminKey = "console-admin-key";

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_test_kb(dir_ / "kb");
    ASSERT_NO_FATAL_FAILURE(build_index(dir_ / "kb", dir_ / "index"));
    config_.index_dir = dir_ / "index";
    config_.feedback_db = dir_ / "feedback.sqlite";
    config_.threads = 2;
    config_.cors_origins = {"https://desk.example.com"};
  }
  void start() {
    server_ = std::make_unique<RunningServer>(config_);
    ASSERT_TRUE(server_->ok());
    client_ = server_->client();
  }

  testing::TempDir dir_{"errkb-console"};
  ServerConfig config_;
  std::unique_ptr<RunningServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ConsoleTest, PagesAreServedWithTheirPolicy) {
  start();
  for (const auto& [path, file] : {std::pair{"/", "index.html"}, std::pair{"/editor", "editor.html"}}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r->body, find_web_asset(file)->body);
    const std::string policy = r->get_header_value("Content-Security-Policy");
    EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("script-src 'self';"), std::string::npos) << policy;
    EXPECT_NE(policy.find("require-trusted-types-for 'script'"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe"), std::string::npos) << policy;
    // A helpdesk listed in cors_origins may show the page in its side panel; nobody else may frame it.
    EXPECT_NE(policy.find("frame-ancestors 'self' https://desk.example.com;"), std::string::npos) << policy;
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  }
}

TEST_F(ConsoleTest, EveryFileHasItsTypeAndAnEtagThatAnswers304) {
  start();
  const std::map<std::string, std::string> types = {
      {"js", "text/javascript; charset=utf-8"}, {"css", "text/css; charset=utf-8"}, {"svg", "image/svg+xml"}};
  size_t served = 0;
  for (const WebAsset& asset : web_assets()) {
    const std::string name(asset.name);
    const std::string extension = name.substr(name.rfind('.') + 1);
    if (extension == "html") continue;  // the pages have their own addresses (above)
    auto r = client_->Get("/console/" + name);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << name;
    ASSERT_TRUE(types.count(extension)) << name;
    EXPECT_EQ(r->get_header_value("Content-Type"), types.at(extension)) << name;
    EXPECT_EQ(r->body, asset.body);
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");
    const std::string etag = r->get_header_value("ETag");
    EXPECT_TRUE(std::regex_match(etag, std::regex("\"[0-9a-f]{20}\""))) << etag;
    auto again = client_->Get("/console/" + name, {{"If-None-Match", etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << name;
    EXPECT_TRUE(again->body.empty());
    auto changed = client_->Get("/console/" + name, {{"If-None-Match", "\"0000000000\""}});
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed->status, 200);
    ++served;
  }
  EXPECT_GE(served, 5u);  // the scripts, the style sheet and the icon
}

TEST_F(ConsoleTest, UnknownFilesAndOtherMethodsAreProblems) {
  start();
  for (const char* path : {"/console/nothing.js", "/console/index.html", "/console/../openapi.json"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json") << path;
  }
  auto post = client_->Post("/", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(body_json(post).value("code", ""), "method_not_allowed");
}

TEST_F(ConsoleTest, PagesNeedNoKeyWhereTheApiDoes) {
  config_.api_keys = {key("admin", kAdminKey, {Scope::kSearch, Scope::kAdmin})};
  start();
  EXPECT_EQ(client_->Get("/")->status, 200);
  EXPECT_EQ(client_->Get("/console/agent.js")->status, 200);
  EXPECT_EQ(client_->Post("/v1/diagnose", R"({"text":"0x80070005"})", "application/json")->status, 401);
}

TEST_F(ConsoleTest, IndexStatsCountPassagesByKindAndLanguage) {
  config_.api_keys = {key("admin", kAdminKey, {Scope::kAdmin, Scope::kFeedback})};
  start();
  auto refused = client_->Get("/v1/admin/index");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);

  auto r = client_->Get("/v1/admin/index", {{"Authorization", "Bearer " + kAdminKey}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json info = body_json(r);
  const auto sum = [](const json& counts) {
    int64_t total = 0;
    for (const auto& [name, n] : counts.items()) total += n.get<int64_t>();
    return total;
  };
  const int64_t documents = info["documents"];
  EXPECT_GT(documents, 0);
  EXPECT_EQ(sum(info["passages"]["by_kind"]), documents) << info.dump();
  EXPECT_EQ(sum(info["passages"]["by_language"]), documents) << info.dump();
  EXPECT_GT(info["passages"]["by_kind"]["catalogue"].get<int64_t>(), 0);
  EXPECT_GT(info["size_bytes"].get<int64_t>(), 0);
  EXPECT_TRUE(
      std::regex_match(info["changed"].get<std::string>(), std::regex(R"(20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << info["changed"];
  EXPECT_GT(info["revision"].get<int64_t>(), 0);
  // Counting is not searching: nothing lands in the gaps report.
  auto gaps = client_->Get("/v1/gaps", {{"Authorization", "Bearer " + kAdminKey}});
  ASSERT_TRUE(gaps);
  EXPECT_EQ(body_json(gaps)["queries"], json::array()) << gaps->body;
}

}  // namespace
}  // namespace errkb::server::test
