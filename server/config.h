// errkb-server configuration: defaults < YAML file < ERRKB_* environment < command-line flags,
// then one validate() whose messages name the bad setting.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "errkb/options.h"
#include "errkb/status.h"

namespace errkb::server {

enum class Scope { kNone, kSearch, kFeedback, kAdmin };
std::string_view scope_name(Scope scope);
std::optional<Scope> parse_scope(std::string_view name);

struct ApiKeyConfig {
  std::string id;              // shown in logs and metrics instead of the key
  std::string sha256_hex;      // lower-case hex SHA-256 of the key (a plain `key:` is hashed at load)
  std::set<Scope> scopes;      // search, feedback, admin (each explicit: admin does not imply search)
  double rate_per_second = 0;  // token-bucket refill rate; 0 = unlimited
  double burst = 0;            // bucket size; 0 = max(1, rate_per_second)

  friend bool operator==(const ApiKeyConfig&, const ApiKeyConfig&) = default;
};

struct ServerConfig {
  std::filesystem::path index_dir;  // required: the live index path
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;                      // 0 = any free port
  std::vector<std::filesystem::path> kb_dirs;  // for POST /v1/admin/reindex
  std::filesystem::path feedback_db;           // default: <index_dir>.feedback.sqlite beside the index
  int feedback_retention_days = 90;         // unrated diagnoses and empty searches are forgotten after this
  int threads = 0;                          // HTTP event loops, which run the queries too; 0 = cores
  size_t max_connections = 1024;            // open connections; more are closed at once
  size_t max_connections_per_client = 256;  // open connections from one address; more are closed at once
  size_t keep_alive_max_count = 1000;       // requests per connection; the last answer says Connection: close
  int keep_alive_timeout_s = 2;             // idle keep-alive connections are closed after this
  int read_timeout_s = 5;                   // a request that stops arriving halfway
  int write_timeout_s = 5;                  // a response the client does not read
  size_t max_body_bytes = 1 << 20;          // 413 beyond
  std::vector<std::string> cors_origins;    // exact origins ("https://desk.example.com"); "*" = any
  std::vector<ApiKeyConfig> api_keys;       // none = search/codes/diagnose/feedback open, admin closed
  double anonymous_rate_per_second = 0;     // without keys: per client address; 0 = unlimited
  int index_poll_ms = 1000;                 // how often to look for a changed index
  int indexer_threads = 0;                  // rebuild shards for admin reindex; 0 = cores
  // The engine's settings with their defaults (errkb/options.h): code_cache_readings, spelling_memo_words,
  // prose_scan_budget, common_term_bits_mb and prose_postings_mb (in the file in MiB, here in bytes),
  // answer_threshold, question_min_split. Its index_dir and feedback are set when the server opens the
  // engine.
  EngineOptions engine;
  bool log_requests = true;  // one log line per request
  std::string log_level = "info";
  std::string log_format = "text";  // text | json (one JSON object per line, UTC timestamps)

  friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

// Parses "host:port", "[v6]:port" or ":port" into the config. InvalidArgument naming `setting`.
Status parse_listen(std::string_view text, std::string_view setting, ServerConfig& config);

// Applies a YAML file's settings (keys as in ServerConfig, e.g. `index`, `listen`, `api_keys`).
Status apply_yaml_file(const std::filesystem::path& path, ServerConfig& config);
Status apply_yaml_text(std::string_view yaml, std::string_view origin, ServerConfig& config);

// Every setting of the config file, by its YAML name.
const std::vector<std::string_view>& setting_names();
// The environment variable of a setting: ERRKB_ and its name in capitals (ERRKB_LOG_LEVEL).
std::string environment_name(std::string_view setting);

// Applies ERRKB_<SETTING> for every setting, with the value as the YAML file would give it, except:
// ERRKB_KB is ':'-separated, ERRKB_CORS_ORIGINS ','-separated, ERRKB_API_KEYS YAML flow text
// ([{id: ops, sha256: ..., scopes: [admin]}]). `getenv` is injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
Status apply_environment(ServerConfig& config, const EnvLookup& getenv);
EnvLookup process_environment();

// Fills derived defaults (feedback_db) and checks every setting; the message names the setting.
Status validate(ServerConfig& config);

// The whole command line: flags --index --config --listen --kb --feedback-db --threads
// --log-level; the config file (flag, else ERRKB_CONFIG), the environment, then the flags.
// Returns the validated config. On failure the program should print the status message (and
// `output`, CLI11's help or usage text) and exit with `exit_code` (0 after --help, else 2).
Result<ServerConfig> load_config(int argc, const char* const* argv, const EnvLookup& getenv, int& exit_code,
                                 std::string& output);

// Lower-case hex SHA-256 (keys are compared by hash; the plain key is never kept).
std::string sha256_hex(std::string_view data);

}  // namespace errkb::server
