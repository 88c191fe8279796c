// Prometheus text-format metrics: request counters and latency histograms per route, method and
// status; diagnoses, their confidence, feedback and reindex jobs as they happen; the process and the
// build. Gauges of the index are filled by the handler at scrape time.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace errkb::server {

// Observations counted in fixed buckets (upper bounds, ascending), rendered cumulatively.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds) : bounds_(bounds), buckets_(bounds.size(), 0) {}
  void observe(double value);
  // NAME_bucket{LABELS,le=...}, NAME_sum{LABELS} and NAME_count{LABELS} lines; `labels` may be "".
  void render(std::string& out, std::string_view name, std::string_view labels) const;
  uint64_t count() const { return count_; }

 private:
  std::span<const double> bounds_;
  std::vector<uint64_t> buckets_;  // non-cumulative; summed when rendered
  uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  static constexpr std::array<double, 12> kRequestSeconds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                             0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  static constexpr std::array<double, 10> kConfidence = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
  static constexpr std::array<double, 10> kJobSeconds = {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600};

  Metrics();

  // `route` is the route template ("/v1/codes/{code}"), never the raw path, to bound cardinality.
  void observe(const std::string& route, const std::string& method, int status, double seconds);
  // A diagnosis answered: whether it is an answer, and its top cause's confidence (0 with no cause).
  void observe_diagnosis(bool answered, double top_confidence);
  // Feedback stored: "resolved", "not_resolved" or "not_relevant".
  void observe_feedback(std::string_view outcome);
  // A reindex job ended: mode "update" | "rebuild", state "succeeded" | "failed", its running time.
  void observe_job(std::string_view mode, std::string_view state, double seconds);

  // Every series above in the text format (HELP and TYPE lines included).
  std::string render() const;

 private:
  void render_requests(std::string& out) const;
  void render_outcomes(std::string& out) const;

  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, Histogram> requests_;
  std::map<std::string, uint64_t, std::less<>> diagnoses_;  // answered | no_answer
  Histogram confidence_{kConfidence};
  std::map<std::string, uint64_t, std::less<>> feedback_;         // by outcome
  std::map<std::pair<std::string, std::string>, uint64_t> jobs_;  // (mode, state)
  std::map<std::string, Histogram, std::less<>> job_seconds_;     // by mode
};

// Escapes a label value for the text format (backslash, quote, newline).
std::string prometheus_label(const std::string& value);
// A metric's HELP and TYPE lines, and one sample line (`labels` may be "").
void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help);
void append_sample(std::string& out, std::string_view name, std::string_view labels, double value);

// errkb_build_info{version,commit} 1.
std::string build_info_metrics();
// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds and process_start_time_seconds, read from /proc/self.
std::string process_metrics();

}  // namespace errkb::server
