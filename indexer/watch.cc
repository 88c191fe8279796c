#include "watch.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace errkb::indexer {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kFolderEvents = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE |
                                   IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::chrono::milliseconds kLockedRetry{200};
constexpr const char* kTopFolders[] = {"articles", "forums", "catalogues"};

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The inotify watches on the KB folders: each KB folder itself (synonyms.txt, a top folder made or
// removed) and every folder below articles/, forums/ and catalogues/.
class FolderWatches {
 public:
  explicit FolderWatches(int fd) : fd_(fd) {}

  // Watches `dir` and the folders below it (linked folders are not followed, as the listing does).
  void add_tree(const fs::path& dir) {
    add(dir);
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_directory(type_ec) && !it->is_symlink(type_ec)) add(it->path());
    }
  }
  void add(const fs::path& dir) {
    const int wd = inotify_add_watch(fd_, dir.c_str(), kFolderEvents);
    if (wd < 0) {
      if (errno != ENOENT && errno != ENOTDIR)
        std::fprintf(stderr, "errkb-indexer watch: cannot watch %s: %s\n", dir.c_str(), std::strerror(errno));
      return;
    }
    folders_[wd] = dir;
  }
  void forget(int wd) { folders_.erase(wd); }
  const fs::path* folder(int wd) const {
    auto it = folders_.find(wd);
    return it == folders_.end() ? nullptr : &it->second;
  }
  size_t size() const { return folders_.size(); }

 private:
  int fd_;
  std::unordered_map<int, fs::path> folders_;
};

// The changes seen since the last update, and when they are due.
struct PendingBatch {
  std::set<fs::path> paths;
  bool everything = false;  // the event queue overflowed: look at the whole KB
  Clock::time_point first, last;

  bool empty() const { return paths.empty() && !everything; }
  void note(const fs::path& p) {
    const auto now = Clock::now();
    if (empty()) first = now;
    last = now;
    paths.insert(p);
  }
  void note_everything() {
    const auto now = Clock::now();
    if (empty()) first = now;
    last = now;
    everything = true;
  }
  Clock::time_point due(std::chrono::milliseconds quiet) const {
    return std::min(last + quiet, first + quiet * kMaxDelayFactor);
  }
};

std::string describe(const PendingBatch& batch, const std::vector<fs::path>& kb_dirs) {
  if (batch.everything) return "the whole KB (events were lost)";
  std::string names;
  size_t shown = 0;
  for (const auto& p : batch.paths) {
    if (shown++ == 3) return names + ", ...";
    std::string name = p.string();
    for (const auto& dir : kb_dirs) {
      std::error_code ec;
      const fs::path rel = p.lexically_relative(fs::absolute(dir, ec).lexically_normal());
      if (!rel.empty() && *rel.begin() != "..") name = rel.generic_string();
    }
    names += (names.empty() ? "" : ", ") + name;
  }
  return names;
}

class Watcher {
 public:
  Watcher(const WatchOptions& options, const SummaryFn& summary, int inotify_fd)
      : options_(options), summary_(summary), inotify_fd_(inotify_fd), watches_(inotify_fd) {}

  void watch_kb_folders() {
    for (const auto& dir : options_.index.kb_dirs) {
      std::error_code ec;
      const fs::path root = fs::absolute(dir, ec).lexically_normal();
      roots_.push_back(root);
      watches_.add(root);
      for (const char* top : kTopFolders) watches_.add_tree(root / top);
    }
  }
  size_t folders_watched() const { return watches_.size(); }

  // Reads the queued events into the pending batch. False when the inotify descriptor failed.
  bool read_events() {
    alignas(inotify_event) char buffer[64 * 1024];
    for (;;) {
      const ssize_t n = ::read(inotify_fd_, buffer, sizeof buffer);
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      if (n == 0) return true;
      for (ssize_t at = 0; at < n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(buffer + at);
        on_event(*e);
        at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      }
    }
  }

  // Runs the update of the pending batch. False when the index is locked by another writer: the
  // batch stays pending.
  bool update_pending() {
    IndexerOptions run = options_.index;
    if (!pending_.everything) run.only_paths.assign(pending_.paths.begin(), pending_.paths.end());
    const std::string what = describe(pending_, options_.index.kb_dirs);
    auto result = update_index_cached(run, cache_);
    if (!result.ok() && result.status().code() == Status::Code::kLocked) {
      if (!waiting_for_lock_ && !options_.quiet_output)
        std::fprintf(stderr, "errkb-indexer watch: %s; waiting for it\n", result.status().message().c_str());
      waiting_for_lock_ = true;
      return false;
    }
    waiting_for_lock_ = false;
    pending_ = {};
    if (!options_.quiet_output || !result.ok()) {
      std::printf("watch: %s\n", what.c_str());
      summary_(result, "watch update");
      std::fflush(stdout);
    }
    prepare_cache();
    return true;
  }

  // Teaches the kept code grammar now, between batches, when the last update left it to be taught.
  void prepare_cache() {
    const auto start = Clock::now();
    if (Status s = cache_.prepare(options_.index); !s.ok())
      std::fprintf(stderr, "errkb-indexer watch: %s\n", s.message().c_str());
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (seconds >= 0.05 && !options_.quiet_output)
      std::printf("watch: code grammar taught in %.2fs\n", seconds);
  }

  PendingBatch& pending() { return pending_; }

 private:
  void on_event(const inotify_event& e) {
    if (e.mask & IN_Q_OVERFLOW) return pending_.note_everything();
    if (e.mask & IN_IGNORED) return watches_.forget(e.wd);
    const fs::path* folder = watches_.folder(e.wd);
    if (!folder) return;
    if (e.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) return pending_.note(*folder);
    if (e.len == 0) return;
    const fs::path path = *folder / e.name;
    const bool is_root = std::find(roots_.begin(), roots_.end(), *folder) != roots_.end();
    if ((e.mask & IN_ISDIR) && (e.mask & (IN_CREATE | IN_MOVED_TO))) {
      // A folder made or moved in: watched from now on; the files already in it are in the batch.
      if (!is_root)
        watches_.add_tree(path);
      else if (std::find(std::begin(kTopFolders), std::end(kTopFolders), std::string(e.name)) !=
               std::end(kTopFolders))
        watches_.add_tree(path);
    }
    pending_.note(path);
  }

  const WatchOptions& options_;
  const SummaryFn& summary_;
  int inotify_fd_;
  FolderWatches watches_;
  std::vector<fs::path> roots_;
  PendingBatch pending_;
  UpdateCache cache_;
  bool waiting_for_lock_ = false;
};

}  // namespace

int watch(const WatchOptions& options, const SummaryFn& summary) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  // Taken as events, between two batches: a batch is never cut short.
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) return 2;
  FileDescriptor signals(signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK));
  FileDescriptor inotify(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (signals.get() < 0 || inotify.get() < 0) {
    std::fprintf(stderr, "errkb-indexer watch: cannot watch files: %s\n", std::strerror(errno));
    return 2;
  }
  Watcher watcher(options, summary, inotify.get());
  // Watched before the first update, so that nothing saved during it is missed.
  watcher.watch_kb_folders();
  if (int status = summary(update_index(options.index), "update"); status == 2) return 2;
  watcher.prepare_cache();
  if (!options.quiet_output)
    std::printf("watch: watching %zu folders of %zu KB folder(s); Ctrl-C stops\n", watcher.folders_watched(),
                options.index.kb_dirs.size());
  std::fflush(stdout);

  Clock::time_point retry_at{};
  for (;;) {
    int timeout = -1;
    PendingBatch& pending = watcher.pending();
    if (!pending.empty()) {
      const auto due = std::max(pending.due(options.quiet), retry_at);
      timeout = static_cast<int>(std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()).count() + 1));
    }
    pollfd fds[] = {{signals.get(), POLLIN, 0}, {inotify.get(), POLLIN, 0}};
    if (::poll(fds, 2, timeout) < 0 && errno != EINTR) {
      std::fprintf(stderr, "errkb-indexer watch: poll: %s\n", std::strerror(errno));
      return 2;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      (void)::read(signals.get(), &info, sizeof info);
      if (!options.quiet_output)
        std::printf("watch: stopped by %s\n", strsignal(static_cast<int>(info.ssi_signo)));
      return 0;
    }
    if ((fds[1].revents & POLLIN) && !watcher.read_events()) {
      std::fprintf(stderr, "errkb-indexer watch: cannot read file events: %s\n", std::strerror(errno));
      return 2;
    }
    if (!pending.empty() && Clock::now() >= std::max(pending.due(options.quiet), retry_at))
      retry_at = watcher.update_pending() ? Clock::time_point{} : Clock::now() + kLockedRetry;
  }
}

}  // namespace errkb::indexer
