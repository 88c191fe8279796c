#include "store/query_pool.h"

#include <algorithm>

namespace errkb::store {

QueryPool::QueryPool(size_t threads) {
  threads = std::max<size_t>(1, threads);
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

QueryPool::~QueryPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;  // the queue is drained first: every caller gets its answer
  }
  work_ready_.notify_all();
  for (auto& t : threads_) t.join();
}

size_t QueryPool::waiting() {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

void QueryPool::submit(const std::shared_ptr<Task>& task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(task);
  }
  work_ready_.notify_one();
  std::unique_lock<std::mutex> lock(task->mutex);
  task->finished.wait(lock, [&] { return task->done; });
}

void QueryPool::loop() {
  on_pool_thread_ = true;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    std::shared_ptr<Task> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      task->work();
    } catch (...) {
      task->error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> done(task->mutex);
      task->done = true;
    }
    task->finished.notify_one();
    task.reset();
    lock.lock();
  }
}

}  // namespace errkb::store
