// errkb-indexer backup / restore: the index and the feedback database copied while servers run.
#pragma once

#include <filesystem>
#include <optional>

namespace errkb::indexer {

struct BackupPaths {
  std::filesystem::path index;        // the live index folder
  std::filesystem::path feedback_db;  // "" = the server's default, <index>.feedback.sqlite, when it exists
  std::filesystem::path folder;       // the backup: FOLDER/index, FOLDER/feedback.sqlite, FOLDER/backup.json
};

// Exit status: 0 done, 2 nothing could be done (the message says why, on stderr).
int backup(const BackupPaths& paths);
// `replace_feedback`: overwrite an existing feedback database (only with no server using it).
int restore(const BackupPaths& paths, bool replace_feedback);

}  // namespace errkb::indexer
