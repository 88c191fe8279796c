// The MCP tools: each answers through one /v1 route's handler (routes.cc), so that a tool and its
// route share one implementation and return the same data. A tool's input and output schemas are
// that route's request and response in server/openapi.json, turned into JSON Schema, with
// descriptions written for a model.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/render.h"
#include "handlers.h"
#include "routes.h"

namespace errkb::server {

struct McpTool {
  std::string name;
  std::string title;
  std::string description;       // when to call it and what the answer's fields mean
  const Route* route = nullptr;  // the /v1 route that answers it; its scope is the tool's
  nlohmann::json input_schema;
  nlohmann::json output_schema;
  bool read_only = true;
  std::string (*render)(const nlohmann::json&, const render::Style&) = nullptr;  // the text content
};

// Every tool, built once from the route table and the embedded OpenAPI document.
const std::vector<McpTool>& mcp_tools();
const McpTool* find_mcp_tool(std::string_view name);

// The tool as tools/list shows it.
nlohmann::json tool_listing(const McpTool& tool);

// Calls the tool's route handler with `arguments` and returns the CallToolResult: the route's JSON
// as structuredContent and its text rendering, or isError with the problem the route answered.
nlohmann::json call_mcp_tool(Services& services, const McpTool& tool, const nlohmann::json& arguments);

// A CallToolResult that reports a failure to the model (isError: true) with `message` as its text.
nlohmann::json tool_error(std::string_view message);

// An OpenAPI 3.0 schema of `document` as a JSON Schema (2020-12): the components it refers to
// gathered under $defs, `nullable` turned into a union with null, `example` dropped. A root that is
// a $ref is replaced by the schema it names, so that an object stays an object at the root.
nlohmann::json json_schema_from_openapi(const nlohmann::json& document, const nlohmann::json& schema);

}  // namespace errkb::server
