#include "server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "api_errors.h"
#include "errkb/indexer.h"
#include "routes.h"

namespace errkb::server {
namespace {

void fingerprint_dir(const std::filesystem::path& dir, int depth, std::string& out) {
  std::error_code ec;
  std::vector<std::filesystem::directory_entry> entries;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(*it);
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& entry : entries) {
    out += entry.path().filename().string();
    if (entry.is_symlink(ec)) out += "->" + std::filesystem::read_symlink(entry.path(), ec).string();
    if (entry.is_directory(ec)) {
      out += "/\n";
      if (depth > 0) fingerprint_dir(entry.path(), depth - 1, out);
      continue;
    }
    auto size = entry.file_size(ec);
    auto mtime = entry.last_write_time(ec).time_since_epoch().count();
    out += " " + std::to_string(size) + " " + std::to_string(mtime) + "\n";
  }
}

}  // namespace

std::string index_fingerprint(const std::filesystem::path& index_dir) {
  std::string out;
  std::error_code ec;
  auto status = std::filesystem::status(index_dir, ec);
  if (ec) return "missing";
  if (std::filesystem::is_regular_file(status)) {
    // A Xapian stub file: its content names the database it points to.
    std::ifstream in(index_dir, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out = "stub:" + text.str() + "\n";
    return out;
  }
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(index_dir, ec))) {
    out = "link:" + std::filesystem::read_symlink(index_dir, ec).string() + "\n";
  }
  // An errkb index folder: only its stub and the generation it names count. A rebuild writes the
  // next generation beside them for minutes, its files growing every second, and readers see none of
  // it until the stub is switched; looking at every generation reopened the workers every poll.
  if (auto live = live_generation(index_dir); live.ok()) {
    out += "live:" + live->string() + "\n";  // what the stub says: a switch changes it
    fingerprint_dir(*live, 1, out);
    return out;
  }
  fingerprint_dir(index_dir, 2, out);  // not an errkb index folder (yet): whatever is there
  return out;
}

ErrkbServer::ErrkbServer(const ServerConfig& config) : config_(config) {}

Result<std::unique_ptr<ErrkbServer>> ErrkbServer::Create(const ServerConfig& config) {
  std::unique_ptr<ErrkbServer> server(new ErrkbServer(config));
  FeedbackStoreOptions feedback_options;
  feedback_options.unrated_retention = std::chrono::hours(24) * config.feedback_retention_days;
  auto feedback = FeedbackStore::Open(config.feedback_db, feedback_options);
  if (!feedback.ok()) return feedback.status().With("feedback_db");
  server->feedback_ = std::move(feedback).value();

  EngineOptions engine_options = config.engine;
  engine_options.index_dir = config.index_dir;
  engine_options.feedback = server->feedback_.get();
  // Workers look for a changed index at most every 100 ms (a stat and a file read each time); the
  // watcher and finished reindex jobs make them look at once (index_changed()).
  engine_options.change_check_interval = std::chrono::milliseconds(100);
  auto engine = Engine::Open(engine_options);
  if (!engine.ok()) return engine.status().With("index " + config.index_dir.string());
  server->engine_ = std::move(engine).value();

  server->keys_ = std::make_unique<KeyRing>(config);
  IndexerOptions indexer;
  indexer.kb_dirs = config.kb_dirs;
  indexer.index_dir = config.index_dir;
  indexer.threads = config.indexer_threads;
  ErrkbServer* self = server.get();
  server->jobs_ = std::make_unique<ReindexJobs>(indexer, [self] { self->index_changed(); });
  server->jobs_->set_metrics(&server->metrics_);

  server->services_.config = &server->config_;
  server->services_.engine = server->engine_.get();
  server->services_.feedback = server->feedback_.get();
  server->services_.jobs = server->jobs_.get();
  server->services_.metrics = &server->metrics_;
  server->services_.invalidations = &server->index_changes_;
  server->services_.connections = [self] {
    return std::pair{self->http_.open_connections(), self->http_.refused_connections()};
  };

  EventServer& http = server->http_;
  // As many loops as cores: a loop runs its query to the end, and one more would only share the
  // cores by time slices, which lengthens the slowest answers.
  EventServerOptions loops;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  loops.loops = config.threads > 0 ? config.threads : cores;
  loops.max_connections = config.max_connections;
  loops.max_connections_per_client = config.max_connections_per_client;
  // The loops apply httplib's own limits and timeouts (event_server.h).
  http.set_keep_alive_max_count(config.keep_alive_max_count);
  http.set_keep_alive_timeout(config.keep_alive_timeout_s);
  http.set_read_timeout(config.read_timeout_s, 0);
  http.set_write_timeout(config.write_timeout_s, 0);
  http.set_payload_max_length(config.max_body_bytes);
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second errkb-server on
  // the same port starts without an error and takes half of the connections (an old instance
  // serving an old index beside the new one).
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  install_routes(http, server->services_, *server->keys_, server->config_);
  // Requests the loops refuse before httplib reads them (framing, RFC 9112) get the API's problems too.
  http.set_refusal_handler([](int status, std::string_view reason, httplib::Response& res) {
    send_problem(res,
                 status == 413   ? ApiError::payload_too_large
                 : status == 415 ? ApiError::unsupported_media_type
                                 : ApiError::bad_request,
                 reason);
  });
  http.start_loops(loops);

  server->watcher_ = std::thread([self] { self->watch_index(); });
  return server;
}

ErrkbServer::~ErrkbServer() {
  stop();
  {
    std::lock_guard lock(watch_mutex_);
    stopping_ = true;
  }
  watch_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  jobs_.reset();  // waits for a running reindex before the engine goes away
}

Result<int> ErrkbServer::bind() {
  if (config_.listen_port == 0) {
    int port = http_.bind_to_any_port(config_.listen_host);
    if (port <= 0) return Status::IOError("listen: cannot bind " + config_.listen_host + " to any port");
    return port;
  }
  if (!http_.bind_to_port(config_.listen_host, config_.listen_port)) {
    return Status::IOError("listen: cannot bind " + config_.listen_host + ":" +
                           std::to_string(config_.listen_port) + " (in use, or not an address of this host)");
  }
  return config_.listen_port;
}

bool ErrkbServer::listen() { return http_.listen_after_bind(); }

void ErrkbServer::stop() { http_.stop_all(); }

void ErrkbServer::index_changed() {
  index_changes_.fetch_add(1, std::memory_order_relaxed);
  if (engine_) engine_->invalidate();
}

void ErrkbServer::reload(const ServerConfig& next) {
  spdlog::set_level(spdlog::level::from_str(next.log_level));
  keys_->replace(next);
  index_changed();
  ServerConfig unchanged = next;  // what a reload cannot apply, compared with what runs
  unchanged.log_level = config_.log_level;
  unchanged.api_keys = config_.api_keys;
  unchanged.anonymous_rate_per_second = config_.anonymous_rate_per_second;
  spdlog::info("reload: log level {}, {} API keys, anonymous rate {}/s; the index is reopened",
               next.log_level, next.api_keys.size(), next.anonymous_rate_per_second);
  if (!(unchanged == config_))
    spdlog::warn("reload: other settings changed; they take effect after a restart");
}

void ErrkbServer::watch_index() {
  std::string last = index_fingerprint(config_.index_dir);
  std::unique_lock lock(watch_mutex_);
  while (!watch_cv_.wait_for(lock, std::chrono::milliseconds(config_.index_poll_ms),
                             [this] { return stopping_; })) {
    lock.unlock();
    std::string now = index_fingerprint(config_.index_dir);
    if (now != last) {
      last = std::move(now);
      spdlog::info("index {} changed; workers reopen it", config_.index_dir.string());
      index_changed();
    }
    lock.lock();
  }
}

}  // namespace errkb::server
