#include "log_sink.h"

#include <spdlog/pattern_formatter.h>
#include <unistd.h>

#include <cerrno>

namespace errkb::server {

BatchedFdSink::BatchedFdSink(int fd, std::chrono::milliseconds interval, size_t batch_bytes,
                             spdlog::level::level_enum flush_level)
    : fd_(fd),
      interval_(interval),
      batch_bytes_(batch_bytes),
      flush_level_(flush_level),
      formatter_(std::make_unique<spdlog::pattern_formatter>()) {
  buffer_.reserve(batch_bytes_ + 1024);
  flusher_ = std::thread([this] { flush_periodically(); });
}

BatchedFdSink::~BatchedFdSink() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  flusher_.join();
  flush();
}

void BatchedFdSink::log(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  std::unique_lock<std::mutex> lock(mutex_);
  formatter_->format(msg, line);
  buffer_.append(line.data(), line.size());
  if (buffer_.size() >= batch_bytes_ || msg.level >= flush_level_) write_out(lock);
}

void BatchedFdSink::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  write_out(lock);
}

void BatchedFdSink::set_pattern(const std::string& pattern) {
  set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void BatchedFdSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  std::lock_guard<std::mutex> lock(mutex_);
  formatter_ = std::move(formatter);
}

void BatchedFdSink::write_out(std::unique_lock<std::mutex>& lock) {
  if (buffer_.empty()) {
    lock.unlock();
    return;
  }
  std::string bytes;
  bytes.reserve(batch_bytes_ + 1024);
  bytes.swap(buffer_);
  std::lock_guard<std::mutex> writing(write_mutex_);
  lock.unlock();
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a closed or broken output: nothing a log line could report it to
    done += static_cast<size_t>(n);
  }
}

void BatchedFdSink::flush_periodically() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    stop_.wait_for(lock, interval_, [this] { return stopping_; });
    write_out(lock);
    lock.lock();
  }
}

}  // namespace errkb::server
