// errkb-server as an operator runs it: a process listening on an ephemeral loopback port, its
// standard output and error going to a log file.
#pragma once

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>

#include "child_process.h"

namespace errkb::server::test {

class ServerProcess : public errkb::testing::ChildProcess {
 public:
  ServerProcess(const std::filesystem::path& index, const std::filesystem::path& feedback_db,
                const std::filesystem::path& log)
      : ChildProcess({std::string(ERRKB_BINARY_DIR) + "/errkb-server", "--index", index.string(), "--listen",
                      "127.0.0.1:0", "--feedback-db", feedback_db.string()},
                     log) {}

  // The port from the "listening on" line, once the server has written it (0 if it never did).
  int wait_for_port(std::chrono::seconds limit) {
    const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    int port = 0;
    errkb::testing::poll_until(limit, [&] {
      std::smatch m;
      const std::string text = log_text();
      if (std::regex_search(text, m, listening)) port = std::stoi(m[1]);
      return port > 0 || has_exited();
    });
    return port;
  }
};

}  // namespace errkb::server::test
