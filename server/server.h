// errkb-server as an object: opens the feedback store and the engine, serves the routes, and
// watches the index so that workers reopen after an update or a rebuild switch, without a restart.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "auth.h"
#include "config.h"
#include "errkb/engine.h"
#include "errkb/feedback.h"
#include "event_server.h"
#include "handlers.h"
#include "jobs.h"
#include "metrics.h"

namespace errkb::server {

class ErrkbServer {
 public:
  // Opens everything the config names; fails with a message naming what could not be opened.
  static Result<std::unique_ptr<ErrkbServer>> Create(const ServerConfig& config);
  ~ErrkbServer();
  ErrkbServer(const ErrkbServer&) = delete;
  ErrkbServer& operator=(const ErrkbServer&) = delete;

  // Binds the configured host and port (port 0: any free port) and returns the bound port.
  Result<int> bind();
  // Serves until stop(); call after bind().
  bool listen();
  void stop();
  bool is_running() const { return http_.is_running(); }

  // Makes every worker reopen the index before its next query (also done by the watcher).
  void index_changed();
  // Applies what can change while serving (SIGHUP: systemctl reload): the log level, the API keys and
  // the anonymous rate; workers reopen the index. Other changed settings are logged: they take effect
  // after a restart.
  void reload(const ServerConfig& next);
  Services& services() { return services_; }
  int event_loops() const { return http_.loops(); }
  const ServerConfig& config() const { return config_; }

 private:
  explicit ErrkbServer(const ServerConfig& config);
  void watch_index();

  ServerConfig config_;
  // Declaration order is destruction order reversed: the HTTP server stops first, the
  // feedback store that the engine reads closes last.
  std::unique_ptr<FeedbackStore> feedback_;
  std::unique_ptr<Engine> engine_;
  Metrics metrics_;
  std::atomic<uint64_t> index_changes_{0};
  std::unique_ptr<KeyRing> keys_;
  std::unique_ptr<ReindexJobs> jobs_;
  Services services_;
  EventServer http_;

  std::mutex watch_mutex_;
  std::condition_variable watch_cv_;
  bool stopping_ = false;
  std::thread watcher_;
};

// A cheap signature of the index folder's state (the generation its stub names, and the names, sizes
// and modification times of that generation's files): it changes whenever a commit or a switch does,
// and not while a rebuild writes the next generation.
std::string index_fingerprint(const std::filesystem::path& index_dir);

}  // namespace errkb::server
