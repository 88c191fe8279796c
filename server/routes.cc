#include "routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "api_errors.h"
#include "logging.h"
#include "mcp.h"
#include "web_assets.h"

namespace errkb::server {
namespace {

using Clock = std::chrono::steady_clock;

Route route(std::string method, std::string pattern, std::string name, Scope scope, Handler handler) {
  std::regex regex(pattern);
  return {std::move(method), std::move(pattern), std::move(name), scope, handler, std::move(regex)};
}

// Methods the API serves at `path` (empty: no route has this path).
std::vector<std::string> methods_for(const std::string& path, const Route** first_match) {
  std::vector<std::string> methods;
  for (const auto& r : api_routes()) {
    if (std::regex_match(path, r.regex)) {
      if (first_match && !*first_match) *first_match = &r;
      methods.push_back(r.method);
      if (r.method == "GET") methods.push_back("HEAD");
    }
  }
  return methods;
}

// A path for the log line: control characters (decoded from %0A and the like) cannot forge lines.
std::string printable(const std::string& path) {
  std::string out = path.substr(0, 512);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

class CorsPolicy {
 public:
  explicit CorsPolicy(const std::vector<std::string>& origins) : origins_(origins) {}
  bool allows(const std::string& origin) const { return cors_allows(origins_, origin); }

 private:
  std::vector<std::string> origins_;
};

}  // namespace

bool cors_allows(const std::vector<std::string>& origins, const std::string& origin) {
  return !origin.empty() && std::any_of(origins.begin(), origins.end(),
                                        [&](const std::string& o) { return o == "*" || o == origin; });
}

const std::vector<Route>& api_routes() {
  static const std::vector<Route> routes = {
      route("GET", "/v1/search", "/v1/search", Scope::kSearch, get_search),
      route("GET", "/v1/codes/(.+)", "/v1/codes/{code}", Scope::kSearch, get_code),
      route("POST", "/v1/diagnose", "/v1/diagnose", Scope::kSearch, post_diagnose),
      route("POST", "/v1/feedback", "/v1/feedback", Scope::kFeedback, post_feedback),
      route("GET", "/v1/gaps", "/v1/gaps", Scope::kFeedback, get_gaps),
      route("POST", "/v1/admin/reindex", "/v1/admin/reindex", Scope::kAdmin, post_reindex),
      route("GET", "/v1/admin/jobs", "/v1/admin/jobs", Scope::kAdmin, get_jobs),
      route("GET", "/v1/admin/jobs/([^/]+)", "/v1/admin/jobs/{id}", Scope::kAdmin, get_job),
      route("GET", "/v1/admin/index", "/v1/admin/index", Scope::kAdmin, get_index_stats),
      route("POST", "/mcp", "/mcp", Scope::kSearch, post_mcp),
      route("GET", "/v1/openapi.json", "/v1/openapi.json", Scope::kNone, get_openapi),
      route("GET", "/healthz", "/healthz", Scope::kNone, get_healthz),
      route("GET", "/readyz", "/readyz", Scope::kNone, get_readyz),
      route("GET", "/metrics", "/metrics", Scope::kNone, get_metrics),
      // The agent console: pages and the files they load (server/web/, compiled in).
      route("GET", "/", "/", Scope::kNone, get_agent_page),
      route("GET", "/editor", "/editor", Scope::kNone, get_editor_page),
      route("GET", "/console/([A-Za-z0-9._-]+)", "/console/{file}", Scope::kNone, get_console_file),
  };
  return routes;
}

void install_routes(httplib::Server& http, Services& services, KeyRing& keys, const ServerConfig& config) {
  auto cors = std::make_shared<CorsPolicy>(config.cors_origins);
  const bool log_requests = config.log_requests;

  for (const Route& r : api_routes()) {
    auto serve = [&services, &keys, &r](const httplib::Request& req, httplib::Response& res) {
      RequestLog& log = current_request_log();
      log.route = r.name;
      AuthDecision auth = keys.authorize(presented_key(req), r.scope, req.remote_addr);
      log.key_id = auth.key_id;
      if (!auth.allowed) {
        if (auth.error == ApiError::rate_limited)
          res.set_header("Retry-After", std::to_string(auth.retry_after_s));
        if (auth.error == ApiError::missing_key || auth.error == ApiError::invalid_key) {
          res.set_header("WWW-Authenticate", "Bearer realm=\"errkb\"");
        }
        return send_problem(res, auth.error, auth.detail);
      }
      r.handler(services, req, res);
    };
    if (r.method == "GET")
      http.Get(r.pattern, serve);
    else
      http.Post(r.pattern, serve);
  }

  http.set_pre_routing_handler([cors](const httplib::Request& req, httplib::Response& res) {
    RequestLog& log = current_request_log();
    log = RequestLog{};
    log.start = Clock::now();
    current_request_id() = request_id_for(req.get_header_value("X-Request-Id"));
    if (req.method != "OPTIONS") return httplib::Server::HandlerResponse::Unhandled;
    // CORS preflight: answered here for every route, so handlers never see OPTIONS.
    const Route* match = nullptr;
    auto methods = methods_for(req.path, &match);
    if (methods.empty()) {
      send_problem(res, ApiError::route_not_found, "no route " + req.path);
      return httplib::Server::HandlerResponse::Handled;
    }
    log.route = match->name;
    methods.push_back("OPTIONS");
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && !cors->allows(origin)) {
      send_problem(res, ApiError::origin_not_allowed, "origin '" + origin + "' is not allowed");
      return httplib::Server::HandlerResponse::Handled;
    }
    res.status = 204;
    res.set_header("Allow", join(methods));
    if (!origin.empty()) {
      res.set_header("Access-Control-Allow-Methods", join(methods));
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key, X-Request-Id");
      res.set_header("Access-Control-Max-Age", "600");
    }
    return httplib::Server::HandlerResponse::Handled;
  });

  // httplib calls this for every status >= 400; handlers' own problems already have a body.
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const Route* match = nullptr;
        auto methods = methods_for(req.path, &match);
        const bool method_known = std::find(methods.begin(), methods.end(), req.method) != methods.end();
        // httplib answers 404 for a known path with another method, and 400 when a PUT/DELETE body
        // cannot be read: for a known path, both are the wrong method.
        if (!methods.empty() && !method_known && (res.status == 404 || res.status == 400)) {
          current_request_log().route = match->name;
          res.set_header("Allow", join(methods) + ", OPTIONS");
          send_problem(res, ApiError::method_not_allowed,
                       req.method + " is not allowed here; use " + join(methods));
          return httplib::Server::HandlerResponse::Handled;
        }
        switch (res.status) {
          case 404:
            send_problem(res, ApiError::route_not_found, "no route " + req.path);
            break;
          case 413:
            send_problem(res, ApiError::payload_too_large, "the request body is over the limit");
            break;
          case 414:
            send_problem(res, ApiError::uri_too_long, "the request URI is too long");
            break;
          case 500:
            send_problem(res, ApiError::internal, "the server failed to answer; the error has been logged");
            break;
          default:
            send_problem(res, ApiError::bad_request, "the request could not be read");
            break;
        }
        return httplib::Server::HandlerResponse::Handled;
      }));

  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, const std::exception_ptr& ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("internal error on {} {}: {}", req.method, printable(req.path), what);
        res.headers.clear();
        send_problem(res, ApiError::internal, "the server failed to answer; the error has been logged");
      });

  // Runs for every response, after the error handler and before the response is written, so a
  // client that has its answer also finds it counted in /metrics.
  http.set_post_routing_handler(
      [cors, &services, log_requests](const httplib::Request& req, httplib::Response& res) {
        const std::string origin = req.get_header_value("Origin");
        if (!origin.empty() && cors->allows(origin)) {
          res.set_header("Access-Control-Allow-Origin", origin);
          res.set_header("Access-Control-Expose-Headers", "Retry-After, Location, X-Request-Id");
        }
        if (!origin.empty()) res.set_header("Vary", "Origin");
        std::string& request_id = current_request_id();
        if (request_id.empty())
          request_id = request_id_for("");  // a response the pre-routing handler did not see
        res.set_header("X-Request-Id", request_id);

        RequestLog& log = current_request_log();
        const double seconds = log.start == Clock::time_point{}
                                   ? 0.0
                                   : std::chrono::duration<double>(Clock::now() - log.start).count();
        static const std::string kUnmatched = "unmatched";
        const std::string& route = log.route.empty() ? kUnmatched : log.route;  // no copy per request
        if (services.metrics) services.metrics->observe(route, req.method, res.status, seconds);
        if (log_requests) {
          spdlog::info("request method={} path={} route={} status={} ms={:.3f} key={} results={}", req.method,
                       printable(req.path), route, res.status, seconds * 1000,
                       log.key_id.empty() ? "-" : log.key_id,
                       log.result_count < 0 ? std::string("-") : std::to_string(log.result_count));
        }
        log = RequestLog{};
        request_id.clear();  // later lines of this thread belong to no request
      });
}

}  // namespace errkb::server
