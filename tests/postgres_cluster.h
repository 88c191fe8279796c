// A private PostgreSQL cluster for a test: initdb in a temp dir, started on a free loopback port,
// stopped (and removed) at the end. As root it runs as the `postgres` user (Debian's package creates
// it) or `nobody`, since PostgreSQL refuses to run as root.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "test_util.h"

extern char** environ;

namespace errkb::testing {

// A loopback port nobody listens on now (the kernel's choice for a socket bound to port 0).
inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// Starts `args` (args[0] found on PATH) in "/" with its output appended to `log`; its pid, or 0.
inline pid_t spawn_logged(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(&files, "/");  // a directory any user may be in
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], &files, nullptr, argv.data(), environ) != 0) pid = 0;
  posix_spawn_file_actions_destroy(&files);
  return pid;
}

// Runs `args` to its end with output appended to `log`; its exit status (-1 if it could not start).
inline int run_logged(const std::vector<std::string>& args, const std::filesystem::path& log) {
  const pid_t pid = spawn_logged(args, log);
  if (pid <= 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class PostgresCluster {
 public:
  PostgresCluster() : dir_("errkb-pg"), port_(free_loopback_port()) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
      if (std::filesystem::exists(entry.path() / "bin/initdb")) bin_ = std::max(bin_, entry.path() / "bin");
    if (::geteuid() == 0) {
      const passwd* user = ::getpwnam("postgres");
      if (!user) user = ::getpwnam("nobody");
      if (user) {
        run_as_ = {"runuser", "-u", user->pw_name, "--"};
        if (::chown(dir_.path().c_str(), user->pw_uid, user->pw_gid) != 0) run_as_.clear();
      }
    }
    if (bin_.empty()) return;
    started_ = run({(bin_ / "initdb").string(), "-D", data(), "-U", "errkb", "--auth=trust", "--no-sync",
                    "--no-locale", "-E", "UTF8"}) == 0 &&
               start();
  }
  ~PostgresCluster() {
    if (started_) stop();
  }
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  bool started() const { return started_; }
  // What went wrong, for a failed assertion.
  std::string problem() const {
    if (bin_.empty()) return "no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)";
    return "PostgreSQL did not start; its log: " + (dir_.path() / "log").string();
  }
  std::string url() const { return "postgresql://errkb@127.0.0.1:" + std::to_string(port_) + "/postgres"; }
  int port() const { return port_; }

  // pg_ctl -w: each returns once the server is up (or down).
  bool start() {
    started_ =
        run({(bin_ / "pg_ctl").string(), "-D", data(), "-l", (dir_.path() / "log").string(), "-w", "-o",
             "-p " + std::to_string(port_) + " -k " + dir_.path().string() + " -c listen_addresses=127.0.0.1",
             "start"}) == 0;
    return started_;
  }
  // `immediate` ends every backend at once, as a crash would (recovery from the WAL at the next start).
  bool stop(const std::string& mode = "fast") {
    const bool stopped = run({(bin_ / "pg_ctl").string(), "-D", data(), "-m", mode, "-w", "stop"}) == 0;
    if (stopped) started_ = false;
    return stopped;
  }

 private:
  std::string data() const { return (dir_.path() / "data").string(); }
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), run_as_.begin(), run_as_.end());
    return run_logged(args, dir_.path() / "commands.log");
  }

  TempDir dir_;
  int port_;
  std::filesystem::path bin_;
  std::vector<std::string> run_as_;
  bool started_ = false;
};

}  // namespace errkb::testing
