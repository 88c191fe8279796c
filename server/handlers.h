// The HTTP handlers: free functions with one signature, each parse -> call the core -> map the
// result. They can be called directly with httplib::Request/Response objects (no socket).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "auth.h"
#include "config.h"
#include "errkb/engine.h"
#include "errkb/feedback.h"
#include "jobs.h"
#include "metrics.h"

namespace errkb::server {

// What the handlers work with. Pointers are not owned; any may be null in handler tests that do
// not reach that part (a null engine answers 503 index_unavailable).
struct Services {
  const ServerConfig* config = nullptr;
  Engine* engine = nullptr;
  FeedbackStore* feedback = nullptr;
  ReindexJobs* jobs = nullptr;
  Metrics* metrics = nullptr;
  std::atomic<uint64_t>* invalidations = nullptr;  // index changes seen by the watcher
  // The HTTP front's connections: open now, and closed at once for being over max_connections.
  std::function<std::pair<size_t, uint64_t>()> connections;
};

using Handler = void (*)(Services&, const httplib::Request&, httplib::Response&);

// A Content-Type whose media type is application/json or application/*+json (parameters ignored).
bool is_json_content_type(std::string type);

void get_search(Services& s, const httplib::Request& req, httplib::Response& res);
void get_code(Services& s, const httplib::Request& req, httplib::Response& res);
void post_diagnose(Services& s, const httplib::Request& req, httplib::Response& res);
void post_feedback(Services& s, const httplib::Request& req, httplib::Response& res);
void get_gaps(Services& s, const httplib::Request& req, httplib::Response& res);
void get_healthz(Services& s, const httplib::Request& req, httplib::Response& res);
void get_readyz(Services& s, const httplib::Request& req, httplib::Response& res);
void get_metrics(Services& s, const httplib::Request& req, httplib::Response& res);
void post_reindex(Services& s, const httplib::Request& req, httplib::Response& res);
void get_job(Services& s, const httplib::Request& req, httplib::Response& res);
// GET /v1/admin/jobs: the jobs kept, newest first.
void get_jobs(Services& s, const httplib::Request& req, httplib::Response& res);
void get_openapi(Services& s, const httplib::Request& req, httplib::Response& res);
// GET /v1/admin/index: the open index's revision, generation, size on disk, when built and last changed,
// the KB folders it was read from, and passages by kind and language.
void get_index_stats(Services& s, const httplib::Request& req, httplib::Response& res);

// Per-request facts for the log line, kept per thread: an event loop serves one request at a time,
// from the pre-routing handler to the log line.
struct RequestLog {
  std::chrono::steady_clock::time_point start{};
  std::string route;  // route template; "" = matched no route
  std::string key_id;
  int64_t result_count = -1;  // -1 = not applicable
};
RequestLog& current_request_log();

// Limits from the API contract.
inline constexpr size_t kMaxQueryBytes = 2048;
inline constexpr int kMaxLimit = 100;
inline constexpr int kMaxOffset = 1000;

// The embedded OpenAPI document (server/openapi.json, compiled in at build time).
std::string_view openapi_document();

}  // namespace errkb::server
