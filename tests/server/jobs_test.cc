// ReindexJobs without a socket: a job runs on its own thread at a lower priority than the queries.
#include "jobs.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "test_util.h"

namespace errkb::server {
namespace {

TEST(ReindexJobs, IndexingRunsNicerThanTheServer) {
  IndexerOptions options;
  options.kb_dirs = {"/kb"};  // not read: the runner below stands in for the indexer
  std::atomic<int> niceness{-100}, server_niceness{getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()))};
  std::atomic<bool> finished{false};
  ReindexJobs jobs(
      options, [&] { finished = true; },
      [&](JobMode, const IndexerOptions&, const ProgressFn&) -> Result<UpdateReport> {
        niceness = getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
        return UpdateReport{};
      });
  ASSERT_TRUE(jobs.start(JobMode::kUpdate).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!finished && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(finished);
  // Niceness 19 is the ceiling: a test already run at 10 or more lands between.
  EXPECT_EQ(niceness.load(), std::min(19, server_niceness.load() + 10));
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())),
            server_niceness.load());  // this thread unchanged
}

// Polls the job until it has finished (up to 60 s); its last snapshot.
JobSnapshot wait_finished(const ReindexJobs& jobs, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto job = jobs.get(id);
    if (!job || job->state == "succeeded" || job->state == "failed" ||
        std::chrono::steady_clock::now() > deadline)
      return job.value_or(JobSnapshot{});
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TEST(ReindexJobs, AnExceptionOfAnyKindIsAFailedJobAndTheNextJobRuns) {
  IndexerOptions options;
  options.kb_dirs = {"/kb"};  // not read: the runners below stand in for the indexer
  int calls = 0;
  ReindexJobs jobs(options, nullptr,
                   [&](JobMode, const IndexerOptions&, const ProgressFn&) -> Result<UpdateReport> {
                     if (++calls == 1) throw 42;  // not even a std::exception
                     return UpdateReport{};
                   });
  auto first = jobs.start(JobMode::kRebuild);
  ASSERT_TRUE(first.ok());
  JobSnapshot failed = wait_finished(jobs, first->id);
  EXPECT_EQ(failed.state, "failed");
  EXPECT_NE(failed.error.find("reindex failed"), std::string::npos) << failed.error;
  auto second = jobs.start(JobMode::kUpdate);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(wait_finished(jobs, second->id).state, "succeeded");
}

// A catalogue number beyond a double's range once ended the server from a rebuild job: now it is one
// rejected file in the job's report.
TEST(ReindexJobs, AHostileCatalogueIsAnErrorInTheReportOfTheJob) {
  errkb::testing::TempDir kb("errkb-job-kb"), index("errkb-job-index");
  errkb::testing::write_file(
      kb / "catalogues/acme.json",
      "{\"vendor\":\"Acme\",\"errors\":[\n{\"code\":\"A-1\",\"message\":\"Card declined\"},\n"
      "{\"code\":\"A-2\",\"retry\":1e400}]}");
  IndexerOptions options;
  options.kb_dirs = {kb.path()};
  options.index_dir = index / "idx";
  ReindexJobs jobs(options, nullptr);
  for (JobMode mode : {JobMode::kRebuild, JobMode::kUpdate}) {
    auto started = jobs.start(mode);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    JobSnapshot job = wait_finished(jobs, started->id);
    ASSERT_EQ(job.state, "succeeded") << job.error;
    ASSERT_TRUE(job.report.has_value());
    ASSERT_EQ(job.report->errors.size(), 1u);
    EXPECT_EQ(job.report->errors[0].to_string().rfind("catalogues/acme.json:3: ", 0), 0u)
        << job.report->errors[0].to_string();
  }
}

}  // namespace
}  // namespace errkb::server
