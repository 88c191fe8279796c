// Facts about the index folder that the engine does not read from the database: the generation the
// stub names, when it was switched in, and the folder's size and newest file. For GET /v1/admin/index
// and the index gauges of /metrics.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace errkb::server {

struct IndexFolderFacts {
  std::string generation;  // "gen-000007"; "" when the folder is not an errkb index folder (a bare database)
  // When the stub was last switched: the last rebuild, or the first update that made the index.
  std::optional<std::chrono::system_clock::time_point> built;
  std::optional<std::chrono::system_clock::time_point> changed;  // newest file: the last commit or switch
  uintmax_t size_bytes = 0;                                      // every file under the folder
};

IndexFolderFacts index_folder_facts(const std::filesystem::path& index_dir);

// "2026-01-31T12:00:00Z".
std::string iso_utc(std::chrono::system_clock::time_point t);
// Seconds since the Unix epoch.
double unix_seconds(std::chrono::system_clock::time_point t);

}  // namespace errkb::server
