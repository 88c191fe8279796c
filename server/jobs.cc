#include "jobs.h"

#include <spdlog/spdlog.h>

#include <random>

#include "json_mapping.h"

namespace errkb::server {
namespace {

constexpr size_t kJobsKept = 100;

std::string iso_time(std::chrono::system_clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return "";
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Job ids are not guessable across restarts (a restarted server must not answer an old id with a
// new job): a random prefix per process and a counter.
std::string process_prefix() {
  static const std::string prefix = [] {
    std::random_device rd;
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    return std::string(buf);
  }();
  return prefix;
}

}  // namespace

std::optional<JobMode> parse_job_mode(std::string_view text) {
  if (text == "update") return JobMode::kUpdate;
  if (text == "rebuild") return JobMode::kRebuild;
  return std::nullopt;
}

constexpr int kJobNiceness = 10;

nlohmann::json to_json(const JobSnapshot& job) {
  nlohmann::json out = {
      {"id", job.id},
      {"mode", job.mode == JobMode::kUpdate ? "update" : "rebuild"},
      {"state", job.state},
      {"progress", to_json(job.progress)},
      {"created", iso_time(job.created)},
      {"started", iso_time(job.started)},
      {"finished", iso_time(job.finished)},
      {"report", job.report ? to_json(*job.report) : nlohmann::json(nullptr)},
      {"error", job.error},
  };
  return out;
}

ReindexJobs::ReindexJobs(IndexerOptions options, std::function<void()> on_finished, Runner runner)
    : options_(std::move(options)), on_finished_(std::move(on_finished)), runner_(std::move(runner)) {
  if (!runner_) {
    runner_ = [](JobMode mode, const IndexerOptions& o, const ProgressFn& progress) {
      return mode == JobMode::kUpdate ? update_index(o, progress) : rebuild_index(o, progress);
    };
  }
}

ReindexJobs::~ReindexJobs() {
  if (worker_.joinable()) worker_.join();
}

Result<JobSnapshot> ReindexJobs::start(JobMode mode) {
  if (!configured()) return Status::InvalidArgument("no KB folder is configured (--kb, ERRKB_KB or `kb:`)");
  std::lock_guard lock(mutex_);
  if (running_) return Status::Unavailable("a reindex job is already running");
  // The previous job's thread has finished its work (running_ is false); reap it.
  if (worker_.joinable()) worker_.join();
  JobSnapshot job;
  job.id = "job-" + process_prefix() + "-" + std::to_string(next_id_++);
  job.mode = mode;
  job.state = "queued";
  job.created = std::chrono::system_clock::now();
  jobs_[job.id] = job;
  order_.push_back(job.id);
  while (order_.size() > kJobsKept) {
    jobs_.erase(order_.front());
    order_.pop_front();
  }
  running_ = true;
  worker_ = std::thread([this, id = job.id] { run(id); });
  return job;
}

std::optional<JobSnapshot> ReindexJobs::get(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<JobSnapshot> ReindexJobs::list() const {
  std::lock_guard lock(mutex_);
  std::vector<JobSnapshot> out;
  out.reserve(order_.size());
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) out.push_back(jobs_.at(*it));
  return out;
}

void ReindexJobs::run(std::string id) {
  JobMode mode;
  {
    std::lock_guard lock(mutex_);
    JobSnapshot& job = jobs_[id];
    job.state = "running";
    job.started = std::chrono::system_clock::now();
    mode = job.mode;
  }
  // Indexing runs 10 nicer than the server (this thread and the shard threads it starts): queries keep
  // the cores, the job takes what they leave idle.
  if (Status s = run_nicer(kJobNiceness); !s.ok()) spdlog::warn("reindex {}: {}", id, s.message());
  spdlog::info("reindex {} started ({})", id, mode == JobMode::kUpdate ? "update" : "rebuild");
  auto progress = [this, &id](const IndexProgress& p) {
    std::lock_guard lock(mutex_);
    if (auto it = jobs_.find(id); it != jobs_.end()) it->second.progress = p;
  };
  Result<UpdateReport> result = Status::Internal("reindex did not run");
  try {
    result = runner_(mode, options_, progress);
  } catch (const std::exception& e) {  // the core should not throw; a job must still end, as a failed job
    result = Status::Internal(std::string("reindex failed: ") + e.what());
  } catch (...) {
    result = Status::Internal("reindex failed: an unknown exception");
  }
  if (result.ok()) {
    spdlog::info("reindex {} succeeded: {} added, {} updated, {} removed, {} errors", id, result->items_added,
                 result->items_updated, result->items_removed, result->errors.size());
  } else {
    spdlog::error("reindex {} failed: {}", id, result.status().ToString());
  }
  // Readers reopen before the job is reported finished, so a client polling the job and then
  // searching sees the new index.
  if (on_finished_) on_finished_();
  std::lock_guard lock(mutex_);
  if (auto it = jobs_.find(id); it != jobs_.end()) {
    JobSnapshot& job = it->second;
    job.finished = std::chrono::system_clock::now();
    if (result.ok()) {
      job.state = "succeeded";
      job.report = std::move(result).value();
    } else {
      job.state = "failed";
      job.error = result.status().ToString();
    }
    if (metrics_) {
      metrics_->observe_job(job.mode == JobMode::kUpdate ? "update" : "rebuild", job.state,
                            std::chrono::duration<double>(job.finished - job.started).count());
    }
  }
  running_ = false;
}

}  // namespace errkb::server
