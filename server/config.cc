#include "config.h"

#include <openssl/sha.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "errkb/feedback.h"
#include "errkb/version.h"

namespace errkb::server {
namespace {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool parse_int(std::string_view text, int& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool is_hex_sha256(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Paths in a config file are relative to the file's folder, so a config works from any cwd.
std::filesystem::path resolve(const std::filesystem::path& base, const std::string& value) {
  std::filesystem::path p(value);
  return p.is_absolute() || base.empty() ? p : base / p;
}

Status bad(std::string_view setting, std::string_view why) {
  return Status::InvalidArgument(std::string(setting) + ": " + std::string(why));
}

// The largest memory settings accepted, in MiB.
constexpr size_t kMaxCommonTermBitsMb = 65536;
constexpr size_t kMaxProsePostingsMb = 1048576;

// A setting given in MiB, kept in bytes.
Status megabytes(std::string_view setting, size_t mb, size_t max_mb, size_t& bytes) {
  if (mb > max_mb) return bad(setting, "must be 0-" + std::to_string(max_mb));
  bytes = mb << 20;
  return Status::OK();
}

Status apply_api_keys(const YAML::Node& node, std::string_view origin, ServerConfig& config) {
  if (!node.IsSequence())
    return bad("api_keys", "must be a list of {id, key|sha256, scopes, rate_per_second, burst}");
  config.api_keys.clear();
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node& entry = node[i];
    const std::string where = "api_keys[" + std::to_string(i) + "]";
    if (!entry.IsMap()) return bad(where, "must be a mapping");
    ApiKeyConfig key;
    for (const auto& field : entry) {
      const std::string name = field.first.as<std::string>();
      if (name == "id") {
        key.id = field.second.as<std::string>();
      } else if (name == "key") {
        key.sha256_hex = sha256_hex(field.second.as<std::string>());
      } else if (name == "sha256") {
        key.sha256_hex = field.second.as<std::string>();
      } else if (name == "scopes") {
        if (!field.second.IsSequence())
          return bad(where + ".scopes", "must be a list of search, feedback, admin");
        for (const auto& s : field.second) {
          auto scope = parse_scope(s.as<std::string>());
          if (!scope)
            return bad(where + ".scopes",
                       "unknown scope '" + s.as<std::string>() + "' (search, feedback, admin)");
          key.scopes.insert(*scope);
        }
      } else if (name == "rate_per_second") {
        key.rate_per_second = field.second.as<double>();
      } else if (name == "burst") {
        key.burst = field.second.as<double>();
      } else {
        return bad(where + "." + name, "unknown setting (in " + std::string(origin) + ")");
      }
    }
    config.api_keys.push_back(std::move(key));
  }
  return Status::OK();
}

Status apply_node(const std::string& name, const YAML::Node& value, const std::filesystem::path& base,
                  std::string_view origin, ServerConfig& config) {
  if (name == "index") {
    config.index_dir = resolve(base, value.as<std::string>());
  } else if (name == "listen") {
    return parse_listen(value.as<std::string>(), "listen", config);
  } else if (name == "kb") {
    config.kb_dirs.clear();
    if (value.IsSequence()) {
      for (const auto& v : value) config.kb_dirs.push_back(resolve(base, v.as<std::string>()));
    } else {
      config.kb_dirs.push_back(resolve(base, value.as<std::string>()));
    }
  } else if (name == "feedback_db") {
    const auto location = value.as<std::string>();
    config.feedback_db =
        is_postgresql_url(location) ? std::filesystem::path(location) : resolve(base, location);
  } else if (name == "feedback_retention_days") {
    config.feedback_retention_days = value.as<int>();
  } else if (name == "threads") {
    config.threads = value.as<int>();
  } else if (name == "max_connections") {
    config.max_connections = value.as<size_t>();
  } else if (name == "max_connections_per_client") {
    config.max_connections_per_client = value.as<size_t>();
  } else if (name == "keep_alive_max_count") {
    config.keep_alive_max_count = value.as<size_t>();
  } else if (name == "keep_alive_timeout_s") {
    config.keep_alive_timeout_s = value.as<int>();
  } else if (name == "read_timeout_s") {
    config.read_timeout_s = value.as<int>();
  } else if (name == "write_timeout_s") {
    config.write_timeout_s = value.as<int>();
  } else if (name == "max_body_bytes") {
    config.max_body_bytes = value.as<size_t>();
  } else if (name == "cors_origins") {
    if (!value.IsSequence()) return bad("cors_origins", "must be a list of origins");
    config.cors_origins.clear();
    for (const auto& v : value) config.cors_origins.push_back(v.as<std::string>());
  } else if (name == "api_keys") {
    return apply_api_keys(value, origin, config);
  } else if (name == "anonymous_rate_per_second") {
    config.anonymous_rate_per_second = value.as<double>();
  } else if (name == "index_poll_ms") {
    config.index_poll_ms = value.as<int>();
  } else if (name == "indexer_threads") {
    config.indexer_threads = value.as<int>();
  } else if (name == "code_cache_readings") {
    config.engine.code_cache_readings = value.as<size_t>();
  } else if (name == "spelling_memo_words") {
    config.engine.spelling_memo_words = value.as<size_t>();
  } else if (name == "prose_scan_budget") {
    config.engine.prose_scan_budget = value.as<uint64_t>();
  } else if (name == "common_term_bits_mb") {
    return megabytes(name, value.as<size_t>(), kMaxCommonTermBitsMb, config.engine.common_term_bits_bytes);
  } else if (name == "prose_postings_mb") {
    return megabytes(name, value.as<size_t>(), kMaxProsePostingsMb, config.engine.prose_postings_bytes);
  } else if (name == "answer_threshold") {
    config.engine.answer_threshold = value.as<double>();
  } else if (name == "question_min_split") {
    config.engine.question_min_split = value.as<double>();
  } else if (name == "concurrent_queries") {
    return bad(name, "is no longer a setting: `threads` sets how many queries run at once (in " +
                         std::string(origin) + ")");
  } else if (name == "log_requests") {
    config.log_requests = value.as<bool>();
  } else if (name == "log_level") {
    config.log_level = value.as<std::string>();
  } else if (name == "log_format") {
    config.log_format = value.as<std::string>();
  } else {
    return bad(name, "unknown setting (in " + std::string(origin) + ")");
  }
  return Status::OK();
}

Status apply_yaml(std::string_view yaml, std::string_view origin, const std::filesystem::path& base,
                  ServerConfig& config) {
  std::string current = "(file)";
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return Status::OK();
    if (!root.IsMap())
      return Status::InvalidArgument(std::string(origin) + ": must be a YAML mapping of settings");
    for (const auto& entry : root) {
      current = entry.first.as<std::string>();
      if (auto s = apply_node(current, entry.second, base, origin, config); !s.ok()) return s;
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp's message carries the line and column of the bad value.
    return Status::InvalidArgument(std::string(origin) + ": " + current + ": " + e.what());
  }
  return Status::OK();
}

}  // namespace

std::string_view scope_name(Scope scope) {
  switch (scope) {
    case Scope::kNone:
      return "none";
    case Scope::kSearch:
      return "search";
    case Scope::kFeedback:
      return "feedback";
    case Scope::kAdmin:
      return "admin";
  }
  return "none";
}

std::optional<Scope> parse_scope(std::string_view name) {
  if (name == "search") return Scope::kSearch;
  if (name == "feedback") return Scope::kFeedback;
  if (name == "admin") return Scope::kAdmin;
  return std::nullopt;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Status parse_listen(std::string_view text, std::string_view setting, ServerConfig& config) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad(setting, "'" + std::string(text) + "' is not host:port");
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  if (!parse_int(text.substr(colon + 1), port) || port < 0 || port > 65535) {
    return bad(setting, "'" + std::string(text) + "' has no valid port (0-65535)");
  }
  config.listen_host = host.empty() ? "0.0.0.0" : host;
  config.listen_port = port;
  return Status::OK();
}

Status apply_yaml_text(std::string_view yaml, std::string_view origin, ServerConfig& config) {
  return apply_yaml(yaml, origin, {}, config);
}

Status apply_yaml_file(const std::filesystem::path& path, ServerConfig& config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad("config", "cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return apply_yaml(text.str(), path.string(), path.parent_path(), config);
}

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

const std::vector<std::string_view>& setting_names() {
  static const std::vector<std::string_view> names = {"index",
                                                      "listen",
                                                      "kb",
                                                      "feedback_db",
                                                      "feedback_retention_days",
                                                      "threads",
                                                      "max_connections",
                                                      "max_connections_per_client",
                                                      "keep_alive_max_count",
                                                      "keep_alive_timeout_s",
                                                      "read_timeout_s",
                                                      "write_timeout_s",
                                                      "max_body_bytes",
                                                      "cors_origins",
                                                      "api_keys",
                                                      "anonymous_rate_per_second",
                                                      "index_poll_ms",
                                                      "indexer_threads",
                                                      "code_cache_readings",
                                                      "spelling_memo_words",
                                                      "prose_scan_budget",
                                                      "common_term_bits_mb",
                                                      "prose_postings_mb",
                                                      "answer_threshold",
                                                      "question_min_split",
                                                      "log_requests",
                                                      "log_level",
                                                      "log_format"};
  return names;
}

std::string environment_name(std::string_view setting) {
  std::string name = "ERRKB_";
  for (char c : setting) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

Status apply_environment(ServerConfig& config, const EnvLookup& getenv) {
  for (std::string_view setting : setting_names()) {
    const std::string variable = environment_name(setting);
    auto value = getenv(variable);
    if (!value) continue;
    const std::string name(setting);
    try {
      // The value as the file would give it: one scalar (a path or "[::1]:80" is not YAML to parse),
      // a list from a separated string, or the keys' YAML.
      YAML::Node node(YAML::NodeType::Sequence);
      if (name == "kb" || name == "cors_origins") {
        for (const auto& item : split(*value, name == "kb" ? ':' : ',')) node.push_back(item);
      } else if (name == "api_keys") {
        node = YAML::Load(*value);
      } else {
        node = YAML::Node(*value);
      }
      if (auto s = apply_node(name, node, {}, variable, config); !s.ok()) {
        return bad(variable, s.message());
      }
    } catch (const YAML::Exception& e) {
      return bad(variable, "'" + *value + "' is not a valid " + name + " (" + e.msg + ")");
    }
  }
  return Status::OK();
}

Status validate(ServerConfig& config) {
  if (config.index_dir.empty())
    return bad("index", "is required (--index DIR, ERRKB_INDEX or `index:` in the config file)");
  if (config.listen_port < 0 || config.listen_port > 65535) return bad("listen", "port must be 0-65535");
  if (config.listen_host.empty()) return bad("listen", "host is empty");
  if (config.threads < 0 || config.threads > 256)
    return bad("threads", "must be 0-256, got " + std::to_string(config.threads));
  if (config.max_connections < 1 || config.max_connections > 100000)
    return bad("max_connections", "must be 1-100000");
  if (config.max_connections_per_client < 1 || config.max_connections_per_client > config.max_connections) {
    return bad("max_connections_per_client",
               "must be 1-max_connections (" + std::to_string(config.max_connections) + ")");
  }
  if (config.keep_alive_max_count < 1) return bad("keep_alive_max_count", "must be at least 1");
  if (config.keep_alive_timeout_s < 1 || config.keep_alive_timeout_s > 300)
    return bad("keep_alive_timeout_s", "must be 1-300");
  if (config.read_timeout_s < 1 || config.read_timeout_s > 300) return bad("read_timeout_s", "must be 1-300");
  if (config.write_timeout_s < 1 || config.write_timeout_s > 300)
    return bad("write_timeout_s", "must be 1-300");
  if (config.max_body_bytes < 1024 || config.max_body_bytes > (64u << 20))
    return bad("max_body_bytes", "must be 1 KiB-64 MiB");
  if (config.feedback_retention_days < 1 || config.feedback_retention_days > 36500) {
    return bad("feedback_retention_days", "must be 1-36500");
  }
  if (config.index_poll_ms < 50 || config.index_poll_ms > 600000)
    return bad("index_poll_ms", "must be 50-600000");
  if (config.indexer_threads < 0 || config.indexer_threads > 256)
    return bad("indexer_threads", "must be 0-256");
  if (config.engine.common_term_bits_bytes > (kMaxCommonTermBitsMb << 20)) {
    return bad("common_term_bits_mb", "must be 0-" + std::to_string(kMaxCommonTermBitsMb));
  }
  if (config.engine.prose_postings_bytes > (kMaxProsePostingsMb << 20)) {
    return bad("prose_postings_mb", "must be 0-" + std::to_string(kMaxProsePostingsMb));
  }
  if (config.engine.answer_threshold > 1)
    return bad("answer_threshold", "must be at most 1 (negative: the fitted default)");
  if (config.engine.question_min_split > 1)
    return bad("question_min_split", "must be at most 1 (negative: the default)");
  if (config.anonymous_rate_per_second < 0) return bad("anonymous_rate_per_second", "must not be negative");
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (config.log_format != "text" && config.log_format != "json") {
    return bad("log_format", "'" + config.log_format + "' is not one of text, json");
  }
  if (!kLevels.count(config.log_level))
    return bad("log_level",
               "'" + config.log_level + "' is not one of trace, debug, info, warn, error, critical, off");
  for (const auto& origin : config.cors_origins) {
    bool ok = origin == "*" || origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0;
    if (!ok || (origin != "*" && origin.back() == '/')) {
      return bad("cors_origins",
                 "'" + origin + "' is not an origin like https://desk.example.com (no path, no trailing /)");
    }
  }
  std::set<std::string> ids, hashes;
  for (size_t i = 0; i < config.api_keys.size(); ++i) {
    const auto& key = config.api_keys[i];
    const std::string where = "api_keys[" + std::to_string(i) + "]";
    if (key.id.empty()) return bad(where + ".id", "is required (it names the key in logs)");
    if (!ids.insert(key.id).second) return bad(where + ".id", "'" + key.id + "' is used twice");
    if (!is_hex_sha256(key.sha256_hex))
      return bad(where + ".sha256", "give `key` or a 64-digit lower-case hex `sha256`");
    if (!hashes.insert(key.sha256_hex).second) return bad(where, "the same key is configured twice");
    if (key.scopes.empty())
      return bad(where + ".scopes", "must name at least one of search, feedback, admin");
    if (key.rate_per_second < 0) return bad(where + ".rate_per_second", "must not be negative");
    if (key.burst < 0) return bad(where + ".burst", "must not be negative");
  }
  for (const auto& dir : config.kb_dirs) {
    if (dir.empty()) return bad("kb", "an empty folder name");
  }
  if (config.feedback_db.empty()) {
    std::filesystem::path index = config.index_dir;
    if (!index.has_filename()) index = index.parent_path();  // "idx/" -> "idx"
    config.feedback_db = index.string() + ".feedback.sqlite";
  }
  return Status::OK();
}

Result<ServerConfig> load_config(int argc, const char* const* argv, const EnvLookup& getenv, int& exit_code,
                                 std::string& output) {
  exit_code = 0;
  CLI::App app{"errkb-server: HTTP API that ranks likely causes for an error code or symptoms"};
  std::optional<std::string> index, config_path, listen, feedback_db, log_level;
  std::vector<std::string> kb;
  std::optional<int> threads;
  app.add_option("--index", index, "Index folder (ERRKB_INDEX)");
  app.add_option("--config", config_path, "YAML config file (ERRKB_CONFIG)");
  app.add_option("--listen", listen, "host:port to listen on (ERRKB_LISTEN), default 127.0.0.1:8080");
  app.add_option("--kb", kb, "KB folder(s) for admin reindex (ERRKB_KB, ':'-separated)");
  app.add_option("--feedback-db", feedback_db,
                 "SQLite file, or postgresql:// URL shared by several servers, of the feedback database "
                 "(ERRKB_FEEDBACK_DB)");
  app.add_option("--threads", threads,
                 "HTTP event loops, which run the queries too; 0 = cores (ERRKB_THREADS)");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error (ERRKB_LOG_LEVEL)");
  bool mcp_stdio = false;  // main() takes it out before the settings are read; here for --help
  app.add_flag("--mcp-stdio", mcp_stdio,
               "Serve MCP (Model Context Protocol) on stdin/stdout instead of HTTP");
  app.set_version_flag("--version", errkb::version_line("errkb-server"));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    // --help and --version are ParseErrors with exit code 0: stop, print, and exit successfully.
    exit_code = app.exit(e, out, err) == 0 ? 0 : 2;
    output = out.str() + err.str();
    return Status::InvalidArgument(output);
  }

  // Layers, later ones winning: config file, environment, command line; then the whole is checked.
  ServerConfig config;
  Status status = [&]() -> Status {
    if (!config_path) config_path = getenv("ERRKB_CONFIG");
    if (config_path) {
      if (auto s = apply_yaml_file(*config_path, config); !s.ok()) return s;
    }
    if (auto s = apply_environment(config, getenv); !s.ok()) return s;
    if (index) config.index_dir = *index;
    if (listen) {
      if (auto s = parse_listen(*listen, "--listen", config); !s.ok()) return s;
    }
    if (!kb.empty()) config.kb_dirs.assign(kb.begin(), kb.end());
    if (feedback_db) config.feedback_db = *feedback_db;
    if (threads) config.threads = *threads;
    if (log_level) config.log_level = *log_level;
    return validate(config);
  }();
  if (!status.ok()) {
    exit_code = 2;
    return status;
  }
  return config;
}

}  // namespace errkb::server
