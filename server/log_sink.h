// BatchedFdSink: an spdlog sink that gathers formatted lines in memory and writes them to a file
// descriptor in batches.
//
// Why: the server logs one line per request. Written at once, each line cost a write() under the
// sink's mutex, and a worker waiting on it added its wait to the request (a code lookup's p99 showed
// it most); handed to spdlog's async thread,
// each line woke that thread (a futex wake and two context switches per request, about as many as the
// request's own). Here a line is formatted and appended under a mutex; the bytes are written when
// they pass `batch_bytes`, when a line at `flush_level` or above arrives (warnings and errors appear
// at once, after the lines before them), every `interval` by the sink's own thread, and when the sink
// is destroyed. Nothing is dropped: a full pipe makes the write, and so the logging thread, wait.
#pragma once

#include <spdlog/sinks/sink.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace errkb::server {

class BatchedFdSink final : public spdlog::sinks::sink {
 public:
  BatchedFdSink(int fd, std::chrono::milliseconds interval, size_t batch_bytes = 64 * 1024,
                spdlog::level::level_enum flush_level = spdlog::level::warn);
  ~BatchedFdSink() override;
  BatchedFdSink(const BatchedFdSink&) = delete;
  BatchedFdSink& operator=(const BatchedFdSink&) = delete;

  void log(const spdlog::details::log_msg& msg) override;
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  // Writes what is buffered. Called with `lock` holding mutex_; returns with it released. The bytes
  // are written under write_mutex_, taken before mutex_ is let go, so batches keep their order.
  void write_out(std::unique_lock<std::mutex>& lock);
  void flush_periodically();

  const int fd_;
  const std::chrono::milliseconds interval_;
  const size_t batch_bytes_;
  const spdlog::level::level_enum flush_level_;
  std::mutex mutex_;  // buffer_, formatter_ (a pattern formatter caches the time: not thread-safe), stopping_
  std::mutex write_mutex_;
  std::unique_ptr<spdlog::formatter> formatter_;
  std::string buffer_;
  bool stopping_ = false;
  std::condition_variable stop_;
  std::thread flusher_;
};

}  // namespace errkb::server
