// FifoGate: at most N callers inside at once, the others admitted strictly in arrival order.
//
// Why: the server holds one worker thread per keep-alive connection (16 and more), on a machine
// with a few cores. Left to the kernel, those threads share the cores by time slices, so a query
// that needs 5 ms of CPU takes 5 ms times the number of threads it shares them with, and the
// slowest queries set the p99. Queued first-come first-served behind as many running queries as
// there are cores, every request instead waits for the work ahead of it and then runs alone on
// its core: the same throughput, a much shorter tail. A plain counting semaphore is not enough:
// it wakes waiters in no particular order and lets new arrivals overtake them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace errkb::store {

class FifoGate {
 public:
  explicit FifoGate(size_t slots) : free_(slots) {}
  FifoGate(const FifoGate&) = delete;
  FifoGate& operator=(const FifoGate&) = delete;

  void enter() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (free_ > 0 && waiters_.empty()) {
      --free_;
      return;
    }
    Waiter self;
    waiters_.push_back(&self);
    self.wake.wait(lock, [&] { return self.admitted; });
  }

  void leave() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiters_.empty()) {
      ++free_;
      return;
    }
    Waiter* next = waiters_.front();  // the slot passes straight to the oldest waiter
    waiters_.pop_front();
    next->admitted = true;
    next->wake.notify_one();
  }

  size_t waiting() {
    std::lock_guard<std::mutex> lock(mutex_);
    return waiters_.size();
  }

  // Holds a slot for the scope; a gate of 0 slots is not a FifoGate but no gate at all (nullptr).
  class Pass {
   public:
    explicit Pass(FifoGate* gate) : gate_(gate) {
      if (gate_) gate_->enter();
    }
    ~Pass() {
      if (gate_) gate_->leave();
    }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

   private:
    FifoGate* gate_;
  };

 private:
  struct Waiter {
    std::condition_variable wake;
    bool admitted = false;
  };
  std::mutex mutex_;
  size_t free_;
  std::deque<Waiter*> waiters_;
};

}  // namespace errkb::store
