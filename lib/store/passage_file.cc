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
constexpr size_t kFlushAt = 4 << 20;           // queued bytes that trigger a write
constexpr uint64_t kMaxRawSize = 64ull << 20;  // a larger size in a header is damage, not a passage
constexpr size_t kFirstRead = 4096;           // most records and their header (a passage is 1.3 KB raw)

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

bool get_varint(const char* data, uint64_t size, uint64_t& pos, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < size; shift += 7) {
    auto b = static_cast<uint8_t>(data[pos++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
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
  return std::unique_ptr<PassageFileWriter>(new PassageFileWriter(path, fd, static_cast<uint64_t>(st.st_size)));
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
  put_varint(header, data.size());
  put_varint(header, compressed.size());
  const uint32_t sum = XXH32(compressed.data(), compressed.size(), 0);
  for (int i = 0; i < 4; ++i) header += static_cast<char>((sum >> (8 * i)) & 0xff);

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
    ssize_t n = ::pwrite(fd_, queued_.data() + done, queued_.size() - done, static_cast<off_t>(written_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) error_ = errno_status("cannot write", path_);
    else done += static_cast<size_t>(n);
  }
  // On an error the queue stays as it was: offsets already handed out must not move.
  if (!error_.ok()) return error_;
  written_ += queued_.size();
  queued_.clear();
  return error_;
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
  path_ = path;
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
  const char* data = buffer_.data();
  const uint64_t got = buffer_.size();
  uint64_t pos = 0;
  if (got == 0 || data[pos++] != kRecordMark) return false;
  uint64_t raw_size = 0, stored_size = 0;
  if (!get_varint(data, got, pos, raw_size) || !get_varint(data, got, pos, stored_size)) return false;
  if (raw_size > kMaxRawSize || stored_size > kMaxRawSize || pos + 4 > got) return false;
  uint32_t sum = 0;
  for (int i = 0; i < 4; ++i) sum |= static_cast<uint32_t>(static_cast<uint8_t>(data[pos++])) << (8 * i);
  if (pos + stored_size > got) {
    if (got < kFirstRead || !fill(offset + got, pos + stored_size - got, got)) return false;
    data = buffer_.data();
  }
  const char* block = data + pos;
  if (XXH32(block, stored_size, 0) != sum) return false;
  out.resize(raw_size);
  int n = LZ4_decompress_safe(block, out.data(), static_cast<int>(stored_size), static_cast<int>(raw_size));
  return n >= 0 && static_cast<uint64_t>(n) == raw_size;
}

}  // namespace errkb::store
