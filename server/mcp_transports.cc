// The two ways MCP messages reach McpServer: POST /mcp (Streamable HTTP) and lines on stdin.
#include <iostream>

#include "api_errors.h"
#include "json_mapping.h"
#include "mcp.h"
#include "routes.h"

namespace errkb::server {
namespace {

using nlohmann::json;

// The scopes of the key that was let in. The route's check ran first and recorded the key's id: an
// empty id means no keys are configured, and the search and feedback routes are open.
McpCaller caller_for_key(const ServerConfig* config, const std::string& key_id) {
  if (key_id.empty() || !config) return {{Scope::kSearch, Scope::kFeedback}};
  for (const auto& key : config->api_keys) {
    if (key.id == key_id) return {key.scopes};
  }
  return {};
}

void send_rpc_error(httplib::Response& res, int status, int code, const std::string& message) {
  res.status = status;
  res.set_content(dump(mcp_error(nullptr, code, message)), "application/json");
}

}  // namespace

void post_mcp(Services& s, const httplib::Request& req, httplib::Response& res) {
  // A page the browser let through (same origin after DNS rebinding, or a simple request) still
  // names its origin: only the CORS allow-list may drive the tools.
  const std::string origin = req.get_header_value("Origin");
  if (!origin.empty() && !(s.config && cors_allows(s.config->cors_origins, origin))) {
    return send_problem(res, ApiError::origin_not_allowed, "origin '" + origin + "' is not allowed");
  }
  const std::string version = req.get_header_value("MCP-Protocol-Version");
  if (!version.empty() && !mcp_supports_version(version)) {
    std::string supported;
    for (auto v : kMcpProtocolVersions) supported += (supported.empty() ? "" : ", ") + std::string(v);
    return send_rpc_error(
        res, 400, kInvalidRequest,
        "unsupported MCP-Protocol-Version '" + version + "' (supported: " + supported + ")");
  }
  if (!is_json_content_type(req.get_header_value("Content-Type"))) {
    return send_problem(res, ApiError::unsupported_media_type,
                        "send JSON-RPC messages as Content-Type: application/json (got '" +
                            req.get_header_value("Content-Type") + "')");
  }
  json message = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return send_rpc_error(res, 400, kParseError, "the body is not valid JSON");

  McpServer server(s);
  json answer = server.handle(message, caller_for_key(s.config, current_request_log().key_id));
  if (answer.is_null()) {  // notifications and responses only: accepted, nothing to say
    res.status = 202;
    return;
  }
  res.status = 200;
  res.set_content(dump(answer), "application/json");
}

void serve_mcp_stdio(Services& services, std::istream& in, std::ostream& out) {
  McpServer server(services);
  const McpCaller caller{{Scope::kSearch, Scope::kFeedback}};  // the local user's own process
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string answer = server.handle_text(line, caller);
    if (!answer.empty()) out << answer << '\n' << std::flush;
  }
}

}  // namespace errkb::server
