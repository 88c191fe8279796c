#include "server_config.h"

#include <yaml-cpp/yaml.h>

namespace errkb::indexer {

bool read_server_folders(const std::filesystem::path& config, ServerFolders& folders, std::string& error) {
  const std::filesystem::path base = config.parent_path();
  auto resolve = [&](const YAML::Node& value) {
    std::filesystem::path p(value.as<std::string>());
    return p.is_absolute() ? p : base / p;
  };
  try {
    const YAML::Node root = YAML::LoadFile(config.string());
    if (!root.IsMap()) {
      error = config.string() + ": must be a YAML mapping of settings";
      return false;
    }
    if (root["index"]) folders.index = resolve(root["index"]);
    if (const YAML::Node kb = root["kb"]) {
      if (kb.IsSequence()) {
        for (const auto& dir : kb) folders.kb.push_back(resolve(dir));
      } else {
        folders.kb.push_back(resolve(kb));
      }
    }
  } catch (const YAML::Exception& e) {
    error = config.string() + ": " + e.what();
    return false;
  }
  return true;
}

}  // namespace errkb::indexer
