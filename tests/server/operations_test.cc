// Running errkb as a service: versions, request ids and JSON log lines, the settings' environment
// variables, metrics checked by promtool, the admin jobs and index routes, and a backup taken while
// the server answers, restored into a fresh folder and served.
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <sstream>

#include "child_process.h"
#include "errkb/version.h"
#include "logging.h"
#include "server_fixture.h"

namespace errkb::server::test {
namespace {

using errkb::testing::ChildProcess;
using nlohmann::json;

const httplib::Headers kAdmin = {{"Authorization", "Bearer ops-key"}};
constexpr const char* kJson = "application/json";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs a program (args[0] a path, or a name looked up in PATH by /bin/sh) to its end; its exit status
// (-1: did not end within a minute) and its output.
std::pair<int, std::string> run(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<std::string> command = args;
  if (command[0].find('/') == std::string::npos) {
    std::string line;
    for (const auto& a : args) line += (line.empty() ? "" : " ") + a;
    command = {"/bin/sh", "-c", "exec " + line};
  }
  ChildProcess child(command, log);
  if (!child.started() || !child.wait_exit(std::chrono::minutes(1))) return {-1, child.log_text()};
  return {WIFEXITED(child.status()) ? WEXITSTATUS(child.status()) : -1, child.log_text()};
}

std::string binary(const std::string& name) { return std::string(ERRKB_BINARY_DIR) + "/" + name; }

// One server on the test KB with an admin key ("ops-key"), its KB configured for reindexing.
class OperationsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new errkb::testing::TempDir("errkb-operations");
    ServerConfig config = indexed_test_kb(dir_->path());
    config.kb_dirs = {dir_->path() / "kb"};
    config.api_keys = {key("ops", "ops-key", {Scope::kAdmin, Scope::kSearch, Scope::kFeedback})};
    server_ = new RunningServer(config);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(server_->ok()); }

  // Starts a reindex job and waits for its end; its last state.
  static json reindex(httplib::Client& client, const std::string& mode) {
    auto started = client.Post("/v1/admin/reindex", kAdmin, json{{"mode", mode}}.dump(), kJson);
    if (!started || started->status != 202) return nullptr;
    json job;
    errkb::testing::poll_until(std::chrono::minutes(1), [&] {
      auto r = client.Get(started->get_header_value("Location"), kAdmin);
      job = body_json(r);
      return job.is_object() && (job["state"] == "succeeded" || job["state"] == "failed");
    });
    return job;
  }

  // A diagnosis of the test KB's 0x80070005 and feedback that its first cause resolved it.
  static std::pair<std::string, std::string> diagnose_and_resolve(httplib::Client& client) {
    auto diagnosis = body_json(client.Post("/v1/diagnose", kAdmin, R"({"code":"0x80070005"})", kJson));
    if (!diagnosis.is_object() || diagnosis["causes"].empty()) return {};
    std::pair<std::string, std::string> ids = {diagnosis["diagnosis_id"], diagnosis["causes"][0]["id"]};
    auto stored = client.Post(
        "/v1/feedback", kAdmin,
        json{{"diagnosis_id", ids.first}, {"cause_id", ids.second}, {"outcome", "resolved"}}.dump(), kJson);
    EXPECT_TRUE(stored && stored->status == 201);
    return ids;
  }

  static inline errkb::testing::TempDir* dir_ = nullptr;
  static inline RunningServer* server_ = nullptr;
};

TEST(Version, EveryBinaryPrintsTheProjectVersionAndCommit) {
  errkb::testing::TempDir dir("errkb-version");
  const std::regex line(
      "^(errkb|errkb-indexer|errkb-server) ([0-9]+\\.[0-9]+\\.[0-9]+) \\(commit "
      "([0-9a-f]+(-dirty)?|unknown)\\)\n$");
  for (const std::string program : {"errkb", "errkb-indexer", "errkb-server"}) {
    auto [status, output] = run({binary(program), "--version"}, dir.path() / "out");
    EXPECT_EQ(status, 0) << program << ": " << output;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(output, m, line)) << output;
    EXPECT_EQ(m[1], program);
    EXPECT_EQ(m[2], std::string(errkb::version()));
    EXPECT_EQ(m[3], std::string(errkb::git_commit()));
  }
}

TEST_F(OperationsTest, OpenApiDocumentAndMetricsCarryTheVersion) {
  auto client = server_->client();
  json doc = body_json(client->Get("/v1/openapi.json"));
  EXPECT_EQ(doc["info"]["version"], std::string(errkb::version()));
  auto metrics = client->Get("/metrics");
  ASSERT_TRUE(metrics);
  const std::string build_info = "errkb_build_info{version=\"" + std::string(errkb::version()) +
                                 "\",commit=\"" + std::string(errkb::git_commit()) + "\"} 1\n";
  EXPECT_NE(metrics->body.find(build_info), std::string::npos) << metrics->body;
}

TEST_F(OperationsTest, RequestIdIsTheClientsOrANewOneAndComesBack) {
  auto client = server_->client();
  auto given = client->Get("/v1/codes/0x80070005", {{"X-Request-Id", "ticket-4711:try.2"}});
  ASSERT_TRUE(given);
  EXPECT_EQ(given->get_header_value("X-Request-Id"), "ticket-4711:try.2");
  // One that could forge a log line or break a JSON line is replaced, and so is an empty one.
  std::set<std::string> made;
  for (const std::string& bad :
       std::vector<std::string>{"two words", "quote\"d", std::string(129, 'a'), ""}) {
    auto r = client->Get("/healthz", {{"X-Request-Id", bad}});
    ASSERT_TRUE(r);
    const std::string id = r->get_header_value("X-Request-Id");
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{16}"))) << id;
    made.insert(id);
  }
  auto none = client->Get("/no/such/route");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
  made.insert(none->get_header_value("X-Request-Id"));
  EXPECT_EQ(made.size(), 5u);  // a new id for each request
}

// JSON log lines: UTC times, the message escaped, and the request id on every line written while the
// request is served (and on none outside).
TEST(Logging, JsonLinesCarryTheRequestIdOfTheirRequest) {
  errkb::testing::TempDir dir("errkb-logging");
  const auto log_path = dir.path() / "server.log";
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  auto previous = spdlog::default_logger();
  ServerConfig config = indexed_test_kb(dir.path());
  config.log_format = "json";
  install_logger(fd, config);
  {
    RunningServer server(config, /*log_requests=*/true);
    ASSERT_TRUE(server.ok());
    auto r = server.client()->Get("/v1/search?q=0x80070005", {{"X-Request-Id", "req-json-1"}});
    ASSERT_TRUE(r);
    // A line a handler writes while serving carries the id too: the id is the thread's for the request.
    current_request_id() = "req-json-2";
    spdlog::warn("a \"quoted\" line\nwith a newline and \xff");
    current_request_id().clear();
    spdlog::info("a line outside any request");
  }
  spdlog::default_logger()->flush();
  spdlog::set_default_logger(previous);
  ::close(fd);

  std::istringstream lines(read_text(log_path));
  int request_lines = 0, handler_lines = 0, other_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    json entry = json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << line;
    EXPECT_TRUE(
        std::regex_match(entry["time"].get<std::string>(),
                         std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z")))
        << line;
    const std::string message = entry["message"];
    if (message.starts_with("request ")) {
      EXPECT_EQ(entry["request_id"], "req-json-1") << line;
      ++request_lines;
    } else if (message.starts_with("a \"quoted\" line\n")) {
      EXPECT_EQ(entry["level"], "warning");
      EXPECT_EQ(entry["request_id"], "req-json-2") << line;
      ++handler_lines;
    } else {
      EXPECT_FALSE(entry.contains("request_id")) << line;
      ++other_lines;
    }
  }
  EXPECT_EQ(request_lines, 1);
  EXPECT_EQ(handler_lines, 1);
  EXPECT_GE(other_lines, 1);
}

// Every setting of the example config file has its ERRKB_ variable, which sets it as the file does,
// and docs/operations.md lists the variable.
TEST(Environment, EverySettingHasAVariableThatSetsItAsTheFileDoes) {
  const YAML::Node example = YAML::LoadFile(errkb::testing::source_path("server/errkb.example.yaml"));
  std::set<std::string> in_example;
  for (const auto& entry : example) in_example.insert(entry.first.as<std::string>());
  const std::set<std::string> names(setting_names().begin(), setting_names().end());
  EXPECT_EQ(in_example, names) << "server/errkb.example.yaml and setting_names() list different settings";
  const std::string docs = read_text(errkb::testing::source_path("docs/operations.md"));

  for (const auto& entry : example) {
    const std::string name = entry.first.as<std::string>();
    const std::string variable = environment_name(name);
    EXPECT_NE(docs.find("`" + variable + "`"), std::string::npos)
        << variable << " is not in docs/operations.md";
    std::string value;
    if (name == "kb" || name == "cors_origins") {
      for (const auto& item : entry.second)
        value += (value.empty() ? "" : name == "kb" ? ":" : ",") + item.as<std::string>();
    } else if (entry.second.IsScalar()) {
      value = entry.second.as<std::string>();
    } else {
      YAML::Emitter flow;
      flow << YAML::Flow << entry.second;
      value = flow.c_str();
    }
    ServerConfig from_file, from_environment;
    YAML::Node one;
    one[name] = entry.second;
    ASSERT_TRUE(apply_yaml_text(YAML::Dump(one), "example", from_file).ok()) << name;
    Status s = apply_environment(from_environment, [&](const std::string& v) -> std::optional<std::string> {
      if (v == variable) return value;
      return std::nullopt;
    });
    ASSERT_TRUE(s.ok()) << variable << "=" << value << ": " << s.ToString();
    EXPECT_TRUE(from_file == from_environment) << variable << "=" << value;
  }
  // A bad value names the variable.
  ServerConfig config;
  Status bad = apply_environment(config, [](const std::string& v) -> std::optional<std::string> {
    return v == "ERRKB_MAX_BODY_BYTES" ? std::optional<std::string>("lots") : std::nullopt;
  });
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("ERRKB_MAX_BODY_BYTES"), std::string::npos) << bad.message();
}

// /metrics after real traffic: promtool (Debian's prometheus package) accepts it, and the counters
// say what happened.
TEST_F(OperationsTest, MetricsPassPromtoolAndCountWhatHappened) {
  auto client = server_->client();
  auto before = client->Get("/metrics");
  ASSERT_TRUE(before);
  auto value = [](const std::string& text, const std::string& series) -> double {
    const size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
  };
  const double answered = value(before->body, "errkb_diagnoses_total{result=\"answered\"}");
  const double resolved = value(before->body, "errkb_feedback_total{outcome=\"resolved\"}");
  const double updates = value(before->body, "errkb_reindex_jobs_total{mode=\"update\",state=\"succeeded\"}");
  ASSERT_GE(answered, 0);

  ASSERT_FALSE(diagnose_and_resolve(*client).first.empty());
  json job = reindex(*client, "update");
  ASSERT_EQ(job["state"], "succeeded") << job.dump();

  auto after = client->Get("/metrics");
  ASSERT_TRUE(after);
  const std::string& text = after->body;
  EXPECT_EQ(value(text, "errkb_diagnoses_total{result=\"answered\"}"), answered + 1);
  EXPECT_EQ(value(text, "errkb_feedback_total{outcome=\"resolved\"}"), resolved + 1);
  EXPECT_EQ(value(text, "errkb_reindex_jobs_total{mode=\"update\",state=\"succeeded\"}"), updates + 1);
  EXPECT_GE(value(text, "errkb_reindex_job_duration_seconds_count{mode=\"update\"}"), 1);
  EXPECT_GE(value(text, "errkb_diagnosis_confidence_count"), 1);
  EXPECT_GT(value(text, "process_resident_memory_bytes"), 0);
  EXPECT_GT(value(text, "process_open_fds"), 0);
  EXPECT_GT(value(text, "process_cpu_seconds_total"), 0);
  EXPECT_GE(value(text, "errkb_index_age_seconds"), 0);
  EXPECT_GT(value(text, "errkb_index_revision"), 0);

  errkb::testing::TempDir dir("errkb-promtool");
  std::ofstream(dir.path() / "metrics.txt") << text;
  auto [status, output] = run({"promtool", "check", "metrics", "<", (dir.path() / "metrics.txt").string()},
                              dir.path() / "promtool.log");
  EXPECT_EQ(status, 0) << "promtool check metrics: " << output;
}

TEST_F(OperationsTest, AdminJobsListsJobsNewestFirst) {
  auto client = server_->client();
  json first = reindex(*client, "update");
  json second = reindex(*client, "rebuild");
  ASSERT_EQ(second["state"], "succeeded") << second.dump();
  json all = body_json(client->Get("/v1/admin/jobs", kAdmin));
  ASSERT_TRUE(all["jobs"].is_array()) << all.dump();
  ASSERT_GE(all["jobs"].size(), 2u);
  EXPECT_EQ(all["jobs"][0]["id"], second["id"]);
  EXPECT_EQ(all["jobs"][1]["id"], first["id"]);
  EXPECT_EQ(all["jobs"][0]["mode"], "rebuild");
  json one = body_json(client->Get("/v1/admin/jobs?limit=1", kAdmin));
  EXPECT_EQ(one["jobs"].size(), 1u);
  auto bad = client->Get("/v1/admin/jobs?limit=0", kAdmin);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(body_json(bad)["code"], "bad_parameter");
  auto anonymous = client->Get("/v1/admin/jobs");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
}

TEST_F(OperationsTest, AdminIndexTellsGenerationWhenBuiltAndKbFolders) {
  auto client = server_->client();
  json index = body_json(client->Get("/v1/admin/index", kAdmin));
  ASSERT_TRUE(index.is_object());
  EXPECT_TRUE(std::regex_match(index["generation"].get<std::string>(), std::regex("gen-[0-9]{6}")))
      << index.dump();
  EXPECT_EQ(index["generation"], live_generation(dir_->path() / "index")->filename().string());
  EXPECT_TRUE(index["built"].is_string()) << index.dump();
  EXPECT_TRUE(index["changed"].is_string()) << index.dump();
  ASSERT_EQ(index["kb_dirs"].size(), 1u) << index.dump();
  EXPECT_EQ(index["kb_dirs"][0], std::filesystem::absolute(dir_->path() / "kb").lexically_normal().string());
  EXPECT_EQ(index["passages"]["by_kind"]["catalogue"], 2);
  EXPECT_GT(index["passages"]["by_language"]["en"].get<int>(), 0);
  EXPECT_GT(index["size_bytes"].get<int64_t>(), 0);
}

// A backup taken by errkb-indexer while the server answers diagnoses, restored into a fresh folder
// and served there: the same index, and the feedback given before the backup.
TEST_F(OperationsTest, BackupWhileServingRestoresIntoAFreshFolder) {
  auto client = server_->client();
  auto [diagnosis_id, cause_id] = diagnose_and_resolve(*client);
  ASSERT_FALSE(diagnosis_id.empty());
  const json live_index = body_json(client->Get("/v1/admin/index", kAdmin));

  std::atomic<bool> backing_up{true};
  std::atomic<int> answered{0}, failed{0};
  std::thread traffic([&] {
    auto c = server_->client();
    while (backing_up || answered == 0) {
      auto r = c->Post("/v1/diagnose", kAdmin, R"({"text":"order emails not sent, SMTP 535"})", kJson);
      (r && r->status == 200 ? answered : failed)++;
    }
  });
  errkb::testing::TempDir dir("errkb-backup");
  const auto backup = dir.path() / "backup";
  auto [status, output] =
      run({binary("errkb-indexer"), "backup", "--index", (dir_->path() / "index").string(), "--feedback-db",
           (dir_->path() / "feedback.sqlite").string(), "--to", backup.string()},
          dir.path() / "backup.log");
  backing_up = false;
  traffic.join();
  ASSERT_EQ(status, 0) << output;
  EXPECT_EQ(failed, 0);
  json manifest = json::parse(read_text(backup / "backup.json"));
  EXPECT_EQ(manifest["index"]["revision"], live_index["revision"]);
  // A second backup into the same folder is refused.
  EXPECT_EQ(run({binary("errkb-indexer"), "backup", "--index", (dir_->path() / "index").string(), "--to",
                 backup.string()},
                dir.path() / "again.log")
                .first,
            2);

  const auto fresh = dir.path() / "restored";
  auto [restored, restore_output] =
      run({binary("errkb-indexer"), "restore", "--from", backup.string(), "--index",
           (fresh / "index").string(), "--feedback-db", (fresh / "feedback.sqlite").string()},
          dir.path() / "restore.log");
  ASSERT_EQ(restored, 0) << restore_output;
  // Restoring over the feedback database now there is refused without --replace-feedback.
  EXPECT_EQ(run({binary("errkb-indexer"), "restore", "--from", backup.string(), "--index",
                 (fresh / "index").string(), "--feedback-db", (fresh / "feedback.sqlite").string()},
                dir.path() / "refused.log")
                .first,
            2);

  ServerConfig config;
  config.index_dir = fresh / "index";
  config.feedback_db = fresh / "feedback.sqlite";
  config.threads = 1;
  RunningServer copy(config);
  ASSERT_TRUE(copy.ok());
  auto copy_client = copy.client();
  json ready = body_json(copy_client->Get("/readyz"));
  EXPECT_EQ(ready["documents"], live_index["documents"]);
  auto code = copy_client->Get("/v1/codes/ACP-1001");
  ASSERT_TRUE(code);
  EXPECT_EQ(code->status, 200);
  // The diagnosis and its feedback came along: the same feedback again replaces the restored one.
  auto again = copy_client->Post(
      "/v1/feedback",
      json{{"diagnosis_id", diagnosis_id}, {"cause_id", cause_id}, {"outcome", "resolved"}}.dump(), kJson);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 201) << again->body;
  EXPECT_EQ(body_json(again)["replaced"], true) << again->body;
}

// systemctl reload sends SIGHUP: errkb-server reads its config file again and takes the new keys at
// once, without a restart (its port and its other connections stay).
TEST(Reload, SighupTakesTheNewKeysOfTheConfigFile) {
  errkb::testing::TempDir dir("errkb-reload");
  write_test_kb(dir.path() / "kb");
  build_index(dir.path() / "kb", dir.path() / "index");
  const auto config = dir.path() / "errkb.yaml";
  auto write_config = [&](const std::string& key) {
    std::ofstream(config) << "index: index\nlisten: 127.0.0.1:0\napi_keys:\n  - id: ops\n    key: " << key
                          << "\n    scopes: [admin]\n";
  };
  write_config("first-key");
  ChildProcess server({binary("errkb-server"), "--config", config.string()}, dir.path() / "server.log");
  ASSERT_TRUE(server.started());
  int port = 0;
  const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
  errkb::testing::poll_until(std::chrono::minutes(1), [&] {
    std::smatch m;
    const std::string log = server.log_text();
    if (std::regex_search(log, m, listening)) port = std::stoi(m[1]);
    return port > 0 || server.has_exited();
  });
  ASSERT_GT(port, 0) << server.log_text();
  httplib::Client client("127.0.0.1", port);
  auto status_with = [&](const std::string& key) {
    auto r = client.Get("/v1/admin/jobs", {{"Authorization", "Bearer " + key}});
    return r ? r->status : -1;
  };
  EXPECT_EQ(status_with("first-key"), 200);
  EXPECT_EQ(status_with("second-key"), 401);

  write_config("second-key");
  ASSERT_EQ(::kill(server.pid(), SIGHUP), 0);
  EXPECT_TRUE(errkb::testing::poll_until(std::chrono::seconds(30), [&] {
    return status_with("second-key") == 200;
  })) << server.log_text();
  EXPECT_EQ(status_with("first-key"), 401);
  // A broken file keeps the running settings.
  std::ofstream(config) << "api_keys: [\n";
  ASSERT_EQ(::kill(server.pid(), SIGHUP), 0);
  EXPECT_TRUE(errkb::testing::poll_until(std::chrono::seconds(30), [&] {
    return server.log_text().find("the running settings stay") != std::string::npos;
  })) << server.log_text();
  EXPECT_EQ(status_with("second-key"), 200);
  EXPECT_TRUE(server.stop_with(SIGTERM, std::chrono::seconds(30)));
  EXPECT_TRUE(server.exited_with(0)) << server.log_text();
}

}  // namespace
}  // namespace errkb::server::test
