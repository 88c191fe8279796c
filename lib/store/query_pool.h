// QueryPool: a fixed set of threads that run queries one after another, strictly in arrival order.
//
// Why: the server holds one worker thread per keep-alive connection (16 and more), on a machine
// with a few cores. Left to the kernel, those threads share the cores by time slices, so a query
// that needs 5 ms of CPU takes 5 ms times the number of threads it shares them with, and the
// slowest queries set the p99. Queued first come, first served, behind as many running queries as
// there are cores, every request waits for the work ahead of it and then runs alone on its core.
//
// Why threads of its own rather than a gate that callers pass through: a slot handed from one caller
// thread to the next waits until the kernel schedules the woken thread, while the cores are busy
// with the running queries; at a million passages that idled a slot for about a third of each
// query. A pool thread finishing a query takes the next one from the queue without sleeping.
// The caller sleeps until its query is done.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace errkb::store {

class QueryPool {
 public:
  explicit QueryPool(size_t threads);  // at least one
  ~QueryPool();
  QueryPool(const QueryPool&) = delete;
  QueryPool& operator=(const QueryPool&) = delete;

  // Runs fn() on a pool thread after every query submitted before it has started; returns its
  // result, or rethrows what it threw. Called from a pool thread, runs fn() there at once (a query
  // may not wait for a slot it holds).
  template <typename Fn>
  auto run(Fn&& fn) -> std::invoke_result_t<Fn&> {
    using R = std::invoke_result_t<Fn&>;
    if (on_pool_thread_) return fn();
    std::optional<R> result;
    auto task = std::make_shared<Task>();
    task->work = [&] { result.emplace(fn()); };
    submit(task);
    if (task->error) std::rethrow_exception(task->error);
    return std::move(*result);
  }

  size_t threads() const { return threads_.size(); }
  size_t waiting();  // queries queued, not yet started

 private:
  // Shared by the caller and the pool thread, so that the pool thread can wake the caller after letting
  // go of `mutex`: woken while the mutex was still held, the caller slept again on it at once.
  struct Task {
    std::function<void()> work;
    std::exception_ptr error;
    std::mutex mutex;  // done
    std::condition_variable finished;
    bool done = false;
  };
  void submit(const std::shared_ptr<Task>& task);  // queues it and returns when it has run
  void loop();

  static inline thread_local bool on_pool_thread_ = false;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<std::shared_ptr<Task>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace errkb::store
