// Admin reindex jobs: one at a time, on a background thread, with progress and the final report.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "errkb/indexer.h"
#include "errkb/status.h"
#include "metrics.h"

namespace errkb::server {

enum class JobMode { kUpdate, kRebuild };
std::optional<JobMode> parse_job_mode(std::string_view text);

struct JobSnapshot {
  std::string id;
  JobMode mode = JobMode::kUpdate;
  std::string state;  // "queued" | "running" | "succeeded" | "failed"
  IndexProgress progress;
  std::optional<UpdateReport> report;
  std::string error;
  std::chrono::system_clock::time_point created, started, finished;
};
nlohmann::json to_json(const JobSnapshot& job);

class ReindexJobs {
 public:
  using Runner = std::function<Result<UpdateReport>(JobMode, const IndexerOptions&, const ProgressFn&)>;

  // `on_finished` runs on the job thread after every job (the server makes readers reopen there).
  // `runner` defaults to errkb::update_index / errkb::rebuild_index.
  ReindexJobs(IndexerOptions options, std::function<void()> on_finished, Runner runner = {});
  ~ReindexJobs();  // waits for a running job
  ReindexJobs(const ReindexJobs&) = delete;
  ReindexJobs& operator=(const ReindexJobs&) = delete;

  // Starts a job. Unavailable while another job runs; InvalidArgument when no KB folder is configured.
  Result<JobSnapshot> start(JobMode mode);
  std::optional<JobSnapshot> get(const std::string& id) const;
  // The jobs kept (the last 100), newest first.
  std::vector<JobSnapshot> list() const;
  // Ended jobs are counted there (outcome and running time); null = not counted.
  void set_metrics(Metrics* metrics) { metrics_ = metrics; }
  bool configured() const { return !options_.kb_dirs.empty(); }

 private:
  void run(std::string id);

  IndexerOptions options_;
  std::function<void()> on_finished_;
  Runner runner_;
  Metrics* metrics_ = nullptr;
  mutable std::mutex mutex_;
  std::map<std::string, JobSnapshot> jobs_;
  std::deque<std::string> order_;  // oldest first, to keep only the last jobs
  bool running_ = false;
  uint64_t next_id_ = 1;
  std::thread worker_;
};

}  // namespace errkb::server
