// The folders errkb-indexer takes from an errkb-server config file (--config): the server's `index`
// and `kb`, so that a service's units name the folders in one place (/etc/errkb/errkb.yaml).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace errkb::indexer {

struct ServerFolders {
  std::filesystem::path index;
  std::vector<std::filesystem::path> kb;
};

// Reads `index` and `kb` (one folder or a list); relative paths are relative to the file's folder, as
// the server reads them. Other settings are the server's and are not looked at. False with `error`
// set when the file cannot be read or a value is not a path.
bool read_server_folders(const std::filesystem::path& config, ServerFolders& folders, std::string& error);

}  // namespace errkb::indexer
