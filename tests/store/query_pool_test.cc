// QueryPool: queries run on its threads in arrival order, never more at once than it has threads;
// results and exceptions reach the caller; a query on a pool thread runs in place; queued queries
// are answered before the pool goes.
#include "store/query_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace errkb::store {
namespace {

void wait_for_queued(QueryPool& pool, size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.waiting() < n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(pool.waiting(), n);
}

// Occupies every thread of `pool` until release() (one blocker per thread).
class Blockers {
 public:
  explicit Blockers(QueryPool& pool) {
    for (size_t i = 0; i < pool.threads(); ++i)
      callers_.emplace_back([&] {
        pool.run([&] {
          ++started_;
          std::unique_lock<std::mutex> lock(mutex_);
          cv_.wait(lock, [&] { return released_; });
          return 0;
        });
      });
    while (started_.load() < static_cast<int>(pool.threads())) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      released_ = true;
    }
    cv_.notify_all();
    for (auto& t : callers_) t.join();
  }

 private:
  std::atomic<int> started_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool released_ = false;
  std::vector<std::thread> callers_;
};

TEST(QueryPool, RunsQueriesInArrivalOrder) {
  QueryPool pool(1);
  Blockers busy(pool);
  std::mutex order_mutex;
  std::vector<int> order;
  std::vector<std::thread> callers;
  for (int i = 0; i < 6; ++i) {
    callers.emplace_back([&, i] {
      pool.run([&] {
        std::lock_guard<std::mutex> lock(order_mutex);
        order.push_back(i);
        return i;
      });
    });
    wait_for_queued(pool, static_cast<size_t>(i + 1));  // caller i is queued before caller i+1 starts
  }
  busy.release();
  for (auto& t : callers) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(pool.waiting(), 0u);
}

TEST(QueryPool, NeverRunsMoreAtOnceThanItsThreads) {
  QueryPool pool(3);
  std::atomic<int> running{0}, most{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 12; ++t)
    callers.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        pool.run([&] {
          int now = ++running;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {}
          std::this_thread::yield();
          --running;
          return 0;
        });
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(most.load(), 3);  // 12 callers keep all three busy at some point, never a fourth
  EXPECT_EQ(running.load(), 0);
}

TEST(QueryPool, ReturnsResultsAndRethrowsErrorsToTheCaller) {
  QueryPool pool(2);
  const std::thread::id caller = std::this_thread::get_id();
  EXPECT_EQ(pool.run([] { return std::string("answer"); }), "answer");
  EXPECT_NE(pool.run([] { return std::this_thread::get_id(); }), caller);  // ran on a pool thread
  EXPECT_THROW(pool.run([]() -> int { throw std::runtime_error("bad query"); }), std::runtime_error);
  EXPECT_EQ(pool.run([] { return 7; }), 7);  // the thread that threw still serves
}

TEST(QueryPool, AQueryOnAPoolThreadRunsInPlace) {
  QueryPool pool(2);  // a nested run() that queued would run on the other thread (with one: wait for ever)
  auto outer = std::async(std::launch::async, [&] {
    return pool.run([&] {
      const auto here = std::this_thread::get_id();
      return pool.run([&] { return std::this_thread::get_id() == here; });
    });
  });
  ASSERT_EQ(outer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(outer.get());
}

TEST(QueryPool, AnswersEveryQueuedQueryBeforeItGoes) {
  std::atomic<int> answered{0};
  std::vector<std::thread> callers;
  {
    auto pool = std::make_unique<QueryPool>(1);
    Blockers busy(*pool);
    for (int i = 0; i < 4; ++i)
      callers.emplace_back([&, p = pool.get()] { answered += p->run([] { return 1; }); });
    wait_for_queued(*pool, 4);
    std::thread closer([&] { pool.reset(); });  // waits for the queue while the blocker still runs
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    busy.release();
    closer.join();
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(answered.load(), 4);
}

}  // namespace
}  // namespace errkb::store
