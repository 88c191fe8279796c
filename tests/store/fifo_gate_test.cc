// FifoGate: never more than its slots inside, and waiters admitted in the order they arrived.
#include "store/fifo_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace errkb::store {
namespace {

void wait_for_waiters(FifoGate& gate, size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (gate.waiting() < n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(gate.waiting(), n);
}

TEST(FifoGate, AdmitsWaitersInArrivalOrder) {
  FifoGate gate(1);
  gate.enter();  // the one slot is taken: everyone below queues
  std::mutex order_mutex;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      FifoGate::Pass pass(&gate);
      std::lock_guard<std::mutex> lock(order_mutex);
      order.push_back(i);
    });
    wait_for_waiters(gate, static_cast<size_t>(i + 1));  // thread i is queued before thread i+1 starts
  }
  gate.leave();
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(gate.waiting(), 0u);
}

TEST(FifoGate, NeverMoreInsideThanSlots) {
  FifoGate gate(3);
  std::atomic<int> inside{0}, most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        FifoGate::Pass pass(&gate);
        int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {}
        std::this_thread::yield();
        --inside;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_EQ(inside.load(), 0);
}

}  // namespace
}  // namespace errkb::store
