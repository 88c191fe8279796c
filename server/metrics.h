// Prometheus text-format metrics: request counters and latency histograms per route, method and
// status, plus gauges the server fills at scrape time (index documents, revision, reopens).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace errkb::server {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  // `route` is the route template ("/v1/codes/{code}"), never the raw path, to bound cardinality.
  void observe(const std::string& route, const std::string& method, int status, double seconds);
  // Request series in Prometheus text format (HELP/TYPE lines included).
  std::string render_requests() const;

 private:
  struct Series {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative; summed when rendered
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, Series> series_;
};

// Escapes a label value for the text format (backslash, quote, newline).
std::string prometheus_label(const std::string& value);

}  // namespace errkb::server
