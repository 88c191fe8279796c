// The `errkb` command run as a user runs it, against a real errkb-server on loopback over the test
// KB: its JSON is the API's, its text shows the causes, its exit status says answer / no answer /
// error, and its server and key come from flags, the environment or a config file. Also
// `errkb-indexer explain`, whose JSON is the API's `codes`.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "server_fixture.h"

extern char** environ;

namespace errkb::server::test {
namespace {

using nlohmann::json;

struct ProgramRun {
  int exit_status = -1;
  std::string out, err;
};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class CliTest : public SharedServerTest<CliTest> {
 protected:
  static std::string url() { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // Runs a program of the build with `args`, in an environment without ERRKB_* and with HOME in
  // the test's folder, plus `env`; `input` is its stdin (a file, so never a terminal).
  static ProgramRun run(const std::string& program, std::vector<std::string> args,
                        std::vector<std::string> env = {}, const std::string& input = "") {
    static int count = 0;
    const auto base = *dir_ / ("run" + std::to_string(count++));
    std::filesystem::create_directories(base / "home");
    errkb::testing::write_file(base / "stdin", input);
    std::vector<std::string> environment = {"HOME=" + (base / "home").string(), "TERM=xterm"};
    for (char** e = environ; *e; ++e) {
      std::string_view entry(*e);
      if (!entry.starts_with("ERRKB_") && !entry.starts_with("HOME=") && !entry.starts_with("XDG_") &&
          !entry.starts_with("NO_COLOR=") && !entry.starts_with("TERM=")) {
        environment.emplace_back(entry);
      }
    }
    environment.insert(environment.end(), env.begin(), env.end());
    const std::string binary = std::string(ERRKB_BINARY_DIR) + "/" + program;
    args.insert(args.begin(), binary);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, STDIN_FILENO, (base / "stdin").c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, (base / "out").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&files, STDERR_FILENO, (base / "err").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    ProgramRun result;
    if (posix_spawn(&pid, binary.c_str(), &files, nullptr, argv.data(), envp.data()) == 0) {
      int status = 0;
      waitpid(pid, &status, 0);
      result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    posix_spawn_file_actions_destroy(&files);
    result.out = read_all(base / "out");
    result.err = read_all(base / "err");
    return result;
  }
  static ProgramRun errkb(std::vector<std::string> args, std::vector<std::string> env = {},
                          const std::string& input = "") {
    if (env.empty()) args.insert(args.begin(), {"--server", url(), "--key", "agent-key"});
    return run("errkb", std::move(args), std::move(env), input);
  }
  static std::string api_body(const std::string& path) {
    auto r = server_->client()->Get(path, {{"Authorization", "Bearer reader-key"}});
    EXPECT_TRUE(r);
    return r ? r->body : "";
  }
};

TEST_F(CliTest, JsonIsExactlyTheApisAnswer) {
  ProgramRun code = errkb({"--json", "code", "0x80070005"});
  EXPECT_EQ(code.exit_status, 0) << code.err;
  EXPECT_EQ(code.out, api_body("/v1/codes/0x80070005") + "\n");
  ProgramRun search = errkb({"search", "custom domain", "--kind", "article", "--limit", "2", "--json"});
  EXPECT_EQ(search.exit_status, 0) << search.err;
  EXPECT_EQ(search.out, api_body("/v1/search?q=custom%20domain&kind=article&limit=2") + "\n");
}

TEST_F(CliTest, DiagnosisShowsCausesChecksFixesAndTheNextQuestion) {
  ProgramRun r =
      errkb({"diagnose", "the installer stops with Error 0x80070005: Access is denied", "--limit", "2"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const json api =
      json::parse(errkb({"--json", "diagnose", "the installer stops with Error 0x80070005: Access is denied",
                         "--limit", "2"})
                      .out);
  ASSERT_EQ(api["causes"].size(), 2u);
  for (const auto& cause : api["causes"]) {
    EXPECT_NE(r.out.find(cause["title"].get<std::string>()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cause_id: " + cause["id"].get<std::string>()), std::string::npos) << r.out;
  }
  EXPECT_NE(r.out.find("Code 0x80070005 = hresult:80070005 E_ACCESSDENIED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   Check: Run whoami /groups"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   Fix: "), std::string::npos) << r.out;
  for (const auto& question : api["ask"]) {
    EXPECT_NE(r.out.find("\nAsk next: " + question["question"].get<std::string>()), std::string::npos)
        << r.out;
  }
  EXPECT_NE(r.out.find("\ndiagnosis_id: "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "no colour when stdout is not a terminal";

  ProgramRun coloured = errkb({"diagnose", "--color", "always", "--code", "0x80070005"});
  EXPECT_NE(coloured.out.find("\x1b[1;36m"), std::string::npos);  // titles
  ProgramRun piped = errkb({"diagnose"}, {}, "Customers do not receive order confirmation emails, SMTP 535");
  EXPECT_EQ(piped.exit_status, 0) << piped.err;
  EXPECT_NE(piped.out.find("Order emails not sent"), std::string::npos) << piped.out;
}

TEST_F(CliTest, ExitStatusIsAnswerNoAnswerOrError) {
  EXPECT_EQ(errkb({"code", "ACP-1001"}).exit_status, 0);
  ProgramRun unknown = errkb({"code", "no code here"});
  EXPECT_EQ(unknown.exit_status, 1);
  EXPECT_NE(unknown.err.find("code_not_found"), std::string::npos) << unknown.err;
  EXPECT_EQ(errkb({"search", "zqxjv wvvkq"}).exit_status, 1);
  ProgramRun nothing = errkb({"diagnose", "zqxjv wvvkq"});
  EXPECT_EQ(nothing.exit_status, 1) << nothing.out;
  EXPECT_NE(nothing.out.find("No answer"), std::string::npos) << nothing.out;

  ProgramRun bad = errkb({"diagnose", "dns", "--limit", "50"});
  EXPECT_EQ(bad.exit_status, 2);
  EXPECT_NE(bad.err.find("bad_parameter: 'limit'"), std::string::npos) << bad.err;
  EXPECT_EQ(errkb({"diagnose", "--no-such-flag"}).exit_status, 2);
  EXPECT_EQ(errkb({"frobnicate"}).exit_status, 2);
  ProgramRun unreachable = run("errkb", {"--server", "http://127.0.0.1:1", "code", "5"});
  EXPECT_EQ(unreachable.exit_status, 2);
  EXPECT_NE(unreachable.err.find("cannot reach http://127.0.0.1:1"), std::string::npos) << unreachable.err;
  ProgramRun no_key = run("errkb", {"--server", url(), "code", "5"});
  EXPECT_EQ(no_key.exit_status, 2);
  EXPECT_NE(no_key.err.find("missing_key"), std::string::npos) << no_key.err;
}

TEST_F(CliTest, ServerAndKeyFromFlagsEnvironmentOrConfigFile) {
  const auto config = *dir_ / "cli.yaml";
  errkb::testing::write_file(config, "server: " + url() + "\nkey: reader-key\n");
  const std::vector<std::string> from_file = {"ERRKB_CLI_CONFIG=" + config.string()};
  EXPECT_EQ(run("errkb", {"code", "0x80070005"}, from_file).exit_status, 0);
  EXPECT_EQ(run("errkb", {"--config", config.string(), "code", "0x80070005"}).exit_status, 0);

  // The environment wins over the file, and a flag over the environment.
  std::vector<std::string> wrong_env = from_file;
  wrong_env.push_back("ERRKB_API_KEY=wrong-key");
  ProgramRun refused = run("errkb", {"code", "0x80070005"}, wrong_env);
  EXPECT_EQ(refused.exit_status, 2);
  EXPECT_NE(refused.err.find("invalid_key"), std::string::npos) << refused.err;
  EXPECT_EQ(run("errkb", {"--key", "agent-key", "code", "0x80070005"}, wrong_env).exit_status, 0);
  EXPECT_EQ(
      run("errkb", {"code", "0x80070005"}, {"ERRKB_URL=" + url(), "ERRKB_API_KEY=reader-key"}).exit_status,
      0);

  // The default file, under XDG_CONFIG_HOME.
  errkb::testing::write_file(*dir_ / "xdg/errkb/cli.yaml", "server: " + url() + "\nkey: reader-key\n");
  EXPECT_EQ(run("errkb", {"code", "5"}, {"XDG_CONFIG_HOME=" + (*dir_ / "xdg").string()}).exit_status, 0);

  errkb::testing::write_file(*dir_ / "typo.yaml", "server: " + url() + "\napi_key: reader-key\n");
  ProgramRun typo = run("errkb", {"--config", (*dir_ / "typo.yaml").string(), "code", "5"});
  EXPECT_EQ(typo.exit_status, 2);
  EXPECT_NE(typo.err.find("typo.yaml"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("unknown setting 'api_key'"), std::string::npos) << typo.err;
  ProgramRun missing = run("errkb", {"--config", (*dir_ / "absent.yaml").string(), "code", "5"});
  EXPECT_EQ(missing.exit_status, 2);
}

TEST_F(CliTest, FeedbackNeedsTheFeedbackScope) {
  const json diagnosis = json::parse(errkb({"--json", "diagnose", "--code", "0x80070005"}).out);
  const std::string id = diagnosis["diagnosis_id"], cause = diagnosis["causes"][0]["id"];
  ProgramRun stored = errkb({"feedback", id, cause, "resolved", "--note", "ran as administrator"});
  EXPECT_EQ(stored.exit_status, 0) << stored.err;
  EXPECT_EQ(stored.out, "Feedback stored: resolved for cause " + cause + " of diagnosis " + id + "\n");
  ProgramRun reader =
      run("errkb", {"--server", url(), "--key", "reader-key", "feedback", id, cause, "resolved"});
  EXPECT_EQ(reader.exit_status, 2);
  EXPECT_NE(reader.err.find("missing_scope"), std::string::npos) << reader.err;
}

TEST_F(CliTest, IndexerExplainPrintsTheApisCodes) {
  ProgramRun explain = run("errkb-indexer", {"explain", "--index", (*dir_ / "index").string(),
                                             "failed with 0x80070005 and ACP-1001"});
  ASSERT_EQ(explain.exit_status, 0) << explain.err;
  const json search = json::parse(api_body("/v1/search?q=failed%20with%200x80070005%20and%20ACP-1001"));
  EXPECT_EQ(json::parse(explain.out), search["codes"]);
  EXPECT_EQ(search["codes"][0]["interpretations"][0]["namespace"], "windows");
  EXPECT_EQ(search["codes"][0]["begin"], 12);
}

}  // namespace
}  // namespace errkb::server::test
