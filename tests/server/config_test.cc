// Configuration: YAML file, ERRKB_* environment and flags, in that order, then validate().
#include "config.h"

#include <gtest/gtest.h>

#include <map>

#include "test_util.h"

namespace errkb::server {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<ServerConfig> load(std::vector<std::string> args, std::map<std::string, std::string> env,
                          int& exit_code, std::string& output) {
  std::vector<const char*> argv = {"errkb-server"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return load_config(static_cast<int>(argv.size()), argv.data(), fake_env(std::move(env)), exit_code, output);
}

TEST(Config, FileThenEnvironmentThenFlags) {
  testing::TempDir dir("errkb-config");
  testing::write_file(dir / "errkb.yaml", R"yaml(
index: idx
listen: 127.0.0.1:9000
threads: 4
kb: [kb1, kb2]
cors_origins: [https://desk.example.com]
api_keys:
  - id: desk
    key: s3cret
    scopes: [search, feedback]
    rate_per_second: 5
)yaml");
  int exit_code = -1;
  std::string output;
  auto config = load({"--config", (dir / "errkb.yaml").string(), "--threads", "6"},
                     {{"ERRKB_LISTEN", "127.0.0.1:9100"}}, exit_code, output);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->index_dir, dir.path() / "idx");  // relative to the config file
  EXPECT_EQ(config->listen_port, 9100);              // environment over file
  EXPECT_EQ(config->threads, 6);                     // flag over file
  ASSERT_EQ(config->kb_dirs.size(), 2u);
  EXPECT_EQ(config->kb_dirs[1], dir.path() / "kb2");
  ASSERT_EQ(config->api_keys.size(), 1u);
  EXPECT_EQ(config->api_keys[0].sha256_hex, sha256_hex("s3cret"));  // never the plain key
  EXPECT_EQ(config->api_keys[0].scopes, (std::set<Scope>{Scope::kSearch, Scope::kFeedback}));
  EXPECT_EQ(config->feedback_db, (dir.path() / "idx").string() + ".feedback.sqlite");
}

TEST(Config, MessagesNameTheBadSetting) {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"threads: -1", "threads:"},
      {"threads: 300", "threads:"},
      {"max_connections: 0", "max_connections:"},
      {"max_connections_per_client: 0", "max_connections_per_client:"},
      {"max_connections: 10\nmax_connections_per_client: 11", "max_connections_per_client:"},
      {"concurrent_queries: 2", "concurrent_queries: is no longer a setting"},
      {"listen: nowhere", "listen:"},
      {"listen: 127.0.0.1:70000", "listen:"},
      {"cors_origins: [desk.example.com]", "cors_origins:"},
      {"api_keys: [{id: a, key: k}]", "api_keys[0].scopes"},
      {"api_keys: [{id: a, key: k, scopes: [root]}]", "api_keys[0].scopes"},
      {"api_keys: [{key: k, scopes: [search]}]", "api_keys[0].id"},
      {"api_keys: [{id: a, sha256: abc, scopes: [search]}]", "api_keys[0].sha256"},
      {"api_keys: [{id: a, key: k, scopes: [search]}, {id: b, key: k, scopes: [admin]}]", "api_keys[1]"},
      {"thraeds: 4", "thraeds: unknown setting"},
      {"threads: many", "threads"},
      {"log_level: loud", "log_level:"},
      {"max_body_bytes: 10", "max_body_bytes:"},
      {"feedback_retention_days: 0", "feedback_retention_days:"},
  };
  for (const auto& c : cases) {
    ServerConfig config;
    config.index_dir = "/tmp/idx";
    Status status = apply_yaml_text(c.yaml, "test.yaml", config);
    if (status.ok()) status = validate(config);
    EXPECT_FALSE(status.ok()) << c.yaml;
    EXPECT_NE(status.message().find(c.expected), std::string::npos) << c.yaml << " -> " << status.message();
  }
}

TEST(Config, IndexIsRequired) {
  int exit_code = -1;
  std::string output;
  auto config = load({}, {}, exit_code, output);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(exit_code, 2);
  EXPECT_NE(config.status().message().find("index"), std::string::npos);
}

TEST(Config, EnvironmentSettings) {
  int exit_code = -1;
  std::string output;
  auto config = load({},
                     {{"ERRKB_INDEX", "/srv/idx"},
                      {"ERRKB_KB", "/kb/a:/kb/b"},
                      {"ERRKB_THREADS", "3"},
                      {"ERRKB_CORS_ORIGINS", "https://a.example,https://b.example"},
                      {"ERRKB_FEEDBACK_DB", "/srv/fb.sqlite"}},
                     exit_code, output);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->index_dir, "/srv/idx");
  EXPECT_EQ(config->kb_dirs.size(), 2u);
  EXPECT_EQ(config->threads, 3);
  EXPECT_EQ(config->cors_origins.size(), 2u);
  EXPECT_EQ(config->feedback_db, "/srv/fb.sqlite");

  auto bad = load({}, {{"ERRKB_INDEX", "/srv/idx"}, {"ERRKB_THREADS", "lots"}}, exit_code, output);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("ERRKB_THREADS"), std::string::npos);
}

TEST(Config, FlagsAndHelp) {
  int exit_code = -1;
  std::string output;
  auto config = load({"--index", "/i", "--listen", "[::1]:8081", "--kb", "/kb", "--kb", "/kb2",
                      "--feedback-db", "/f.sqlite"},
                     {}, exit_code, output);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->listen_host, "::1");
  EXPECT_EQ(config->listen_port, 8081);
  EXPECT_EQ(config->kb_dirs, (std::vector<std::filesystem::path>{"/kb", "/kb2"}));

  auto help = load({"--help"}, {}, exit_code, output);
  EXPECT_FALSE(help.ok());
  EXPECT_EQ(exit_code, 0);
  EXPECT_NE(output.find("--index"), std::string::npos);

  auto unknown = load({"--index", "/i", "--bogus"}, {}, exit_code, output);
  EXPECT_FALSE(unknown.ok());
  EXPECT_EQ(exit_code, 2);

  auto missing_file = load({"--index", "/i", "--config", "/nonexistent/errkb.yaml"}, {}, exit_code, output);
  ASSERT_FALSE(missing_file.ok());
  EXPECT_NE(missing_file.status().message().find("config"), std::string::npos);
}

TEST(Config, ExampleFileInTheRepositoryIsValid) {
  ServerConfig config;
  Status status = apply_yaml_file(testing::source_path("server/errkb.example.yaml"), config);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_TRUE(validate(config).ok());
  EXPECT_EQ(config.api_keys.size(), 2u);
  EXPECT_EQ(config.api_keys[1].sha256_hex, sha256_hex("change-me-ops-key"));
  EXPECT_EQ(config.cors_origins, std::vector<std::string>{"https://desk.example.com"});
}

TEST(Config, Sha256MatchesKnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace errkb::server
