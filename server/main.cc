// errkb-server: flags/file/environment -> ServerConfig -> ErrkbServer; stops cleanly on SIGINT/SIGTERM.
#include <signal.h>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "config.h"
#include "log_sink.h"
#include "server.h"

int main(int argc, char** argv) {
  using namespace errkb::server;
  int exit_code = 0;
  std::string output;
  auto config = load_config(argc, argv, process_environment(), exit_code, output);
  if (!config.ok()) {
    if (!output.empty()) {
      std::fputs(output.c_str(), exit_code == 0 ? stdout : stderr);
    } else {
      std::fprintf(stderr, "errkb-server: %s\n", config.status().message().c_str());
    }
    return exit_code;
  }
  // Signals go to one thread that asks the server to stop; workers never see them. Blocked before
  // any thread starts (the log sink's writer among them): a thread started earlier keeps the default
  // action, and a SIGTERM delivered to it ends the process without stopping the server.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Request log lines are written in batches: log_sink.h says why, and when a line appears.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "errkb", std::make_shared<BatchedFdSink>(STDOUT_FILENO, std::chrono::milliseconds(100))));
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  auto server = ErrkbServer::Create(*config);
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    spdlog::shutdown();  // writes the buffered lines
    return 2;
  }
  auto port = (*server)->bind();
  if (!port.ok()) {
    spdlog::critical("cannot start: {}", port.status().ToString());
    spdlog::shutdown();
    return 2;
  }
  std::thread signal_waiter([&server, &signals] {
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("signal {}: stopping", received);
    (*server)->stop();
  });
  signal_waiter.detach();  // sigwait cannot be interrupted portably; the process ends after listen()

  spdlog::info("errkb-server listening on http://{}:{} (index {}, {} event loops, feedback {})",
               config->listen_host, *port, config->index_dir.string(), (*server)->event_loops(),
               config->feedback_db.string());
  bool clean = (*server)->listen();
  spdlog::info("errkb-server stopped");
  spdlog::shutdown();
  return clean ? 0 : 1;
}
