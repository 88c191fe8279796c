// errkb-server: flags/file/environment -> ServerConfig -> ErrkbServer; stops cleanly on SIGINT/SIGTERM.
// With --mcp-stdio it serves MCP on stdin/stdout instead of HTTP, for a desktop agent that starts it.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string_view>
#include <thread>
#include <vector>

#include "config.h"
#include "errkb/feedback.h"
#include "logging.h"
#include "mcp.h"
#include "server.h"

namespace {

// The MCP client owns stdout: log lines go to stderr. The process ends when the client closes stdin.
int serve_mcp_on_stdio(const errkb::server::ServerConfig& config) {
  using namespace errkb::server;
  install_logger(STDERR_FILENO, config);
  signal(SIGPIPE, SIG_IGN);
  auto server = ErrkbServer::Create(config);
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    spdlog::shutdown();
    return 2;
  }
  spdlog::info("errkb-server serving MCP on stdio (index {}, feedback {})", config.index_dir.string(),
               errkb::without_password(config.feedback_db.string()));
  serve_mcp_stdio((*server)->services(), std::cin, std::cout);
  spdlog::info("errkb-server stopped: stdin closed");
  server->reset();
  spdlog::shutdown();
  return 0;
}

// SIGHUP: the settings read again as at the start (file, environment, flags); a bad file keeps the
// running settings.
void reload_settings(const std::vector<const char*>& args, errkb::server::ErrkbServer& server) {
  using namespace errkb::server;
  int exit_code = 0;
  std::string output;
  auto next =
      load_config(static_cast<int>(args.size()), args.data(), process_environment(), exit_code, output);
  if (!next.ok()) {
    spdlog::error("reload: {}; the running settings stay", next.status().message());
    return;
  }
  server.reload(*next);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace errkb::server;
  // --mcp-stdio is taken out before the settings are read: every other setting works as for HTTP.
  std::vector<const char*> args(argv, argv + argc);
  const bool mcp_stdio =
      std::erase_if(args, [](const char* a) { return std::string_view(a) == "--mcp-stdio"; }) > 0;
  int exit_code = 0;
  std::string output;
  auto config =
      load_config(static_cast<int>(args.size()), args.data(), process_environment(), exit_code, output);
  if (!config.ok()) {
    if (!output.empty()) {
      std::fputs(output.c_str(), exit_code == 0 ? stdout : stderr);
    } else {
      std::fprintf(stderr, "errkb-server: %s\n", config.status().message().c_str());
    }
    return exit_code;
  }
  if (mcp_stdio) return serve_mcp_on_stdio(*config);
  // Signals go to one thread that asks the server to stop; workers never see them. Blocked before
  // any thread starts (the log sink's writer among them): a thread started earlier keeps the default
  // action, and a SIGTERM delivered to it ends the process without stopping the server.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Request log lines are written in batches: log_sink.h says why, and when a line appears.
  install_logger(STDOUT_FILENO, *config);

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
  std::thread signal_waiter([&server, &signals, &args] {
    for (;;) {
      int received = 0;
      sigwait(&signals, &received);
      if (received == SIGHUP) {
        reload_settings(args, **server);
        continue;
      }
      spdlog::info("signal {}: stopping", received);
      (*server)->stop();
      return;
    }
  });
  signal_waiter.detach();  // sigwait cannot be interrupted portably; the process ends after listen()

  spdlog::info("errkb-server listening on http://{}:{} (index {}, {} event loops, feedback {})",
               config->listen_host, *port, config->index_dir.string(), (*server)->event_loops(),
               errkb::without_password(config->feedback_db.string()));
  bool clean = (*server)->listen();
  spdlog::info("errkb-server stopped");
  spdlog::shutdown();
  return clean ? 0 : 1;
}
