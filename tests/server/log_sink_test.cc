// BatchedFdSink on a real pipe: lines arrive whole and in order, warnings at once, the rest within the
// interval, nothing lost when the sink goes, with many threads logging at once.
#include "log_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace errkb::server {
namespace {

class Pipe {
 public:
  Pipe() {
    EXPECT_EQ(::pipe2(fds_, O_CLOEXEC), 0);
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }
  // What has arrived so far, waiting at most `wait` for the first byte.
  std::string read_available(std::chrono::milliseconds wait) {
    std::string out;
    pollfd p{fds_[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return out;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

std::shared_ptr<spdlog::logger> logger_on(std::shared_ptr<BatchedFdSink> sink) {
  auto logger = std::make_shared<spdlog::logger>("test", std::move(sink));
  logger->set_pattern("%l %v");
  logger->set_level(spdlog::level::info);
  return logger;
}

TEST(BatchedFdSink, InfoLinesWaitForTheIntervalAndAWarningTakesThemAlong) {
  Pipe pipe;
  auto sink = std::make_shared<BatchedFdSink>(pipe.write_end(), std::chrono::milliseconds(60 * 1000));
  auto logger = logger_on(sink);
  logger->info("first");
  logger->info("second");
  EXPECT_EQ(pipe.read_available(std::chrono::milliseconds(50)), "");  // buffered: no write() per line
  logger->warn("third");
  EXPECT_EQ(pipe.read_available(std::chrono::milliseconds(1000)), "info first\ninfo second\nwarning third\n");
}

TEST(BatchedFdSink, TheSinksThreadWritesWithinTheInterval) {
  Pipe pipe;
  auto sink = std::make_shared<BatchedFdSink>(pipe.write_end(), std::chrono::milliseconds(20));
  auto logger = logger_on(sink);
  logger->info("request 1");
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got.empty() && std::chrono::steady_clock::now() < deadline)
    got = pipe.read_available(std::chrono::milliseconds(100));
  EXPECT_EQ(got, "info request 1\n");
}

TEST(BatchedFdSink, AFullBatchIsWrittenAtOnce) {
  Pipe pipe;
  auto sink = std::make_shared<BatchedFdSink>(pipe.write_end(), std::chrono::milliseconds(60 * 1000),
                                              /*batch_bytes=*/64);
  auto logger = logger_on(sink);
  const std::string line(70, 'x');
  logger->info(line);
  EXPECT_EQ(pipe.read_available(std::chrono::milliseconds(1000)), "info " + line + "\n");
}

TEST(BatchedFdSink, ManyThreadsLoseNoLineAndSplitNone) {
  Pipe pipe;
  constexpr int kThreads = 8, kLines = 2000;
  std::string got;
  std::thread reader([&] {  // drains while they write: the pipe holds 64 KiB
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      got += pipe.read_available(std::chrono::milliseconds(200));
      if (got.size() >= static_cast<size_t>(kThreads) * kLines * std::string("info t0 line 0000\n").size())
        break;
    }
  });
  {
    auto sink = std::make_shared<BatchedFdSink>(pipe.write_end(), std::chrono::milliseconds(10),
                                                /*batch_bytes=*/4096);
    auto logger = logger_on(sink);
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t)
      writers.emplace_back([&logger, t] {
        for (int i = 0; i < kLines; ++i) logger->info("t{} line {:04}", t, i);
      });
    for (auto& w : writers) w.join();
  }  // the sink goes: what is left is written
  reader.join();
  std::vector<int> next(kThreads, 0);
  size_t at = 0, lines = 0;
  while (at < got.size()) {
    size_t end = got.find('\n', at);
    ASSERT_NE(end, std::string::npos) << "a cut line at byte " << at;
    const std::string line = got.substr(at, end - at);
    int t = -1, i = -1;
    ASSERT_EQ(std::sscanf(line.c_str(), "info t%d line %d", &t, &i), 2) << line;
    ASSERT_TRUE(t >= 0 && t < kThreads) << line;
    EXPECT_EQ(i, next[t]) << "thread " << t << "'s lines out of order";
    next[t] = i + 1;
    at = end + 1;
    ++lines;
  }
  EXPECT_EQ(lines, static_cast<size_t>(kThreads) * kLines);
}

}  // namespace
}  // namespace errkb::server
