// ReindexJobs without a socket: a job runs on its own thread at a lower priority than the queries.
#include "jobs.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

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
  while (!finished && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(finished);
  // Niceness 19 is the ceiling: a test already run at 10 or more lands between.
  EXPECT_EQ(niceness.load(), std::min(19, server_niceness.load() + 10));
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())), server_niceness.load());  // this thread unchanged
}

}  // namespace
}  // namespace errkb::server
