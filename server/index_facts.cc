#include "index_facts.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "errkb/indexer.h"
#include "errkb/schema.h"

namespace errkb::server {
namespace {

std::chrono::system_clock::time_point to_system(std::filesystem::file_time_type t) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::file_clock::to_sys(t));
}

}  // namespace

IndexFolderFacts index_folder_facts(const std::filesystem::path& index_dir) {
  IndexFolderFacts facts;
  std::error_code ec;
  // What readers see changes only in the live generation and the stub; the writer lock and a
  // generation being built beside them are no change of the index.
  std::filesystem::path changes_in = index_dir / "";
  auto newest = std::filesystem::file_time_type::min();
  if (auto live = live_generation(index_dir); live.ok()) {
    facts.generation = live->filename().string();
    changes_in = *live / "";
    auto stub_time = std::filesystem::last_write_time(index_dir / schema::kStubName, ec);
    if (!ec) {
      facts.built = to_system(stub_time);
      newest = stub_time;
    }
  }
  for (auto it = std::filesystem::recursive_directory_iterator(index_dir, ec); !ec && it != decltype(it){};
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    facts.size_bytes += it->file_size(ec);
    const auto& path = it->path();
    if (path.native().starts_with(changes_in.native())) newest = std::max(newest, it->last_write_time(ec));
  }
  if (newest != std::filesystem::file_time_type::min()) facts.changed = to_system(newest);
  return facts;
}

std::string iso_utc(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(t));
}

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace errkb::server
