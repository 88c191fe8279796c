// The MCP server: the JSON-RPC layer on a real engine over a real index of the test KB, the tools
// against the /v1 handlers they answer through, the stdio loop, and POST /mcp on a real server on
// loopback with keys and scopes.
#include "mcp.h"

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "json_mapping.h"
#include "mcp_tools.h"
#include "server_fixture.h"

namespace errkb::server::test {
namespace {

using nlohmann::json;

const std::string kJson = "application/json";
const McpCaller kEveryScope{{Scope::kSearch, Scope::kFeedback}};
const McpCaller kSearchOnly{{Scope::kSearch}};

json request(const json& id, const std::string& method, const json& params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}
json call(const std::string& tool, const json& arguments) {
  return request(7, "tools/call", {{"name", tool}, {"arguments", arguments}});
}

// One real index and server for the suite: every test reads; the feedback tests rate their own diagnoses.
class McpTest : public SharedServerTest<McpTest> {
 protected:
  static Services& services() { return server_->server().services(); }
  static json handle(const json& message, const McpCaller& caller = kEveryScope) {
    McpServer mcp(services());
    return mcp.handle(message, caller);
  }
  // A tool's CallToolResult.
  static json tool(const std::string& name, const json& arguments, const McpCaller& caller = kEveryScope) {
    json r = handle(call(name, arguments), caller);
    EXPECT_TRUE(r.contains("result")) << r.dump();
    return r.value("result", json::object());
  }
  // What a /v1 route's handler answers, called directly.
  static json route_answer(const std::string& method, const std::string& path, const std::string& body,
                           const httplib::Params& params = {}) {
    httplib::Request req;
    httplib::Response res;
    req.method = method;
    req.path = path;
    req.body = body;
    req.params = params;
    if (!body.empty()) req.headers.emplace("Content-Type", kJson);
    for (const auto& r : api_routes()) {
      if (r.method == method && std::regex_match(req.path, req.matches, r.regex)) {
        r.handler(services(), req, res);
        break;
      }
    }
    EXPECT_LT(res.status, 300) << res.body;
    return json::parse(res.body, nullptr, false);
  }
  static httplib::Result post_mcp_http(const json& message, httplib::Headers headers) {
    auto client = server_->client();
    return client->Post("/mcp", headers, message.dump(), kJson);
  }
};

// --- JSON-RPC and the protocol ---

TEST_F(McpTest, InitializeAnswersTheClientsVersionWhenSpokenElseTheNewest) {
  json r = handle(request(1, "initialize",
                          {{"protocolVersion", "2025-06-18"},
                           {"capabilities", json::object()},
                           {"clientInfo", {{"name", "test"}, {"version", "1"}}}}));
  EXPECT_EQ(r["jsonrpc"], "2.0");
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
  EXPECT_TRUE(r["result"]["capabilities"].contains("tools"));
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "errkb");
  EXPECT_FALSE(r["result"]["instructions"].get<std::string>().empty());

  r = handle(request("init", "initialize", {{"protocolVersion", "1999-01-01"}}));
  EXPECT_EQ(r["id"], "init");
  EXPECT_EQ(r["result"]["protocolVersion"], std::string(kMcpProtocolVersions.front()));
}

TEST_F(McpTest, PingAndNotifications) {
  EXPECT_EQ(handle(request("p", "ping")),
            json({{"jsonrpc", "2.0"}, {"id", "p"}, {"result", json::object()}}));
  EXPECT_TRUE(handle({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}).is_null());
  EXPECT_TRUE(handle({{"jsonrpc", "2.0"}, {"id", 3}, {"result", json::object()}}).is_null());  // a response
}

TEST_F(McpTest, MalformedMessagesGetJsonRpcErrors) {
  auto error_code = [](const json& r) { return r.contains("error") ? r["error"]["code"].get<int>() : 0; };
  EXPECT_EQ(error_code(handle(json::array({1, 2}))), 0);  // a batch: each item answered
  EXPECT_EQ(handle(json::array({1}))[0]["error"]["code"], kInvalidRequest);
  EXPECT_EQ(error_code(handle(json::array())), kInvalidRequest);
  EXPECT_EQ(error_code(handle("text")), kInvalidRequest);
  EXPECT_EQ(error_code(handle({{"id", 1}, {"method", "ping"}})), kInvalidRequest);  // no "jsonrpc"
  EXPECT_EQ(error_code(handle({{"jsonrpc", "2.0"}, {"id", 1}, {"method", 5}})), kInvalidRequest);
  EXPECT_EQ(error_code(handle({{"jsonrpc", "2.0"}, {"id", nullptr}, {"method", "ping"}})), kInvalidRequest);
  EXPECT_EQ(error_code(handle({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}, {"params", {1}}})),
            kInvalidParams);
  EXPECT_EQ(error_code(handle(request(1, "resources/list"))), kMethodNotFound);
  EXPECT_EQ(error_code(handle(call("no_such_tool", json::object()))), kInvalidParams);
  EXPECT_EQ(error_code(handle(request(1, "tools/call", json::object()))), kInvalidParams);

  McpServer mcp(services());
  EXPECT_EQ(json::parse(mcp.handle_text("{not json", kEveryScope))["error"]["code"], kParseError);
  json batch = json::parse(mcp.handle_text(
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}])",
      kEveryScope));
  ASSERT_TRUE(batch.is_array());
  EXPECT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0]["id"], 1);
}

// --- the tools' schemas ---

// Every string in `schema`, keys and values, depth first.
void each_string(const json& schema, const std::function<void(const std::string&)>& f) {
  if (schema.is_string()) f(schema.get<std::string>());
  if (schema.is_object()) {
    for (const auto& [k, v] : schema.items()) {
      f(k);
      each_string(v, f);
    }
  }
  if (schema.is_array()) {
    for (const auto& v : schema) each_string(v, f);
  }
}

TEST_F(McpTest, ToolSchemasAreTheRoutesRequestAndResponse) {
  json listed = handle(request(1, "tools/list"))["result"]["tools"];
  std::vector<std::string> names;
  for (const auto& t : listed) names.push_back(t["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"diagnose", "lookup_code", "search_kb", "record_feedback"}));

  const json doc = json::parse(openapi_document());
  const json diagnose_request = doc["components"]["schemas"]["DiagnoseRequest"]["properties"];
  const McpTool* diagnose = find_mcp_tool("diagnose");
  ASSERT_NE(diagnose, nullptr);
  EXPECT_EQ(diagnose->input_schema["type"], "object");
  EXPECT_EQ(diagnose->input_schema["additionalProperties"], false);
  for (const auto& [name, property] : diagnose_request.items()) {
    const json& mine = diagnose->input_schema["properties"][name];
    EXPECT_EQ(mine["type"], property["type"]) << name;
    EXPECT_EQ(mine.value("maxLength", 0), property.value("maxLength", 0)) << name;
  }
  EXPECT_EQ(diagnose->input_schema["properties"].size(), diagnose_request.size());

  std::set<std::string> search_parameters;
  for (const auto& p : doc["paths"]["/v1/search"]["get"]["parameters"]) search_parameters.insert(p["name"]);
  const McpTool* search = find_mcp_tool("search_kb");
  ASSERT_NE(search, nullptr);
  std::set<std::string> search_properties;
  for (const auto& [name, property] : search->input_schema["properties"].items())
    search_properties.insert(name);
  EXPECT_EQ(search_properties, search_parameters);
  EXPECT_EQ(search->input_schema["required"], json::array({"q"}));
  EXPECT_EQ(find_mcp_tool("lookup_code")->input_schema["required"], json::array({"code"}));
  EXPECT_EQ(find_mcp_tool("record_feedback")->input_schema["properties"]["outcome"]["enum"],
            json::array({"resolved", "not_resolved", "not_relevant"}));

  for (const auto& tool : mcp_tools()) {
    EXPECT_GT(tool.description.size(), 200u)
        << tool.name << ": say when to call it and what the answer means";
    for (const auto& [name, property] : tool.input_schema["properties"].items()) {
      EXPECT_TRUE(property.contains("description")) << tool.name << "." << name;
    }
    EXPECT_EQ(tool.output_schema["type"], "object") << tool.name;
    // Plain JSON Schema: no OpenAPI-only keywords, every $ref inside the schema.
    each_string(tool.output_schema, [&](const std::string& s) {
      EXPECT_NE(s, "nullable") << tool.name;
      EXPECT_NE(s, "example") << tool.name;
      if (s.rfind("#/", 0) == 0) {
        EXPECT_EQ(s.rfind("#/$defs/", 0), 0u) << tool.name << ": " << s;
        EXPECT_TRUE(tool.output_schema["$defs"].contains(s.substr(8))) << tool.name << ": " << s;
      }
    });
  }
}

TEST(McpSchemaConversion, OpenApiSchemaBecomesJsonSchema) {
  const json doc = json::parse(R"({"components":{"schemas":{
      "Node":{"type":"object","properties":{"value":{"type":"integer","nullable":true,"example":3},
                                            "next":{"$ref":"#/components/schemas/Node"},
                                            "tag":{"allOf":[{"$ref":"#/components/schemas/Tag"}],"nullable":true}}},
      "Tag":{"type":"string","enum":["a","b"]}}}})");
  const json schema = json_schema_from_openapi(doc, {{"$ref", "#/components/schemas/Node"}});
  EXPECT_EQ(schema["type"], "object");
  EXPECT_EQ(schema["properties"]["value"], json({{"type", {"integer", "null"}}}));
  EXPECT_EQ(schema["properties"]["next"], json({{"$ref", "#/$defs/Node"}}));
  EXPECT_EQ(schema["$defs"]["Node"]["properties"]["next"], json({{"$ref", "#/$defs/Node"}}));
  EXPECT_EQ(schema["properties"]["tag"]["anyOf"][1], json({{"type", "null"}}));
  EXPECT_EQ(schema["$defs"]["Tag"]["enum"], json::array({"a", "b"}));
}

// --- the tools answer what their routes answer ---

TEST_F(McpTest, LookupCodeAndSearchAreTheRoutesAnswers) {
  json r = tool("lookup_code", {{"code", "0x80070005"}});
  EXPECT_EQ(r["isError"], false);
  EXPECT_EQ(r["structuredContent"], route_answer("GET", "/v1/codes/0x80070005", ""));
  EXPECT_EQ(r["structuredContent"]["interpretations"][0]["canonical"], "hresult:80070005");
  const std::string text = r["content"][0]["text"];
  EXPECT_NE(text.find("E_ACCESSDENIED"), std::string::npos) << text;

  r = tool("search_kb", {{"q", "domain not verified"}, {"limit", 2}, {"kind", "article"}});
  EXPECT_EQ(r["isError"], false);
  EXPECT_EQ(r["structuredContent"],
            route_answer("GET", "/v1/search", "",
                         {{"q", "domain not verified"}, {"limit", "2"}, {"kind", "article"}}));
  EXPECT_EQ(r["structuredContent"]["hits"][0]["doc_id"], "dns/custom-domain-not-verified");
  EXPECT_NE(r["content"][0]["text"].get<std::string>().find("help.example/kb/custom-domain"),
            std::string::npos);
}

TEST_F(McpTest, DiagnoseIsTheRoutesAnswerAndItsCauseCanBeRated) {
  const json arguments = {{"code", "0x80070005"}, {"symptoms", {"installer stops"}}, {"limit", 3}};
  json r = tool("diagnose", arguments);
  ASSERT_EQ(r["isError"], false) << r.dump();
  json mcp_answer = r["structuredContent"];
  json http_answer = route_answer("POST", "/v1/diagnose", arguments.dump());
  EXPECT_NE(mcp_answer["diagnosis_id"], http_answer["diagnosis_id"]);  // each call is its own diagnosis
  const std::string diagnosis_id = mcp_answer["diagnosis_id"];
  mcp_answer.erase("diagnosis_id");
  http_answer.erase("diagnosis_id");
  EXPECT_EQ(mcp_answer, http_answer);
  ASSERT_FALSE(mcp_answer["causes"].empty());
  const std::string cause_id = mcp_answer["causes"][0]["id"];
  EXPECT_EQ(cause_id.rfind("windows/update-0x80070005", 0), 0u) << cause_id;
  const std::string text = r["content"][0]["text"];
  EXPECT_NE(text.find(mcp_answer["causes"][0]["title"].get<std::string>()), std::string::npos) << text;
  EXPECT_NE(text.find("diagnosis_id: " + diagnosis_id), std::string::npos) << text;

  const json rating = {{"diagnosis_id", diagnosis_id}, {"cause_id", cause_id}, {"outcome", "resolved"}};
  json refused = tool("record_feedback", rating, kSearchOnly);
  EXPECT_EQ(refused["isError"], true);
  EXPECT_NE(refused["content"][0]["text"].get<std::string>().find("missing_scope"), std::string::npos);
  json stored = tool("record_feedback", rating);
  EXPECT_EQ(stored["isError"], false) << stored.dump();
  const json& answer = stored["structuredContent"];
  EXPECT_EQ(answer["stored"], true);
  EXPECT_EQ(answer["diagnosis_id"], diagnosis_id);
  EXPECT_EQ(answer["cause_id"], cause_id);
  EXPECT_EQ(answer["outcome"], "resolved");
}

TEST_F(McpTest, BadArgumentsAreToolErrorsThatNameTheArgument) {
  auto error_text = [&](const std::string& name, const json& arguments) {
    json r = tool(name, arguments);
    EXPECT_EQ(r.value("isError", false), true) << name << " " << arguments.dump();
    EXPECT_FALSE(r.contains("structuredContent"));
    return r["content"][0]["text"].get<std::string>();
  };
  EXPECT_NE(error_text("diagnose", {{"code", "0x80070005"}, {"limit", "five"}}).find("'limit'"),
            std::string::npos);
  EXPECT_NE(error_text("diagnose", {{"code", "0x80070005"}, {"colour", "red"}}).find("'colour'"),
            std::string::npos);
  EXPECT_NE(error_text("diagnose", json::object()).find("at least one of"), std::string::npos);
  EXPECT_NE(error_text("diagnose", json::array()).find("JSON object"), std::string::npos);
  EXPECT_NE(error_text("search_kb", {{"q", "dns"}, {"limit", "2"}}).find("'limit' must be an integer"),
            std::string::npos);
  EXPECT_NE(error_text("search_kb", {{"q", "dns"}, {"limit", 1000}}).find("'limit'"), std::string::npos);
  EXPECT_NE(error_text("search_kb", {{"q", "dns"}, {"page", 2}}).find("'page'"), std::string::npos);
  EXPECT_NE(error_text("search_kb", json::object()).find("'q' is required"), std::string::npos);
  EXPECT_NE(error_text("lookup_code", json::object()).find("'code' is required"), std::string::npos);
  EXPECT_NE(error_text("lookup_code", {{"code", "not\na code"}}).find("bad_parameter"), std::string::npos);
  EXPECT_NE(error_text("lookup_code", {{"code", "no code here"}}).find("code_not_found"), std::string::npos);
  EXPECT_NE(
      error_text("record_feedback", {{"diagnosis_id", "d-0"}, {"cause_id", "x"}, {"outcome", "resolved"}})
          .find("diagnosis_not_found"),
      std::string::npos);
  EXPECT_NE(error_text("record_feedback", {{"diagnosis_id", "d-0"}, {"cause_id", "x"}, {"outcome", "great"}})
                .find("'outcome'"),
            std::string::npos);
}

// --- the transports ---

TEST_F(McpTest, StdioAnswersEachRequestOnItsOwnLine) {
  std::istringstream in(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}

{"jsonrpc":"2.0","method":"notifications/initialized"}
{broken
{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"lookup_code","arguments":{"code":"ACP-1001"}}}
)");
  std::ostringstream out;
  serve_mcp_stdio(services(), in, out);
  std::vector<json> replies;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) replies.push_back(json::parse(line));
  ASSERT_EQ(replies.size(), 3u) << out.str();
  EXPECT_EQ(replies[0]["result"]["protocolVersion"], "2025-11-25");
  EXPECT_EQ(replies[1]["error"]["code"], kParseError);
  EXPECT_EQ(replies[2]["id"], 2);
  EXPECT_EQ(replies[2]["result"]["structuredContent"]["catalogue_entries"][0]["vendor"], "AcmePay");
}

TEST_F(McpTest, HttpTransportKeysScopesAndHeaders) {
  const httplib::Headers reader = {{"Authorization", "Bearer reader-key"}};
  const httplib::Headers agent = {{"Authorization", "Bearer agent-key"}};
  const json list = request(1, "tools/list");

  auto r = post_mcp_http(list, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"errkb\"");
  r = post_mcp_http(list, {{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(r->status, 401);

  r = post_mcp_http(list, reader);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), kJson);
  EXPECT_EQ(body_json(r)["result"]["tools"].size(), 4u);

  // A reader may diagnose but not rate; an agent key may do both.
  r = post_mcp_http(call("diagnose", {{"text", "custom domain not verified after DNS change"}}), reader);
  ASSERT_EQ(r->status, 200);
  const json diagnosis = body_json(r)["result"]["structuredContent"];
  ASSERT_FALSE(diagnosis["causes"].empty()) << r->body;
  const json rating = {{"diagnosis_id", diagnosis["diagnosis_id"]},
                       {"cause_id", diagnosis["causes"][0]["id"]},
                       {"outcome", "not_relevant"}};
  r = post_mcp_http(call("record_feedback", rating), reader);
  EXPECT_EQ(body_json(r)["result"]["isError"], true) << r->body;
  r = post_mcp_http(call("record_feedback", rating), agent);
  EXPECT_EQ(body_json(r)["result"]["isError"], false) << r->body;

  // Notifications are accepted without a body; GET (no server-sent stream) is 405.
  r = post_mcp_http({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, reader);
  EXPECT_EQ(r->status, 202);
  EXPECT_TRUE(r->body.empty());
  auto client = server_->client();
  auto get = client->Get("/mcp", reader);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST, OPTIONS");

  // The protocol version header, the body's media type and syntax, the origin.
  httplib::Headers versioned = reader;
  versioned.emplace("MCP-Protocol-Version", "2025-06-18");
  EXPECT_EQ(post_mcp_http(list, versioned)->status, 200);
  versioned = reader;
  versioned.emplace("MCP-Protocol-Version", "1999-01-01");
  r = post_mcp_http(list, versioned);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_json(r)["error"]["code"], kInvalidRequest);
  r = client->Post("/mcp", reader, "{\"jsonrpc\":", kJson);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_json(r)["error"]["code"], kParseError);
  r = client->Post("/mcp", reader, list.dump(), "text/plain");
  EXPECT_EQ(r->status, 415);
  httplib::Headers foreign = reader;
  foreign.emplace("Origin", "http://evil.example");
  r = post_mcp_http(list, foreign);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(body_json(r)["code"], "origin_not_allowed");
  httplib::Headers desk = reader;
  desk.emplace("Origin", "https://desk.example.com");
  r = post_mcp_http(list, desk);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "https://desk.example.com");
}

}  // namespace
}  // namespace errkb::server::test
