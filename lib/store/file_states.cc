#include "store/file_states.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>

#include "errkb/schema.h"
#include "store/packed_values.h"

namespace errkb::store {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kCopyName = "file_states.dat";
constexpr std::string_view kMagic = "errkb file states 2\n";

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// The database and revision a copy belongs to.
std::string stamp_of(const Xapian::Database& db) {
  return db.get_uuid() + "@" + std::to_string(db.get_revision());
}

}  // namespace

uint64_t file_path_hash(const std::string& path) { return XXH3_64bits(path.data(), path.size()); }

std::string file_state_key(const std::string& path) {
  return std::string(schema::kMetaFilePrefix) + hex64(file_path_hash(path));
}

std::string encode_file_state(const FileState& s) {
  // A file name need not be UTF-8: the state keeps it readable rather than failing to encode it.
  json j{{"path", s.path},
         {"size", s.size},
         {"mtime", s.mtime_ns},
         {"complete", s.complete},
         {"items", s.items}};
  if (s.signatures.size() == s.items.size()) j["signatures"] = s.signatures;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool decode_file_state(const std::string& text, FileState& s) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  s.path = j.value("path", std::string());
  s.size = j.value("size", uintmax_t{0});
  s.mtime_ns = j.value("mtime", int64_t{0});
  s.complete = j.value("complete", true);
  s.items = j.value("items", std::vector<std::string>());
  s.signatures = j.value("signatures", std::vector<std::string>());
  if (s.signatures.size() != s.items.size()) s.signatures.clear();
  return true;
}

FileStates FileStates::load(const Xapian::Database& db, const fs::path& generation) {
  FileStates out;
  if (out.read_copy(generation / kCopyName, stamp_of(db))) return out;
  out.states_.clear();
  const std::string prefix(schema::kMetaFilePrefix);
  for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it) {
    FileState state;
    const std::string value = db.get_metadata(*it);
    if (value.empty() || !decode_file_state(value, state)) continue;
    // The key names the path it was written for, even when the JSON had to replace bytes of it.
    const uint64_t hash = std::strtoull((*it).c_str() + prefix.size(), nullptr, 16);
    out.states_.emplace(hash, std::move(state));
  }
  return out;
}

const FileState* FileStates::find(uint64_t hash) const {
  auto it = states_.find(hash);
  return it == states_.end() ? nullptr : &it->second;
}

bool FileStates::read_copy(const fs::path& file, const std::string& stamp) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return false;
  std::string data(static_cast<size_t>(std::max<std::streamoff>(0, in.tellg())), '\0');
  in.seekg(0);
  if (!in.read(data.data(), static_cast<std::streamsize>(data.size()))) return false;
  if (data.size() < kMagic.size() + sizeof(uint64_t) || data.compare(0, kMagic.size(), kMagic) != 0)
    return false;
  const size_t body_end = data.size() - sizeof(uint64_t);
  uint64_t checksum = 0;
  std::memcpy(&checksum, data.data() + body_end, sizeof checksum);
  if (checksum != XXH3_64bits(data.data(), body_end)) return false;
  PackedReader r(std::string_view(data).substr(kMagic.size(), body_end - kMagic.size()));
  std::string written_for;
  uint64_t count = 0;
  if (!r.text(written_for) || written_for != stamp || !r.u64(count)) return false;
  states_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t hash = 0, size = 0, mtime = 0, complete = 0, items = 0;
    FileState s;
    if (!r.u64(hash) || !r.text(s.path) || !r.u64(size) || !r.u64(mtime) || !r.u64(complete) || !r.u64(items))
      return false;
    s.size = size;
    s.mtime_ns = static_cast<int64_t>(mtime);
    s.complete = complete != 0;
    s.items.resize(items);
    s.signatures.resize(items);
    for (size_t k = 0; k < items; ++k)
      if (!r.text(s.items[k]) || !r.text(s.signatures[k])) return false;
    states_.emplace(hash, std::move(s));
  }
  from_copy_ = r.done();
  return from_copy_;
}

Status FileStates::write(const Xapian::Database& db, const fs::path& generation) {
  std::string out(kMagic);
  put_text(out, stamp_of(db));
  put_u64(out, states_.size());
  for (const auto& [hash, s] : states_) {
    put_u64(out, hash);
    put_text(out, s.path);
    put_u64(out, s.size);
    put_u64(out, static_cast<uint64_t>(s.mtime_ns));
    put_u64(out, s.complete ? 1 : 0);
    put_u64(out, s.items.size());
    for (size_t k = 0; k < s.items.size(); ++k) {
      put_text(out, s.items[k]);
      put_text(out, s.signature_at(k));
    }
  }
  put_u64(out, XXH3_64bits(out.data(), out.size()));
  // No fsync: a copy lost or torn in a crash fails its checksum or stamp and the metadata is read.
  const fs::path file = generation / kCopyName;
  const fs::path temp = generation / (std::string(kCopyName) + ".tmp");
  {
    std::ofstream o(temp, std::ios::binary | std::ios::trunc);
    o.write(out.data(), static_cast<std::streamsize>(out.size()));
    if (!o) return Status::IOError("cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, file, ec);
  if (ec) return Status::IOError("cannot rename " + temp.string() + ": " + ec.message());
  from_copy_ = true;
  return Status::OK();
}

}  // namespace errkb::store
