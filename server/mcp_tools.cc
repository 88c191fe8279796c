#include "mcp_tools.h"

#include <algorithm>
#include <stdexcept>

#include "json_mapping.h"

namespace errkb::server {
namespace {

using nlohmann::json;

struct ToolSpec {
  const char* name;
  const char* title;
  const char* route;  // Route::name in api_routes()
  bool read_only;
  std::string (*render)(const json&, const render::Style&);
  const char* description;
  std::vector<std::pair<const char*, const char*>> properties;  // input property -> description for a model
};

const char* const kLanguage =
    "ISO 639-1 code (en, ro, it, ru); by default the query's language, as detected.";
const char* const kVendor =
    "The vendor or product family the error comes from (Microsoft, eBay, Oracle, ShopFlow...): "
    "it decides how an ambiguous code reads.";

const std::vector<ToolSpec>& tool_specs() {
  static const std::vector<ToolSpec> specs = {
      {"diagnose",
       "Diagnose an error",
       "/v1/diagnose",
       true,
       render::diagnosis,
       "Find the likely causes of an error a customer reports. Call it first whenever a ticket, chat, log "
       "line "
       "or screenshot text mentions an error code (in any spelling: 0x80070005, -2147024891, E_ACCESSDENIED, "
       "ORA-942, eBay error 21919300) or describes symptoms; give the customer's words as `text`, or the "
       "code "
       "and symptoms apart. The answer ranks causes, best first; each has `checks` that confirm it, "
       "`resolutions`, `prevention`, `confidence` (0..1; the causes' confidences sum to at most 1) and "
       "`evidence` (articles, forum threads, catalogue entries, with URLs to cite). `ask` holds up to 3 "
       "questions to ask the customer next, the first splitting the causes best; `reply`, when present, is a "
       "draft message to the customer in their language. `answered` true: the first cause is an answer to "
       "act on. `answered` false: no sure answer (`no_answer_reason` says why; `causes` may be empty, or "
       "hold "
       "guesses to confirm with their checks, or ask the questions). The first cause with `catalogue_only` "
       "true: only the vendor catalogue's meaning of the code is known, no cause yet (`answer_note` says "
       "so). `unknown_words`: the customer's words the KB has never seen. Keep `diagnosis_id` "
       "and "
       "the cause's `id` to report the outcome with record_feedback.",
       {{"text", "The customer's message, ticket or pasted error output, as given (up to 64 KiB)."},
        {"code", "One error code as the customer gave it, in any spelling."},
        {"symptoms", "Symptoms in a few words each, one per item."},
        {"vendor", kVendor},
        {"product", "The product the error comes from, when known."},
        {"language", "ISO 639-1 code of the customer's language (en, ro, it, ru); by default detected."},
        {"limit", "At most this many causes (1-20, default 5)."}}},
      {"lookup_code",
       "Look up an error code",
       "/v1/codes/{code}",
       true,
       render::code_lookup,
       "Say what an error code means: every reading of the code (HRESULT, Win32, NTSTATUS, errno, HTTP, "
       "SQLSTATE, Oracle, vendor codes...) with its symbolic name, message and `certain` (false: one of "
       "several "
       "possible readings), the vendor catalogue entries that list it, and the top known causes for each "
       "reading (`causes`, keyed by the reading's canonical form). Call it for the meaning of a bare code, "
       "or "
       "when diagnose found several readings; to diagnose a situation call diagnose.",
       {{"code", "The error code, in any spelling (0x80070005, 80070005, -2147024891, ORA-00942, 21919300)."},
        {"vendor", kVendor}}},
      {"search_kb",
       "Search the knowledge base",
       "/v1/search",
       true,
       render::search,
       "Full-text search of the knowledge base: articles, forum threads and vendor catalogue entries. "
       "Returns "
       "passages best first with `title`, `url`, a `snippet` (matched words in <mark>), `kind`, `vendor`, "
       "`product`, the codes each carries; `total`, `facets` (counts by kind, vendor, product, language, "
       "severity), the codes read in the query, and a spelling `suggestion`. Use it to read the sources "
       "around a "
       "cause, or when diagnose's answer is weak or empty; page with offset.",
       {{"q", "What to search for: words, phrases, error codes (up to 2 KiB)."},
        {"lang", kLanguage},
        {"vendor", "Only passages of this vendor."},
        {"product", "Only passages of this product."},
        {"kind", "Only this kind of source."},
        {"limit", "At most this many passages (1-100, default 10)."},
        {"offset", "Skip this many passages (paging; 0-1000)."}}},
      {"record_feedback",
       "Record the outcome of a cause",
       "/v1/feedback",
       false,
       render::feedback_stored,
       "Report what happened after the customer tried a cause from diagnose: `resolved` (its resolution "
       "fixed "
       "the problem), `not_resolved` (it was tried and did not fix it), `not_relevant` (the wrong cause for "
       "this "
       "case). Name the diagnosis by its `diagnosis_id` and the cause by its `id` from that diagnosis. "
       "Ranking "
       "uses the feedback for later questions with the same code or similar symptoms; causes often marked "
       "not "
       "relevant show up in the KB editors' gaps report. Needs an API key with the feedback scope.",
       {{"diagnosis_id", "The diagnosis_id diagnose returned."},
        {"cause_id", "The id of one of that diagnosis's causes."},
        {"outcome", "resolved, not_resolved or not_relevant."},
        {"note", "What the customer tried or saw, in a sentence or two (optional)."}}},
  };
  return specs;
}

const json& openapi() {
  static const json doc = json::parse(openapi_document());
  return doc;
}

json convert(const json& doc, const json& node, json& defs);

json ref_to_def(const json& doc, const std::string& ref, json& defs) {
  static const std::string kPrefix = "#/components/schemas/";
  if (ref.rfind(kPrefix, 0) != 0) throw std::logic_error("openapi.json: unsupported $ref " + ref);
  const std::string name = ref.substr(kPrefix.size());
  if (!defs.contains(name)) {
    defs[name] = nullptr;  // taken: a schema that refers to itself stops here
    defs[name] = convert(doc, doc.at("components").at("schemas").at(name), defs);
  }
  return {{"$ref", "#/$defs/" + name}};
}

json convert(const json& doc, const json& node, json& defs) {
  if (!node.is_object()) return node;
  if (node.contains("$ref")) return ref_to_def(doc, node["$ref"].get<std::string>(), defs);
  json out = json::object();
  for (const auto& [key, value] : node.items()) {
    if (key == "example" || key == "nullable") continue;
    if (key == "properties") {
      out[key] = json::object();
      for (const auto& [name, property] : value.items()) out[key][name] = convert(doc, property, defs);
    } else if (key == "items" || key == "additionalProperties" || key == "not") {
      out[key] = convert(doc, value, defs);
    } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      out[key] = json::array();
      for (const auto& part : value) out[key].push_back(convert(doc, part, defs));
    } else {
      out[key] = value;
    }
  }
  if (node.value("nullable", false)) {
    if (out.contains("type") && out["type"].is_string())
      out["type"] = json::array({out["type"], "null"});
    else
      out = {{"anyOf", json::array({out, {{"type", "null"}}})}};
  }
  return out;
}

json operation_of(const Route& route) {
  std::string method = route.method;
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return openapi().at("paths").at(route.name).at(method);
}

// A GET route's parameters (path and query) as the properties of one object.
json parameters_schema(const json& operation, json& defs) {
  json schema = {{"type", "object"}, {"properties", json::object()}, {"additionalProperties", false}};
  json required = json::array();
  for (const auto& parameter : operation.value("parameters", json::array())) {
    const std::string name = parameter.at("name");
    json property = convert(openapi(), parameter.at("schema"), defs);
    if (parameter.contains("description")) property["description"] = parameter["description"];
    schema["properties"][name] = std::move(property);
    if (parameter.value("required", false) || parameter.value("in", "") == "path") required.push_back(name);
  }
  if (!required.empty()) schema["required"] = std::move(required);
  return schema;
}

json with_defs(json schema, json defs) {
  if (!defs.empty()) schema["$defs"] = std::move(defs);
  return schema;
}

json input_schema(const Route& route, const ToolSpec& spec) {
  const json operation = operation_of(route);
  json defs = json::object();
  json schema =
      route.method == "GET"
          ? parameters_schema(operation, defs)
          : json_schema_from_openapi(
                openapi(), operation.at("requestBody").at("content").at("application/json").at("schema"));
  for (const auto& [name, description] : spec.properties) {
    if (!schema["properties"].contains(name)) {
      throw std::logic_error(std::string("MCP tool ") + spec.name + ": no input property '" + name + "'");
    }
    schema["properties"][name]["description"] = description;
  }
  return with_defs(std::move(schema), std::move(defs));
}

json output_schema(const Route& route) {
  const json responses = operation_of(route).at("responses");
  for (const char* status : {"200", "201"}) {
    if (responses.contains(status)) {
      return json_schema_from_openapi(openapi(),
                                      responses[status].at("content").at("application/json").at("schema"));
    }
  }
  throw std::logic_error("openapi.json: no success response for " + route.name);
}

McpTool build_tool(const ToolSpec& spec) {
  McpTool tool;
  tool.name = spec.name;
  tool.title = spec.title;
  tool.description = spec.description;
  for (const auto& r : api_routes()) {
    if (r.name == spec.route) tool.route = &r;
  }
  if (!tool.route) throw std::logic_error(std::string("MCP tool ") + spec.name + ": no route " + spec.route);
  tool.input_schema = input_schema(*tool.route, spec);
  tool.output_schema = output_schema(*tool.route);
  tool.read_only = spec.read_only;
  tool.render = spec.render;
  return tool;
}

// The JSON type a tool's input property declares ("" when it is not one of its properties).
std::string declared_type(const McpTool& tool, const std::string& name) {
  const json& properties = tool.input_schema.at("properties");
  auto it = properties.find(name);
  if (it == properties.end() || !it->contains("type") || !(*it)["type"].is_string()) return {};
  return (*it)["type"].get<std::string>();
}

// Fills a GET request: path parameters into the path (matched as the route matches it), the rest as
// query parameters. Returns what is wrong with the arguments, "" if nothing.
std::string fill_get_request(const McpTool& tool, const json& arguments, httplib::Request& req) {
  std::string path = tool.route->name;
  for (const auto& [name, value] : arguments.items()) {
    if (value.is_null()) continue;
    const std::string type = declared_type(tool, name);
    const std::string placeholder = "{" + name + "}";
    std::string text;
    if (value.is_string() && type != "integer") {
      text = value.get<std::string>();
    } else if ((value.is_number_integer() && type == "integer") || type.empty()) {
      text = value.dump();  // not a parameter of the route (type ""): its handler names it
    } else {
      return "bad_parameter: '" + name + "' must be " + (type == "integer" ? "an integer" : "a string");
    }
    if (auto at = path.find(placeholder); at != std::string::npos)
      path.replace(at, placeholder.size(), text);
    else
      req.params.emplace(name, std::move(text));
  }
  if (path.find('{') != std::string::npos) {
    return "bad_parameter: '" + path.substr(path.find('{') + 1, path.find('}') - path.find('{') - 1) +
           "' is required";
  }
  req.path = std::move(path);  // `matches` point into it: it is not changed after this
  if (!std::regex_match(req.path, req.matches, tool.route->regex)) {
    return "bad_parameter: the arguments cannot be read as " + tool.route->name +
           " (a line break in a value?)";
  }
  return {};
}

json text_content(std::string text) { return json::array({{{"type", "text"}, {"text", std::move(text)}}}); }

}  // namespace

json json_schema_from_openapi(const json& document, const json& schema) {
  json defs = json::object();
  json root = schema;
  if (root.is_object() && root.contains("$ref")) {
    const std::string ref = root["$ref"];
    root = document.at("components").at("schemas").at(ref.substr(ref.rfind('/') + 1));
  }
  root = convert(document, root, defs);
  return with_defs(std::move(root), std::move(defs));
}

const std::vector<McpTool>& mcp_tools() {
  static const std::vector<McpTool> tools = [] {
    std::vector<McpTool> out;
    for (const auto& spec : tool_specs()) out.push_back(build_tool(spec));
    return out;
  }();
  return tools;
}

const McpTool* find_mcp_tool(std::string_view name) {
  for (const auto& tool : mcp_tools()) {
    if (tool.name == name) return &tool;
  }
  return nullptr;
}

json tool_listing(const McpTool& tool) {
  return {{"name", tool.name},
          {"title", tool.title},
          {"description", tool.description},
          {"inputSchema", tool.input_schema},
          {"outputSchema", tool.output_schema},
          {"annotations",
           {{"title", tool.title},
            {"readOnlyHint", tool.read_only},
            {"destructiveHint", false},
            {"idempotentHint", tool.read_only},
            {"openWorldHint", false}}}};
}

json tool_error(std::string_view message) {
  return {{"content", text_content(std::string(message))}, {"isError", true}};
}

json call_mcp_tool(Services& services, const McpTool& tool, const json& arguments) {
  const json args = arguments.is_null() ? json::object() : arguments;
  if (!args.is_object()) return tool_error("bad_parameter: the arguments must be a JSON object");
  httplib::Request req;
  httplib::Response res;
  req.method = tool.route->method;
  if (req.method == "GET") {
    if (std::string problem = fill_get_request(tool, args, req); !problem.empty()) return tool_error(problem);
  } else {
    req.path = tool.route->name;
    req.body = dump(args);
    req.headers.emplace("Content-Type", "application/json");
  }
  tool.route->handler(services, req, res);
  json body = json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  if (res.status >= 200 && res.status < 300 && body.is_object()) {
    return {{"content", text_content(tool.render(body, render::Style{}))},
            {"structuredContent", std::move(body)},
            {"isError", false}};
  }
  return tool_error(body.is_object() ? render::problem(body)
                                     : "the tool failed with HTTP status " + std::to_string(res.status));
}

}  // namespace errkb::server
