// The Model Context Protocol server: JSON-RPC 2.0 messages in, replies out, for AI agents that call
// errkb's tools (mcp_tools.h). Two transports carry it: Streamable HTTP at POST /mcp (post_mcp,
// behind the API keys and scopes of /v1; one JSON reply per POST, no session, GET answered 405) and
// stdio (serve_mcp_stdio: one message per line, for `errkb-server --mcp-stdio`).
#pragma once

#include <httplib.h>

#include <array>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "config.h"
#include "handlers.h"

namespace errkb::server {

// The protocol versions spoken, newest first; initialize answers the client's if it is one of them,
// else the newest.
inline constexpr std::array<std::string_view, 4> kMcpProtocolVersions = {"2025-11-25", "2025-06-18",
                                                                         "2025-03-26", "2024-11-05"};
bool mcp_supports_version(std::string_view version);

// JSON-RPC 2.0 error codes.
enum McpErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
};

// A JSON-RPC 2.0 error response to the request `id` (null when it could not be read).
nlohmann::json mcp_error(const nlohmann::json& id, int code, std::string message);

// Who is calling: the scopes a tool's route needs must be among these (stdio: every scope but admin).
struct McpCaller {
  std::set<Scope> scopes;
};

class McpServer {
 public:
  explicit McpServer(Services& services) : services_(services) {}

  // One message, or a batch of them (protocol 2025-03-26), to its reply: null when nothing is to be
  // sent back (notifications and responses).
  nlohmann::json handle(const nlohmann::json& message, const McpCaller& caller);
  // The same from text: unreadable JSON is answered with a parse error. "" = nothing to send.
  std::string handle_text(std::string_view text, const McpCaller& caller);

 private:
  nlohmann::json handle_one(const nlohmann::json& message, const McpCaller& caller);
  nlohmann::json call_tool(const nlohmann::json& params, const McpCaller& caller, const nlohmann::json& id);

  Services& services_;
};

// POST /mcp: the Streamable HTTP transport (route scope: search; record_feedback also needs feedback).
void post_mcp(Services& s, const httplib::Request& req, httplib::Response& res);

// Reads messages from `in`, one per line, and writes each reply on one line of `out` until `in` ends.
void serve_mcp_stdio(Services& services, std::istream& in, std::ostream& out);

}  // namespace errkb::server
