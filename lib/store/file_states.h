// What the index remembers about each KB file (metadata errkb:file:<hash>, schema.h), and a copy of
// all of it beside the generation (file_states.dat) that an update reads in one pass instead of
// looking each file up in the metadata.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "errkb/status.h"

namespace errkb::store {

struct FileState {
  std::string path;  // absolute, as the listing names the file
  uintmax_t size = 0;
  int64_t mtime_ns = 0;
  bool complete = true;  // false: read with errors; the next update reads it again
  std::vector<std::string> items;
  // The signature each item was indexed with, beside it; "" where it is not known (a state written
  // before signatures were kept). An update that reads the file again compares the items' signatures
  // with these instead of looking each item up in the index.
  std::vector<std::string> signatures;

  void add_item(std::string uid, std::string signature) {
    signatures.resize(items.size());
    items.push_back(std::move(uid));
    signatures.push_back(std::move(signature));
  }
  std::string_view signature_at(size_t i) const {
    return i < signatures.size() ? std::string_view(signatures[i]) : std::string_view();
  }
  // Removes the items `lost` names, with their signatures.
  template <typename Pred>
  void erase_items_if(Pred lost) {
    signatures.resize(items.size());
    size_t kept = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (lost(items[i])) continue;
      if (kept != i) {  // a string moved onto itself may be left empty
        items[kept] = std::move(items[i]);
        signatures[kept] = std::move(signatures[i]);
      }
      ++kept;
    }
    items.resize(kept);
    signatures.resize(kept);
  }
};

uint64_t file_path_hash(const std::string& path);
// The metadata key of a file's state: errkb:file:<16 hex digits of file_path_hash>.
std::string file_state_key(const std::string& path);
std::string encode_file_state(const FileState& s);
bool decode_file_state(const std::string& text, FileState& s);

// The states of every KB file an index revision knows, by file_path_hash. Loaded from the
// generation's file_states.dat when that was written for the same database and revision (an update
// or rebuild writes it after its commit), else from the metadata; a stale or damaged copy is only
// slower, never wrong. Changes made here are the caller's to write to the metadata as well.
class FileStates {
 public:
  static FileStates load(const Xapian::Database& db, const std::filesystem::path& generation);

  // True when file_states.dat holds these states (read from it, or written since).
  bool loaded_from_copy() const { return from_copy_; }
  const FileState* find(uint64_t hash) const;
  void set(uint64_t hash, FileState state) { states_[hash] = std::move(state); }
  void erase(uint64_t hash) { states_.erase(hash); }
  const std::unordered_map<uint64_t, FileState>& all() const { return states_; }

  // Writes file_states.dat for `db`'s committed revision (temp file, then rename).
  Status write(const Xapian::Database& db, const std::filesystem::path& generation);

 private:
  bool read_copy(const std::filesystem::path& file, const std::string& stamp);
  std::unordered_map<uint64_t, FileState> states_;
  bool from_copy_ = false;
};

}  // namespace errkb::store
