// The index directory (see schema.h): generations, the stub readers open, and the writer lock.
#pragma once

#include <filesystem>
#include <string>

#include "errkb/status.h"

namespace errkb::store {

namespace fs = std::filesystem;

// Exclusive writer lock on DIR/writer.lock (flock). Released when destroyed.
class WriterLock {
 public:
  // Fails with Status::Locked("index DIR is locked by pid N (update, started T)") when held elsewhere.
  static Result<WriterLock> Acquire(const fs::path& index_dir, const std::string& command);
  WriterLock(WriterLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  WriterLock& operator=(WriterLock&&) = delete;
  WriterLock(const WriterLock&) = delete;
  ~WriterLock();

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

fs::path stub_path(const fs::path& index_dir);
// The generation the stub points at; NotFound when there is no index yet.
Result<fs::path> current_generation(const fs::path& index_dir);
// A fresh, not yet existing generation directory (number above every existing one).
fs::path next_generation(const fs::path& index_dir);
// Atomically points the stub at `generation` (write temp + fsync + rename), then removes generations older
// than the one it replaced (that one stays for readers still using it).
Status switch_generation(const fs::path& index_dir, const fs::path& generation);

// What killed writers left, removed under the writer lock (no other writer runs then): the work
// folders of rebuilds (rebuild-*, each as large as a generation) and generations above the live one (a
// rebuild killed while compacting into it, or before it switched).
void remove_dead_work(const fs::path& index_dir);

}  // namespace errkb::store
