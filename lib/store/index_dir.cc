#include "store/index_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

#include "errkb/schema.h"

namespace errkb::store {

namespace {

std::string errno_text() { return std::strerror(errno); }

// Generation number from "gen-000012", or -1.
long generation_number(const fs::path& p) {
  std::string name = p.filename().string();
  if (name.rfind(schema::kGenerationPrefix, 0) != 0) return -1;
  std::string digits = name.substr(schema::kGenerationPrefix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stol(digits);
}

}  // namespace

Result<WriterLock> WriterLock::Acquire(const fs::path& index_dir, const std::string& command) {
  std::error_code ec;
  fs::create_directories(index_dir, ec);
  if (ec) return Status::IOError("cannot create index directory " + index_dir.string() + ": " + ec.message());
  fs::path lock_file = index_dir / schema::kLockName;
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot open " + lock_file.string() + ": " + errno_text());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string holder;
    char buf[512];
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0) holder.assign(buf, static_cast<size_t>(n));
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
    ::close(fd);
    return Status::Locked("index " + index_dir.string() + " is locked by " +
                          (holder.empty() ? std::string("another writer") : holder));
  }
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string holder = "pid " + std::to_string(::getpid()) + " (" + command + ", started " + when + ")\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, holder.data(), holder.size(), 0) < 0) {
    // The lock is held even if the note could not be written; only the message to others suffers.
  }
  return WriterLock(fd);
}

WriterLock::~WriterLock() {
  if (fd_ >= 0) {
    if (::ftruncate(fd_, 0) != 0) {
    }
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

fs::path stub_path(const fs::path& index_dir) { return index_dir / schema::kStubName; }

Result<fs::path> current_generation(const fs::path& index_dir) {
  std::ifstream in(stub_path(index_dir));
  if (!in) return Status::NotFound("no index at " + index_dir.string() + " (run errkb-indexer update first)");
  std::string backend, target;
  in >> backend >> target;
  if (backend.empty() || target.empty())
    return Status::Corruption("stub file " + stub_path(index_dir).string() + " is malformed");
  fs::path gen = fs::path(target).is_absolute() ? fs::path(target) : index_dir / target;
  return gen;
}

fs::path next_generation(const fs::path& index_dir) {
  long highest = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(index_dir, ec))
    highest = std::max(highest, generation_number(entry.path()));
  char name[32];
  std::snprintf(name, sizeof name, "%s%06ld", std::string(schema::kGenerationPrefix).c_str(), highest + 1);
  return index_dir / name;
}

Status switch_generation(const fs::path& index_dir, const fs::path& generation) {
  long previous = -1;
  if (auto cur = current_generation(index_dir); cur.ok()) previous = generation_number(*cur);
  fs::path tmp = index_dir / (std::string(schema::kStubName) + ".tmp");
  {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IOError("cannot write " + tmp.string() + ": " + errno_text());
    // Relative target: the index directory can be moved or mounted elsewhere.
    std::string text = "auto " + generation.filename().string() + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return Status::IOError("cannot write " + tmp.string() + ": " + errno_text());
  }
  if (::rename(tmp.c_str(), stub_path(index_dir).c_str()) != 0)
    return Status::IOError("cannot switch " + stub_path(index_dir).string() + ": " + errno_text());
  int dirfd = ::open(index_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd >= 0) {
    ::fsync(dirfd);
    ::close(dirfd);
  }
  long keep_new = generation_number(generation);
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(index_dir, ec)) {
    long n = generation_number(entry.path());
    if (n >= 0 && n != keep_new && n != previous) stale.push_back(entry.path());
  }
  for (const auto& p : stale) fs::remove_all(p, ec);
  return Status::OK();
}

void remove_dead_work(const fs::path& index_dir) {
  auto live = current_generation(index_dir);
  const long live_number = live.ok() ? generation_number(*live) : -1;
  std::error_code ec;
  std::vector<fs::path> dead;
  for (fs::directory_iterator it(index_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code is_dir;
    if (!it->is_directory(is_dir)) continue;
    const bool work = it->path().filename().string().rfind("rebuild-", 0) == 0;
    // Without a live generation (the stub unreadable) no generation is known dead.
    const bool above_live = live_number >= 0 && generation_number(it->path()) > live_number;
    if (work || above_live) dead.push_back(it->path());
  }
  for (const auto& p : dead) fs::remove_all(p, ec);
}

}  // namespace errkb::store
