// errkb: the command-line client of an errkb server, for agents at a terminal and for scripts.
//   errkb diagnose TEXT... | code CODE | search QUERY... | feedback DIAGNOSIS_ID CAUSE_ID OUTCOME
// Human output by default (in colour on a terminal), --json for exactly the API's JSON. Exit status:
// 0 an answer, 1 no answer, 2 an error. Server and key: flags > environment > config file.
#include <httplib.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "errkb/version.h"
#include "render.h"

namespace {

using nlohmann::json;

constexpr int kAnswer = 0;
constexpr int kNoAnswer = 1;
constexpr int kError = 2;

struct Settings {
  std::string server = "http://127.0.0.1:8080";
  std::string key;
};

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? std::optional<std::string>(value) : std::nullopt;
}

std::filesystem::path default_config_path() {
  if (auto xdg = env("XDG_CONFIG_HOME")) return std::filesystem::path(*xdg) / "errkb/cli.yaml";
  if (auto home = env("HOME")) return std::filesystem::path(*home) / ".config/errkb/cli.yaml";
  return {};
}

// Applies the config file's `server` and `key`. A file named by --config or ERRKB_CLI_CONFIG must
// exist; the default one may not.
bool apply_config_file(const std::string& named, Settings& settings, std::string& error) {
  std::filesystem::path path = !named.empty() ? std::filesystem::path(named) : default_config_path();
  if (path.empty() || (named.empty() && !std::filesystem::exists(path))) return true;
  try {
    YAML::Node root = YAML::LoadFile(path.string());
    if (root.IsNull()) return true;
    if (!root.IsMap()) throw YAML::Exception(YAML::Mark::null_mark(), "must be a mapping of server and key");
    for (const auto& item : root) {
      const std::string name = item.first.as<std::string>();
      if (name == "server")
        settings.server = item.second.as<std::string>();
      else if (name == "key")
        settings.key = item.second.as<std::string>();
      else
        throw YAML::Exception(item.first.Mark(), "unknown setting '" + name + "' (server, key)");
    }
  } catch (const YAML::Exception& e) {
    error = path.string() + ": " + e.what();
    return false;
  }
  return true;
}

// A path segment with everything but unreserved characters percent-encoded.
std::string path_segment(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

enum class Command { kDiagnose, kCode, kSearch, kFeedback };

struct Output {
  bool json = false;
  errkb::render::Style style;
};

// Prints the server's answer and says what it means for the exit status.
int report(Command command, const httplib::Result& result, const std::string& server, const Output& output) {
  if (!result) {
    std::cerr << "errkb: cannot reach " << server << ": " << httplib::to_string(result.error()) << "\n";
    return kError;
  }
  json body = json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  const bool ok = result->status >= 200 && result->status < 300 && body.is_object();
  if (output.json) std::cout << result->body << (result->body.ends_with('\n') ? "" : "\n");
  if (!ok) {
    const bool unknown_code =
        command == Command::kCode && body.is_object() && body.value("code", "") == "code_not_found";
    std::cerr << "errkb: "
              << (body.is_object() ? errkb::render::problem(body)
                                   : "HTTP " + std::to_string(result->status) + " from " + server)
              << "\n";
    return unknown_code ? kNoAnswer : kError;
  }
  switch (command) {
    case Command::kDiagnose:
      if (!output.json) std::cout << errkb::render::diagnosis(body, output.style);
      return errkb::render::answer_state(body) == errkb::render::AnswerState::kAnswered ? kAnswer : kNoAnswer;
    case Command::kCode:
      if (!output.json) std::cout << errkb::render::code_lookup(body, output.style);
      return kAnswer;
    case Command::kSearch:
      if (!output.json) std::cout << errkb::render::search(body, output.style);
      return body.value("total", 0) > 0 ? kAnswer : kNoAnswer;
    case Command::kFeedback:
      if (!output.json) std::cout << errkb::render::feedback_stored(body, output.style);
      return kAnswer;
  }
  return kError;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"errkb: ask an errkb server about error codes and symptoms"};
  app.require_subcommand(1);
  app.fallthrough();  // --json, --server and the rest also after the subcommand
  app.set_version_flag("--version", errkb::version_line("errkb"));
  std::optional<std::string> server, key;
  std::string config_path, colour = "auto";
  Output output;
  app.add_option("--server", server, "errkb server URL (ERRKB_URL; default http://127.0.0.1:8080)");
  app.add_option("--key", key, "API key (ERRKB_API_KEY)");
  app.add_option(
      "--config", config_path,
      "config file with `server:` and `key:` (ERRKB_CLI_CONFIG; default ~/.config/errkb/cli.yaml)");
  app.add_flag("--json", output.json, "print the API's JSON answer as it is");
  app.add_option("--color", colour, "colour the output: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  CLI::App* diagnose =
      app.add_subcommand("diagnose", "likely causes for a ticket, an error code or symptoms");
  std::vector<std::string> text_words, symptoms;
  std::string code, vendor, product, language, lang, kind;
  std::optional<int> limit, offset;
  diagnose->add_option("text", text_words,
                       "the customer's words or the error output (default: stdin when piped)");
  diagnose->add_option("--code", code, "an error code as the customer gave it");
  diagnose->add_option("--symptom", symptoms, "a symptom; repeatable");
  diagnose->add_option("--vendor", vendor, "vendor context (Microsoft, eBay, Oracle, ...)");
  diagnose->add_option("--product", product, "product context");
  diagnose->add_option("--language", language, "ISO 639-1 language of the answer (en, ro, it, ru)");
  diagnose->add_option("--limit", limit, "at most this many causes (1-20)");

  CLI::App* code_command =
      app.add_subcommand("code", "every reading of an error code, its catalogue entries and causes");
  code_command->add_option("code", code, "the error code, in any spelling")->required();
  code_command->add_option("--vendor", vendor, "vendor context");

  CLI::App* search = app.add_subcommand("search", "passages of the KB for a query");
  std::vector<std::string> query_words;
  search->add_option("query", query_words, "words and codes to search for")->required();
  search->add_option("--lang", lang, "ISO 639-1 language of the query");
  search->add_option("--vendor", vendor, "only this vendor");
  search->add_option("--product", product, "only this product");
  search->add_option("--kind", kind, "only article, forum or catalogue");
  search->add_option("--limit", limit, "at most this many passages (1-100)");
  search->add_option("--offset", offset, "skip this many passages");

  CLI::App* feedback =
      app.add_subcommand("feedback", "record whether a cause of a diagnosis resolved the problem");
  std::string diagnosis_id, cause_id, outcome, note;
  feedback->add_option("diagnosis_id", diagnosis_id, "the diagnosis_id of `errkb diagnose`")->required();
  feedback->add_option("cause_id", cause_id, "the cause_id of one of its causes")->required();
  feedback->add_option("outcome", outcome, "resolved, not_resolved or not_relevant")->required();
  feedback->add_option("--note", note, "what was tried or seen");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kError;
  }

  Settings settings;
  std::string error;
  if (!apply_config_file(config_path.empty() ? env("ERRKB_CLI_CONFIG").value_or("") : config_path, settings,
                         error)) {
    std::cerr << "errkb: " << error << "\n";
    return kError;
  }
  settings.server = server.value_or(env("ERRKB_URL").value_or(settings.server));
  settings.key = key.value_or(env("ERRKB_API_KEY").value_or(settings.key));
  while (settings.server.ends_with('/')) settings.server.pop_back();
  output.style.colour = colour == "always" || (colour == "auto" && ::isatty(STDOUT_FILENO) &&
                                               !env("NO_COLOR") && env("TERM") != "dumb");

  httplib::Client client(settings.server);
  if (!client.is_valid()) {
    std::cerr << "errkb: '" << settings.server
              << "' is not a server URL (http://host:port or https://host)\n";
    return kError;
  }
  client.set_connection_timeout(10);
  client.set_read_timeout(60);
  httplib::Headers headers;
  if (!settings.key.empty()) headers.emplace("Authorization", "Bearer " + settings.key);

  if (diagnose->parsed()) {
    json request = json::object();
    std::string text = joined(text_words);
    if (text.empty() && code.empty() && symptoms.empty() && !::isatty(STDIN_FILENO)) {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    if (!text.empty()) request["text"] = text;
    if (!code.empty()) request["code"] = code;
    if (!symptoms.empty()) request["symptoms"] = symptoms;
    if (!vendor.empty()) request["vendor"] = vendor;
    if (!product.empty()) request["product"] = product;
    if (!language.empty()) request["language"] = language;
    if (limit) request["limit"] = *limit;
    auto result =
        client.Post("/v1/diagnose", headers, request.dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/json");
    return report(Command::kDiagnose, result, settings.server, output);
  }
  if (code_command->parsed()) {
    httplib::Params params;
    if (!vendor.empty()) params.emplace("vendor", vendor);
    auto result = client.Get("/v1/codes/" + path_segment(code), params, headers);
    return report(Command::kCode, result, settings.server, output);
  }
  if (search->parsed()) {
    httplib::Params params{{"q", joined(query_words)}};
    for (auto [name, value] :
         {std::pair{"lang", lang}, {"vendor", vendor}, {"product", product}, {"kind", kind}}) {
      if (!value.empty()) params.emplace(name, value);
    }
    if (limit) params.emplace("limit", std::to_string(*limit));
    if (offset) params.emplace("offset", std::to_string(*offset));
    auto result = client.Get("/v1/search", params, headers);
    return report(Command::kSearch, result, settings.server, output);
  }
  json request = {{"diagnosis_id", diagnosis_id}, {"cause_id", cause_id}, {"outcome", outcome}};
  if (!note.empty()) request["note"] = note;
  auto result = client.Post("/v1/feedback", headers, request.dump(), "application/json");
  return report(Command::kFeedback, result, settings.server, output);
}
