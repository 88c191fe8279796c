#include "logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <random>

#include "log_sink.h"

namespace errkb::server {
namespace {

constexpr size_t kMaxRequestIdBytes = 128;

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

// %q: the request id of the line's thread, as " request_id=ID" in text lines and as a
// ,"request_id":"ID" member in JSON lines; nothing outside a request.
class RequestIdFlag final : public spdlog::custom_flag_formatter {
 public:
  explicit RequestIdFlag(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string& id = current_request_id();
    if (id.empty()) return;
    append(dest, json_ ? ",\"request_id\":\"" : " request_id=");
    append(dest, id);  // request_id_for() lets through nothing that needs escaping
    if (json_) append(dest, "\"");
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RequestIdFlag>(json_);
  }

 private:
  bool json_;
};

// %j: the message as a JSON string, quotes included; bytes that are not UTF-8 become U+FFFD.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string text(msg.payload.data(), msg.payload.size());
    append(dest, nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(const std::string& format) {
  const bool json = format == "json";
  auto formatter = std::make_unique<spdlog::pattern_formatter>(json ? spdlog::pattern_time_type::utc
                                                                    : spdlog::pattern_time_type::local);
  formatter->add_flag<RequestIdFlag>('q', json);
  formatter->add_flag<JsonMessageFlag>('j');
  // The pattern after the flags: a pattern is compiled when it is set.
  formatter->set_pattern(json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":%j%q})"
                              : "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v%q");
  return formatter;
}

bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string& current_request_id() {
  thread_local std::string id;
  return id;
}

std::string request_id_for(std::string_view presented) {
  if (usable_request_id(presented)) return std::string(presented);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

void install_logger(int fd, const ServerConfig& config) {
  auto logger = std::make_shared<spdlog::logger>(
      "errkb", std::make_shared<BatchedFdSink>(fd, std::chrono::milliseconds(100)));
  logger->set_formatter(make_formatter(config.log_format));
  logger->set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace errkb::server
