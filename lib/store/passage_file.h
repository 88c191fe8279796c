// The passages' data beside the Xapian database: GEN/passages.dat (schema.h), one record a passage,
// found by the offset its rank record carries.
//
// Why not Xapian's document data: a passage shown was read with Document::get_data, a B-tree lookup in
// the docdata table (two block reads, each a pread) and a zlib inflate, a noticeable share of a
// diagnosis's CPU for the passages it decodes. Here a record is one pread and an LZ4 decompression,
// which is many times cheaper than inflate.
//
// Record: 'P', then raw size, compressed size and XXH32 of the compressed bytes (each 4 bytes, little
// endian), then the LZ4 block.
// The file is append-only. An update appends the passages it writes and syncs them before the Xapian
// commit that makes their documents visible, so every revision a reader opens finds its records.
// Records of replaced or deleted passages stay until the next rebuild; a crash leaves at worst an
// unreferenced tail.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "errkb/status.h"

namespace errkb::store {

// Appends records; safe to share between the rebuild's shard threads.
class PassageFileWriter {
 public:
  // Opens `path` for appending (created if missing; with `truncate`, emptied first).
  static Result<std::unique_ptr<PassageFileWriter>> Open(const std::filesystem::path& path, bool truncate);
  ~PassageFileWriter();
  PassageFileWriter(const PassageFileWriter&) = delete;
  PassageFileWriter& operator=(const PassageFileWriter&) = delete;

  // Compresses `data` and queues it; returns the record's offset. Written by flush() or when the
  // queue grows past a few megabytes; a write error is kept and returned by the next flush().
  uint64_t append(std::string_view data);
  // Writes what is queued; with `sync`, fdatasync()s the file (before a commit that refers to it).
  Status flush(bool sync);
  const std::filesystem::path& path() const { return path_; }

 private:
  PassageFileWriter(std::filesystem::path path, int fd, uint64_t size);
  Status write_queued_locked();

  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mutex_;
  uint64_t written_ = 0;  // bytes in the file
  std::string queued_;    // records after them
  Status error_;
};

// Reads records with pread (one call for most records). Not thread-safe (one per query handle, like
// Xapian's). Not a memory map: measured on a large index, a mapped file served no more diagnoses a
// second than pread, and its page faults made the slowest answers slower.
class PassageFileReader {
 public:
  PassageFileReader() = default;
  ~PassageFileReader();
  PassageFileReader(const PassageFileReader&) = delete;
  PassageFileReader& operator=(const PassageFileReader&) = delete;

  // Opens `path`; a missing file is an error (the index lacks its passages).
  Status open(const std::filesystem::path& path);
  // The record at `offset`, decompressed into `out`. False when there is none (an offset outside the
  // file or a damaged record).
  bool read(uint64_t offset, std::string& out);
  // Corruption unless [from, to) holds whole records with their checksums right (a replica's check of
  // the passages it received; not decompressed).
  Status verify(uint64_t from, uint64_t to);

 private:
  bool fill(uint64_t offset, size_t size, size_t at);

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace errkb::store
