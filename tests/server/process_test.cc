// The errkb-server binary as an operator runs it: started as a process, stopped with a signal.
#include <sys/wait.h>

#include <chrono>
#include <string>

#include "server_fixture.h"
#include "server_process.h"

namespace errkb::server::test {
namespace {

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
                         [](const auto& test_case) {
                           return test_case.param == SIGTERM ? "SIGTERM" : "SIGINT";
                         });

}  // namespace
}  // namespace errkb::server::test
