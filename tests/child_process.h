// A program of the build run as a child process (errkb-indexer, errkb-server), its standard output and
// error going to a log file: waited for, watched and killed by the tests that need a real process.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace errkb::testing {

// Checks `done` until it holds or `limit` passes; the answer of its last check.
template <typename Done>
bool poll_until(std::chrono::milliseconds limit, Done done) {
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

// The seed of the kills of a crash test: ERRKB_CRASH_SEED, else a fixed one, so that a run replays.
inline uint64_t crash_seed() {
  const char* text = std::getenv("ERRKB_CRASH_SEED");
  return text ? std::strtoull(text, nullptr, 10) : 20261204;
}

class ChildProcess {
 public:
  // Starts `args` (args[0]: the program's path).
  ChildProcess(std::vector<std::string> args, const std::filesystem::path& log) : log_(log) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
    spawn_error_ = posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
  }
  ~ChildProcess() {
    if (started() && !has_exited()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return spawn_error_ == 0; }
  pid_t pid() const { return pid_; }

  // Whether it has ended (it is reaped then).
  bool has_exited() {
    if (!exited_ && started() && ::waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
    return exited_ || !started();
  }
  // Waits for the end; false if it is still running after `limit`.
  bool wait_exit(std::chrono::milliseconds limit) {
    return poll_until(limit, [&] { return has_exited(); });
  }
  // Sends `signal` and waits for the end.
  bool stop_with(int signal, std::chrono::milliseconds limit) {
    if (!has_exited()) ::kill(pid_, signal);
    return wait_exit(limit);
  }

  int status() const { return status_; }
  bool exited_with(int code) const { return exited_ && WIFEXITED(status_) && WEXITSTATUS(status_) == code; }
  bool killed_by(int signal) const { return exited_ && WIFSIGNALED(status_) && WTERMSIG(status_) == signal; }

  // Bytes it has read and written through system calls so far (rchar + wchar of /proc/PID/io): a measure
  // of its progress that only grows. 0 once it has ended.
  uint64_t io_bytes() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/io");
    uint64_t total = 0;
    for (std::string key; in >> key;) {
      uint64_t value = 0;
      in >> value;
      if (key == "rchar:" || key == "wchar:") total += value;
    }
    return total;
  }

  std::string log_text() const {
    std::ifstream in(log_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = 0;
  int spawn_error_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

}  // namespace errkb::testing
