#include "metrics.h"

#include <fmt/format.h>

namespace errkb::server {

std::string prometheus_label(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void Metrics::observe(const std::string& route, const std::string& method, int status, double seconds) {
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  std::lock_guard lock(mutex_);
  Series& s = series_[{route, method, status}];
  if (bucket < kBuckets.size()) ++s.buckets[bucket];
  ++s.count;
  s.sum += seconds;
}

std::string Metrics::render_requests() const {
  std::string out;
  out += "# HELP errkb_http_requests_total HTTP requests answered, by route template, method and status.\n";
  out += "# TYPE errkb_http_requests_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, s] : series_) {
    const auto& [route, method, status] = key;
    out += fmt::format("errkb_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                       prometheus_label(route), prometheus_label(method), status, s.count);
  }
  out += "# HELP errkb_http_request_duration_seconds Time from routing to the response, by route, method and status.\n";
  out += "# TYPE errkb_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : series_) {
    const auto& [route, method, status] = key;
    const std::string labels = fmt::format("route=\"{}\",method=\"{}\",status=\"{}\"", prometheus_label(route),
                                           prometheus_label(method), status);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i];
      out += fmt::format("errkb_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, kBuckets[i],
                         cumulative);
    }
    out += fmt::format("errkb_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, s.count);
    out += fmt::format("errkb_http_request_duration_seconds_sum{{{}}} {}\n", labels, s.sum);
    out += fmt::format("errkb_http_request_duration_seconds_count{{{}}} {}\n", labels, s.count);
  }
  return out;
}

}  // namespace errkb::server
