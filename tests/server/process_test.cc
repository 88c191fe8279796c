// The errkb-server binary as an operator runs it: started as a process, stopped with a signal.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <thread>

#include "server_fixture.h"

extern char** environ;

namespace errkb::server::test {
namespace {

// errkb-server running on an ephemeral port, its standard output and error going to `log`.
class ServerProcess {
 public:
  ServerProcess(const std::filesystem::path& index, const std::filesystem::path& feedback_db,
                const std::filesystem::path& log)
      : log_(log) {
    const std::string binary = std::string(ERRKB_BINARY_DIR) + "/errkb-server";
    std::vector<std::string> args = {binary,          "--index",       index.string(), "--listen", "127.0.0.1:0",
                                     "--feedback-db", feedback_db.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
    spawn_error_ = posix_spawn(&pid_, binary.c_str(), &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
  }
  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  bool started() const { return spawn_error_ == 0; }

  // The port from the "listening on" line, once the server has written it (0 if it never did).
  int wait_for_port(std::chrono::seconds limit) {
    const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    int port = 0;
    poll_until(limit, [&] {
      std::smatch m;
      const std::string text = log_text();
      if (std::regex_search(text, m, listening)) port = std::stoi(m[1]);
      return port > 0 || has_exited();
    });
    return port;
  }

  // Sends `signal` and waits for the process to end; false if it is still running after `limit`.
  bool stop_with(int signal, std::chrono::seconds limit) {
    kill(pid_, signal);
    return poll_until(limit, [&] { return has_exited(); });
  }
  int status() const { return status_; }
  std::string log_text() const {
    std::ifstream in(log_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  bool has_exited() {
    if (!exited_ && waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
    return exited_;
  }
  template <typename Done>
  static bool poll_until(std::chrono::seconds limit, Done done) {
    for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  std::filesystem::path log_;
  pid_t pid_ = 0;
  int spawn_error_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

class ServerProcessTest : public ::testing::TestWithParam<int> {};

// Whichever thread the kernel hands the signal to, the server stops its listener, writes its last
// log lines and exits 0. A thread that could take the signal with its default action (the log
// writer, when it started before the signals were blocked) ended the process at once instead.
TEST_P(ServerProcessTest, StopsCleanlyOnSignal) {
  const int signal = GetParam();
  errkb::testing::TempDir dir("errkb-process");
  write_test_kb(dir.path() / "kb");
  build_index(dir.path() / "kb", dir.path() / "index");
  ServerProcess server(dir.path() / "index", dir.path() / "feedback.sqlite", dir.path() / "server.log");
  ASSERT_TRUE(server.started());
  const int port = server.wait_for_port(std::chrono::seconds(60));
  ASSERT_GT(port, 0) << server.log_text();

  httplib::Client client("127.0.0.1", port);
  auto r = client.Get("/v1/codes/0x80070005");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  ASSERT_TRUE(server.stop_with(signal, std::chrono::seconds(30))) << "still running after the signal";
  ASSERT_TRUE(WIFEXITED(server.status())) << "ended by signal " << WTERMSIG(server.status()) << "\n"
                                          << server.log_text();
  EXPECT_EQ(WEXITSTATUS(server.status()), 0);
  const std::string log = server.log_text();
  EXPECT_NE(log.find("signal " + std::to_string(signal) + ": stopping"), std::string::npos) << log;
  EXPECT_NE(log.find("errkb-server stopped"), std::string::npos) << log;
  // Log lines are written in batches: stopping writes the last ones.
  EXPECT_NE(log.find("path=/v1/codes/0x80070005"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Signals, ServerProcessTest, ::testing::Values(SIGTERM, SIGINT),
                         [](const auto& info) { return info.param == SIGTERM ? "SIGTERM" : "SIGINT"; });

}  // namespace
}  // namespace errkb::server::test
