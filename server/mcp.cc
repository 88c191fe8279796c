#include "mcp.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "json_mapping.h"
#include "mcp_tools.h"

#ifndef ERRKB_VERSION
#define ERRKB_VERSION "0"
#endif

namespace errkb::server {
namespace {

using nlohmann::json;

constexpr const char* kInstructions =
    "errkb is a support knowledge base of error codes and their causes (articles, forum threads, vendor "
    "catalogues). When a customer reports an error code or symptoms, call diagnose with their words; read "
    "the "
    "ranked causes, confirm the best one with its checks, and ask the customer the `ask` question when the "
    "causes are close. Call lookup_code for what a bare code means, search_kb to read sources. After the "
    "customer tried a cause, report the outcome with record_feedback.";

json reply(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json initialize_result(const json& params) {
  const std::string asked = string_field(params, "protocolVersion");
  const std::string version = mcp_supports_version(asked) ? asked : std::string(kMcpProtocolVersions.front());
  return {{"protocolVersion", version},
          {"capabilities", {{"tools", {{"listChanged", false}}}}},
          {"serverInfo",
           {{"name", "errkb"}, {"title", "errkb error-code knowledge base"}, {"version", ERRKB_VERSION}}},
          {"instructions", kInstructions}};
}

json tools_list_result() {
  json tools = json::array();
  for (const auto& tool : mcp_tools()) tools.push_back(tool_listing(tool));
  return {{"tools", std::move(tools)}};
}

}  // namespace

json mcp_error(const json& id, int code, std::string message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", std::move(message)}}}};
}

bool mcp_supports_version(std::string_view version) {
  return std::find(kMcpProtocolVersions.begin(), kMcpProtocolVersions.end(), version) !=
         kMcpProtocolVersions.end();
}

json McpServer::handle(const json& message, const McpCaller& caller) {
  if (!message.is_array()) return handle_one(message, caller);
  if (message.empty()) return mcp_error(nullptr, kInvalidRequest, "an empty batch");
  json replies = json::array();
  for (const auto& item : message) {
    if (json r = handle_one(item, caller); !r.is_null()) replies.push_back(std::move(r));
  }
  return replies.empty() ? json() : replies;
}

std::string McpServer::handle_text(std::string_view text, const McpCaller& caller) {
  json message = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return dump(mcp_error(nullptr, kParseError, "the message is not valid JSON"));
  try {
    json r = handle(message, caller);
    return r.is_null() ? std::string() : dump(r);
  } catch (const std::exception& e) {  // a bug, not the client's doing: say so rather than go silent
    spdlog::error("MCP: {}", e.what());
    return dump(mcp_error(nullptr, kInternalError, "errkb failed to answer; the error has been logged"));
  }
}

json McpServer::handle_one(const json& m, const McpCaller& caller) {
  if (!m.is_object()) return mcp_error(nullptr, kInvalidRequest, "a JSON-RPC message must be an object");
  const bool has_id = m.contains("id");
  const json id = has_id && (m["id"].is_string() || m["id"].is_number_integer()) ? m["id"] : json();
  if (string_field(m, "jsonrpc") != "2.0")
    return mcp_error(id, kInvalidRequest, "\"jsonrpc\" must be \"2.0\"");
  if (!m.contains("method")) {
    // A response to a request of ours: errkb sends none, so there is nothing to match it with.
    if (m.contains("result") || m.contains("error")) return json();
    return mcp_error(id, kInvalidRequest, "a request needs a \"method\"");
  }
  if (!m["method"].is_string()) return mcp_error(id, kInvalidRequest, "\"method\" must be a string");
  if (!has_id) return json();  // notifications (initialized, cancelled, ...) need no reply
  if (id.is_null()) return mcp_error(nullptr, kInvalidRequest, "\"id\" must be a string or an integer");
  const json params = m.contains("params") ? m["params"] : json::object();
  if (!params.is_object()) return mcp_error(id, kInvalidParams, "\"params\" must be an object");

  const std::string method = m["method"];
  if (method == "initialize") return reply(id, initialize_result(params));
  if (method == "ping") return reply(id, json::object());
  if (method == "tools/list") return reply(id, tools_list_result());
  if (method == "tools/call") return call_tool(params, caller, id);
  return mcp_error(id, kMethodNotFound, "no method '" + method + "' (errkb serves tools only)");
}

json McpServer::call_tool(const json& params, const McpCaller& caller, const json& id) {
  const std::string name = string_field(params, "name");
  if (name.empty()) return mcp_error(id, kInvalidParams, "tools/call needs the tool's \"name\"");
  const McpTool* tool = find_mcp_tool(name);
  if (!tool) return mcp_error(id, kInvalidParams, "no tool '" + name + "'");
  if (!caller.scopes.count(tool->route->scope)) {
    return reply(id, tool_error("missing_scope: " + name + " needs an API key with the " +
                                std::string(scope_name(tool->route->scope)) + " scope"));
  }
  return reply(id,
               call_mcp_tool(services_, *tool, params.contains("arguments") ? params["arguments"] : json()));
}

}  // namespace errkb::server
