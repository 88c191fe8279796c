#include "store/passage_file.h"

#include <fcntl.h>
#include <lz4.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace errkb::store {

namespace {

constexpr char kRecordMark = 'P';
constexpr size_t kHeaderSize = 1 + 3 * 4;    // the mark, raw size, stored size, checksum
constexpr size_t kFlushAt = 4 << 20;         // queued bytes that trigger a write
constexpr uint32_t kMaxRawSize = 64u << 20;  // a larger size in a header is damage, not a passage
// One read covers most records with their header (nearly all passages compress to under 2 KB); a
// longer one is completed by a second read. A page-sized first read would copy several times the bytes
// needed out of the page cache, and mostly span two pages.
constexpr size_t kFirstRead = 2048;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t get_u32(const char* at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(at[i])) << (8 * i);
  return v;
}

Status errno_status(const std::string& what, const std::filesystem::path& path) {
  return Status::IOError(what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

// ---- writer ----

Result<std::unique_ptr<PassageFileWriter>> PassageFileWriter::Open(const std::filesystem::path& path,
                                                                   bool truncate) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0644);
  if (fd < 0) return errno_status("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = errno_status("cannot stat", path);
    ::close(fd);
    return s;
  }
  return std::unique_ptr<PassageFileWriter>(
      new PassageFileWriter(path, fd, static_cast<uint64_t>(st.st_size)));
}

PassageFileWriter::PassageFileWriter(std::filesystem::path path, int fd, uint64_t size)
    : path_(std::move(path)), fd_(fd), written_(size) {}

PassageFileWriter::~PassageFileWriter() {
  (void)flush(false);
  ::close(fd_);
}

uint64_t PassageFileWriter::append(std::string_view data) {
  // Compressed outside the lock: shard threads append concurrently.
  thread_local std::string compressed;
  compressed.resize(static_cast<size_t>(LZ4_compressBound(static_cast<int>(data.size()))));
  int n = LZ4_compress_default(data.data(), compressed.data(), static_cast<int>(data.size()),
                               static_cast<int>(compressed.size()));
  compressed.resize(static_cast<size_t>(std::max(0, n)));
  std::string header(1, kRecordMark);
  put_u32(header, static_cast<uint32_t>(data.size()));
  put_u32(header, static_cast<uint32_t>(compressed.size()));
  put_u32(header, XXH32(compressed.data(), compressed.size(), 0));

  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t offset = written_ + queued_.size();
  queued_ += header;
  queued_ += compressed;
  if (queued_.size() >= kFlushAt) (void)write_queued_locked();
  return offset;
}

Status PassageFileWriter::write_queued_locked() {
  size_t done = 0;
  while (done < queued_.size() && error_.ok()) {
    ssize_t n =
        ::pwrite(fd_, queued_.data() + done, queued_.size() - done, static_cast<off_t>(written_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      error_ = errno_status("cannot write", path_);
    else
      done += static_cast<size_t>(n);
  }
  // On an error the queue stays as it was: offsets already handed out must not move.
  if (!error_.ok()) return error_;
  written_ += queued_.size();
  queued_.clear();
  return Status::OK();
}

Status PassageFileWriter::flush(bool sync) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (Status s = write_queued_locked(); !s.ok()) return s;
  if (sync && ::fdatasync(fd_) != 0) error_ = errno_status("cannot sync", path_);
  return error_;
}

// ---- reader ----

PassageFileReader::~PassageFileReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status PassageFileReader::open(const std::filesystem::path& path) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return errno_status("cannot open the passages of the index,", path);
  return Status::OK();
}

// Reads [offset, offset + size) into buffer_ from position `at` on; false at the end of the file.
bool PassageFileReader::fill(uint64_t offset, size_t size, size_t at) {
  buffer_.resize(at + size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd_, buffer_.data() + at + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  buffer_.resize(at + done);
  return done == size;
}

bool PassageFileReader::read(uint64_t offset, std::string& out) {
  if (fd_ < 0) return false;
  // One read of a typical record and its header; a longer record is completed by a second.
  (void)fill(offset, kFirstRead, 0);
  const size_t got = buffer_.size();
  if (got < kHeaderSize || buffer_[0] != kRecordMark) return false;
  const uint32_t raw_size = get_u32(buffer_.data() + 1);
  const uint32_t stored_size = get_u32(buffer_.data() + 5);
  const uint32_t sum = get_u32(buffer_.data() + 9);
  if (raw_size > kMaxRawSize || stored_size > kMaxRawSize) return false;
  const size_t record_size = kHeaderSize + stored_size;
  if (record_size > got && (got < kFirstRead || !fill(offset + got, record_size - got, got))) return false;
  const char* block = buffer_.data() + kHeaderSize;
  if (XXH32(block, stored_size, 0) != sum) return false;
  out.resize(raw_size);
  int n = LZ4_decompress_safe(block, out.data(), static_cast<int>(stored_size), static_cast<int>(raw_size));
  return n >= 0 && static_cast<uint64_t>(n) == raw_size;
}

Status PassageFileReader::verify(uint64_t from, uint64_t to) {
  if (fd_ < 0) return Status::IOError("the passage file is not open");
  for (uint64_t at = from; at < to;) {
    const std::string where = "passage record at offset " + std::to_string(at);
    if (!fill(at, kHeaderSize, 0) || buffer_[0] != kRecordMark) return Status::Corruption("no " + where);
    const uint32_t stored_size = get_u32(buffer_.data() + 5);
    const uint32_t sum = get_u32(buffer_.data() + 9);
    if (stored_size > kMaxRawSize || at + kHeaderSize + stored_size > to ||
        !fill(at + kHeaderSize, stored_size, 0) || XXH32(buffer_.data(), stored_size, 0) != sum)
      return Status::Corruption("damaged " + where);
    at += kHeaderSize + stored_size;
  }
  return Status::OK();
}

}  // namespace errkb::store
