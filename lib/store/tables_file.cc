#include "store/tables_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <random>

#include "errkb/schema.h"

namespace errkb::store {

namespace {

constexpr char kMagic[8] = {'e', 'r', 'r', 'k', 'b', 'T', 'B', 'L'};

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t key_bytes;
  uint64_t payload_bytes;
  uint64_t payload_xxh3;
};
static_assert(sizeof(Header) == 32);

uint64_t padded(uint64_t n) { return (n + 7) & ~uint64_t{7}; }
uint64_t payload_offset(uint64_t key_bytes) { return sizeof(Header) + padded(key_bytes); }

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// A read-only private mapping of a whole file, unmapped with its last holder.
struct Mapping {
  const char* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data) ::munmap(const_cast<char*>(data), size);
  }
};

}  // namespace

fs::path tables_file_path(const fs::path& generation_dir, uint64_t revision) {
  return generation_dir / (std::string(schema::kTablesFilePrefix) + std::to_string(revision) +
                           std::string(schema::kTablesFileSuffix));
}

// ---- writing ---------------------------------------------------------------------------------------

Result<std::unique_ptr<TablesWriter>> TablesWriter::Create(const fs::path& destination,
                                                           std::string generation_key) {
  std::random_device random;
  fs::path temp = destination;
  temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(random());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + temp.string() + ": " + errno_text());
  auto writer = std::unique_ptr<TablesWriter>(
      new TablesWriter(fd, std::move(temp), destination, std::move(generation_key)));
  // The header is written last, when the payload's size and checksum are known: room for it first.
  const std::string room(payload_offset(writer->key_.size()), '\0');
  if (!write_all(fd, room.data(), room.size()))
    return Status::IOError("cannot write " + writer->temp_.string() + ": " + errno_text());
  return writer;
}

TablesWriter::TablesWriter(int fd, fs::path temp, fs::path destination, std::string key)
    : fd_(fd),
      temp_(std::move(temp)),
      destination_(std::move(destination)),
      key_(std::move(key)),
      hash_(XXH3_createState()) {
  XXH3_64bits_reset(hash_);
  buffer_.reserve(size_t{1} << 20);
}

TablesWriter::~TablesWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    std::error_code ignored;
    fs::remove(temp_, ignored);
  }
  XXH3_freeState(hash_);
}

void TablesWriter::bytes(const void* data, size_t n) {
  if (n == 0) return;
  XXH3_64bits_update(hash_, data, n);
  written_ += n;
  if (buffer_.size() + n > buffer_.capacity()) flush();
  if (n >= buffer_.capacity()) {  // a large array goes straight to the file
    failed_ |= !write_all(fd_, static_cast<const char*>(data), n);
    return;
  }
  buffer_.append(static_cast<const char*>(data), n);
}

void TablesWriter::pad() {
  static constexpr char kZeros[8] = {};
  bytes(kZeros, padded(written_) - written_);
}

void TablesWriter::flush() {
  failed_ |= !write_all(fd_, buffer_.data(), buffer_.size());
  buffer_.clear();
}

Status TablesWriter::commit() {
  flush();
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kTablesFormatVersion;
  h.key_bytes = static_cast<uint32_t>(key_.size());
  h.payload_bytes = written_;
  h.payload_xxh3 = XXH3_64bits_digest(hash_);
  std::string head(reinterpret_cast<const char*>(&h), sizeof h);
  head += key_;
  head.resize(payload_offset(key_.size()), '\0');
  // No fsync: the file is a cache of the index. One cut short by a crash fails its checksum and the
  // server builds the tables from the index instead.
  if (failed_ || ::pwrite(fd_, head.data(), head.size(), 0) != static_cast<ssize_t>(head.size()))
    return Status::IOError("cannot write " + temp_.string() + ": " + errno_text());
  ::close(fd_);
  fd_ = -1;
  std::error_code renamed;
  fs::rename(temp_, destination_, renamed);
  if (renamed) {
    fs::remove(temp_, renamed);
    return Status::IOError("cannot rename " + temp_.string() + " to " + destination_.string());
  }
  return Status::OK();
}

// ---- reading ---------------------------------------------------------------------------------------

Result<TablesReader> TablesReader::Open(const fs::path& path, std::string_view generation_key) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no tables file " + path.string());
    return Status::IOError("cannot open " + path.string() + ": " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(Header))) {
    ::close(fd);
    return Status::Corruption(path.string() + " is shorter than its header");
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<size_t>(st.st_size);
  void* data = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) return Status::IOError("cannot map " + path.string() + ": " + errno_text());
  mapping->data = static_cast<const char*>(data);
  ::madvise(data, mapping->size, MADV_WILLNEED);

  Header h;
  std::memcpy(&h, mapping->data, sizeof h);
  auto refuse = [&](const std::string& why) { return Status::Corruption(path.string() + ": " + why); };
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return refuse("not a tables file");
  if (h.version != kTablesFormatVersion)
    return refuse("format version " + std::to_string(h.version) + ", this program reads " +
                  std::to_string(kTablesFormatVersion));
  const uint64_t offset = payload_offset(h.key_bytes);
  if (offset > mapping->size || h.payload_bytes != mapping->size - offset)
    return refuse("size does not match its header");
  const std::string_view key(mapping->data + sizeof h, h.key_bytes);
  if (key != generation_key)
    return refuse("describes generation " + std::string(key) + ", not " + std::string(generation_key));
  const std::string_view payload(mapping->data + offset, h.payload_bytes);
  if (XXH3_64bits(payload.data(), payload.size()) != h.payload_xxh3) return refuse("checksum does not match");
  return TablesReader(std::move(mapping), payload);
}

// ---- TermIndex -------------------------------------------------------------------------------------

namespace {

uint64_t term_hash(std::string_view term) { return XXH3_64bits(term.data(), term.size()); }

}  // namespace

TermIndex TermIndex::build(const std::vector<std::string>& terms) {
  Builder builder;
  for (const auto& t : terms) builder.add(t);
  return builder.finish();
}

TermIndex TermIndex::Builder::finish() {
  text_.shrink_to_fit();
  offsets_.shrink_to_fit();
  const size_t n = size();
  // At most half full: a miss (most lookups of the spelling dictionary) ends within a probe or two.
  std::vector<uint32_t> slots(std::bit_ceil(std::max<size_t>(2, n * 2)), 0);
  const size_t mask = slots.size() - 1;
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = term_hash({text_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]}) & mask;
    while (slots[at] != 0) at = (at + 1) & mask;
    slots[at] = i + 1;
  }
  TermIndex index;
  index.text_ = FlatArray<char>(std::move(text_));
  index.offsets_ = FlatArray<uint32_t>(std::move(offsets_));
  index.slots_ = FlatArray<uint32_t>(std::move(slots));
  return index;
}

uint32_t TermIndex::find(std::string_view term) const {
  if (slots_.empty()) return kNone;
  const size_t mask = slots_.size() - 1;
  for (size_t at = term_hash(term) & mask;; at = (at + 1) & mask) {
    const uint32_t slot = slots_[at];
    if (slot == 0) return kNone;
    if (this->term(slot - 1) == term) return slot - 1;
  }
}

void TermIndex::write(TablesWriter& out) const {
  out.array(text_.span());
  out.array(offsets_.span());
  out.array(slots_.span());
}

TermIndex TermIndex::read(TablesReader& in) {
  TermIndex index;
  index.text_ = in.array<char>();
  index.offsets_ = in.array<uint32_t>();
  index.slots_ = in.array<uint32_t>();
  // Whatever the checksum says, a lookup must stay within the arrays: offsets ascending within the
  // text, slots naming terms that exist, a power of two of them with an empty one (probing ends).
  const auto& o = index.offsets_;
  bool sound = !o.empty() && o[0] == 0 && o[o.size() - 1] <= index.text_.size() &&
               std::is_sorted(o.begin(), o.end()) && std::has_single_bit(index.slots_.size()) &&
               index.slots_.size() > index.size();
  size_t used = 0;
  for (size_t i = 0; sound && i < index.slots_.size(); ++i) {
    sound = index.slots_[i] <= index.size();
    used += index.slots_[i] != 0;
  }
  sound = sound && used <= index.size();
  if (!sound) {
    in.fail();
    return {};
  }
  return index;
}

}  // namespace errkb::store
