// The route table and the HTTP plumbing around it: keys and scopes, CORS, problem bodies for
// errors httplib raises itself (404, 405, 413, ...), metrics and one log line per request.
#pragma once

#include <httplib.h>

#include <regex>
#include <string>
#include <vector>

#include "auth.h"
#include "handlers.h"

namespace errkb::server {

struct Route {
  std::string method;   // GET | POST
  std::string pattern;  // httplib regex, matched against the whole path
  std::string name;     // the route template used in logs, metrics and the OpenAPI document
  Scope scope;          // what an API key needs (kNone: open to all)
  Handler handler;
  std::regex regex;  // compiled `pattern`, for 405 and preflight matching
};

// Whether the CORS allow-list `origins` lets a page from `origin` call the API ("" never).
bool cors_allows(const std::vector<std::string>& origins, const std::string& origin);

// Every route of the API, one line each.
const std::vector<Route>& api_routes();

// Registers the routes and handlers on `http`. `services` and `keys` must outlive the server.
void install_routes(httplib::Server& http, Services& services, KeyRing& keys, const ServerConfig& config);

}  // namespace errkb::server
