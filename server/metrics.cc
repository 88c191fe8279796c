#include "metrics.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "errkb/version.h"

namespace errkb::server {
namespace {

// Fields of /proc/self/stat after the command name (which may hold spaces): field 3 (state) first.
std::vector<std::string> proc_stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> fields;
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(text.substr(close + 1));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double value = 0;
      in >> value;
      return value;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace

void Histogram::observe(double value) {
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  if (bucket < bounds_.size()) ++buckets_[bucket];
  ++count_;
  sum_ += value;
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i];
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, bounds_[i], cumulative);
  }
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, count_);
  append_sample(out, std::string(name) + "_sum", labels, sum_);
  append_sample(out, std::string(name) + "_count", labels, static_cast<double>(count_));
}

void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  if (labels.empty())
    out += fmt::format("{} {}\n", name, value);
  else
    out += fmt::format("{}{{{}}} {}\n", name, labels, value);
}

std::string prometheus_label(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

Metrics::Metrics() {
  // Every outcome from the start, at 0: a rate over a series that appears later misses its first count.
  for (const char* result : {"answered", "no_answer"}) diagnoses_[result] = 0;
  for (const char* outcome : {"resolved", "not_resolved", "not_relevant"}) feedback_[outcome] = 0;
  for (const char* mode : {"update", "rebuild"}) {
    for (const char* state : {"succeeded", "failed"}) jobs_[{mode, state}] = 0;
    job_seconds_.emplace(mode, Histogram(kJobSeconds));
  }
}

void Metrics::observe(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard lock(mutex_);
  auto it = requests_.find({route, method, status});
  if (it == requests_.end())
    it = requests_.emplace(std::tuple{route, method, status}, Histogram(kRequestSeconds)).first;
  it->second.observe(seconds);
}

void Metrics::observe_diagnosis(bool answered, double top_confidence) {
  std::lock_guard lock(mutex_);
  ++diagnoses_[answered ? "answered" : "no_answer"];
  confidence_.observe(top_confidence);
}

void Metrics::observe_feedback(std::string_view outcome) {
  std::lock_guard lock(mutex_);
  ++feedback_[std::string(outcome)];
}

void Metrics::observe_job(std::string_view mode, std::string_view state, double seconds) {
  std::lock_guard lock(mutex_);
  ++jobs_[{std::string(mode), std::string(state)}];
  auto it = job_seconds_.find(mode);
  if (it == job_seconds_.end()) it = job_seconds_.emplace(std::string(mode), Histogram(kJobSeconds)).first;
  it->second.observe(seconds);
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  render_requests(out);
  render_outcomes(out);
  return out;
}

void Metrics::render_requests(std::string& out) const {
  append_metric_header(out, "errkb_http_requests_total", "counter",
                       "HTTP requests answered, by route template, method and status.");
  auto labels = [](const auto& key) {
    const auto& [route, method, status] = key;
    return fmt::format("route=\"{}\",method=\"{}\",status=\"{}\"", prometheus_label(route),
                       prometheus_label(method), status);
  };
  for (const auto& [key, series] : requests_) {
    append_sample(out, "errkb_http_requests_total", labels(key), static_cast<double>(series.count()));
  }
  append_metric_header(out, "errkb_http_request_duration_seconds", "histogram",
                       "Time from routing to the response, by route, method and status.");
  for (const auto& [key, series] : requests_)
    series.render(out, "errkb_http_request_duration_seconds", labels(key));
}

void Metrics::render_outcomes(std::string& out) const {
  append_metric_header(
      out, "errkb_diagnoses_total", "counter",
      "Diagnoses answered, by result: answered (the top cause reaches the answer threshold) or no_answer.");
  for (const auto& [result, n] : diagnoses_) {
    append_sample(out, "errkb_diagnoses_total", fmt::format("result=\"{}\"", result), static_cast<double>(n));
  }
  append_metric_header(out, "errkb_diagnosis_confidence", "histogram",
                       "Calibrated confidence of each diagnosis' top cause (0: none).");
  confidence_.render(out, "errkb_diagnosis_confidence", "");
  append_metric_header(out, "errkb_feedback_total", "counter", "Feedback stored, by outcome.");
  for (const auto& [outcome, n] : feedback_) {
    append_sample(out, "errkb_feedback_total", fmt::format("outcome=\"{}\"", prometheus_label(outcome)),
                  static_cast<double>(n));
  }
  append_metric_header(out, "errkb_reindex_jobs_total", "counter",
                       "Reindex jobs ended, by mode and state (succeeded, failed).");
  for (const auto& [key, n] : jobs_) {
    append_sample(out, "errkb_reindex_jobs_total",
                  fmt::format("mode=\"{}\",state=\"{}\"", key.first, key.second), static_cast<double>(n));
  }
  append_metric_header(out, "errkb_reindex_job_duration_seconds", "histogram",
                       "Running time of ended reindex jobs, by mode.");
  for (const auto& [mode, series] : job_seconds_) {
    series.render(out, "errkb_reindex_job_duration_seconds", fmt::format("mode=\"{}\"", mode));
  }
}

std::string build_info_metrics() {
  std::string out;
  append_metric_header(out, "errkb_build_info", "gauge",
                       "The running build: version and git commit (always 1).");
  append_sample(out, "errkb_build_info",
                fmt::format("version=\"{}\",commit=\"{}\"", errkb::version(), errkb::git_commit()), 1);
  return out;
}

std::string process_metrics() {
  std::string out;
  const auto fields = proc_stat_fields();  // fields[0] is stat field 3
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto field = [&](size_t stat_number) { return std::stod(fields.at(stat_number - 3)); };
  if (fields.size() >= 22 && ticks > 0) {
    append_metric_header(out, "process_cpu_seconds_total", "counter",
                         "User and system CPU time of the process.");
    append_sample(out, "process_cpu_seconds_total", "", (field(14) + field(15)) / ticks);
    append_metric_header(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size.");
    append_sample(out, "process_virtual_memory_bytes", "", field(23));
    append_metric_header(out, "process_resident_memory_bytes", "gauge", "Resident memory size.");
    append_sample(out, "process_resident_memory_bytes", "",
                  field(24) * static_cast<double>(sysconf(_SC_PAGESIZE)));
    append_metric_header(out, "process_start_time_seconds", "gauge",
                         "Start time of the process since the Unix epoch.");
    append_sample(out, "process_start_time_seconds", "", boot_time_seconds() + field(22) / ticks);
  }
  std::error_code ec;
  size_t open_fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec))
    ++open_fds;
  append_metric_header(out, "process_open_fds", "gauge", "Open file descriptors.");
  append_sample(out, "process_open_fds", "", static_cast<double>(open_fds));
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    append_metric_header(out, "process_max_fds", "gauge", "The limit of open file descriptors.");
    append_sample(out, "process_max_fds", "", static_cast<double>(limit.rlim_cur));
  }
  return out;
}

}  // namespace errkb::server
