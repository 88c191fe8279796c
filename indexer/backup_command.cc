#include "backup_command.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "errkb/feedback.h"
#include "errkb/indexer.h"
#include "errkb/version.h"

namespace errkb::indexer {
namespace {

namespace fs = std::filesystem;

constexpr const char* kIndexFolder = "index";
constexpr const char* kFeedbackFile = "feedback.sqlite";
constexpr const char* kManifest = "backup.json";

// The server's default: the feedback database beside the index folder.
fs::path default_feedback_db(fs::path index) {
  if (!index.has_filename()) index = index.parent_path();  // "idx/" -> "idx"
  return index.string() + ".feedback.sqlite";
}

int fail(const char* verb, const std::string& message) {
  std::cerr << "errkb-indexer " << verb << ": " << message << "\n";
  return 2;
}

std::string now_utc() {
  std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

}  // namespace

int backup(const BackupPaths& paths) {
  std::error_code ec;
  if (fs::exists(paths.folder, ec))
    return fail("backup", paths.folder.string() + " exists; back up into a new folder");
  fs::path feedback = paths.feedback_db;
  if (feedback.empty() && fs::exists(default_feedback_db(paths.index), ec))
    feedback = default_feedback_db(paths.index);
  // The index first: its writer lock is held only while it is copied.
  auto index = backup_index(paths.index, paths.folder / kIndexFolder);
  if (!index.ok()) {
    fs::remove_all(paths.folder, ec);
    return fail("backup", index.status().message());
  }
  nlohmann::json manifest = {{"errkb_version", std::string(version())},
                             {"created", now_utc()},
                             {"index",
                              {{"from", fs::absolute(paths.index).string()},
                               {"revision", index->revision},
                               {"documents", index->documents}}}};
  if (!feedback.empty()) {
    if (Status s = copy_feedback_database(feedback, paths.folder / kFeedbackFile); !s.ok()) {
      fs::remove_all(paths.folder, ec);
      return fail("backup", s.message());
    }
    manifest["feedback_db"] = {{"from", fs::absolute(feedback).string()}};
  }
  std::ofstream(paths.folder / kManifest) << manifest.dump(2) << "\n";
  std::printf("backup: index revision %llu (%llu passages)%s into %s\n",
              static_cast<unsigned long long>(index->revision),
              static_cast<unsigned long long>(index->documents),
              feedback.empty() ? "" : " and the feedback database", paths.folder.string().c_str());
  return 0;
}

int restore(const BackupPaths& paths, bool replace_feedback) {
  std::error_code ec;
  const fs::path saved_feedback = paths.folder / kFeedbackFile;
  const bool has_feedback = fs::exists(saved_feedback, ec);
  const fs::path feedback = paths.feedback_db.empty() ? default_feedback_db(paths.index) : paths.feedback_db;
  // Checked before the index is touched: a refused restore changes nothing.
  if (has_feedback && fs::exists(feedback, ec) && !replace_feedback) {
    return fail("restore",
                feedback.string() + " exists; stop the servers using it and add --replace-feedback");
  }
  auto index = restore_index(paths.folder / kIndexFolder, paths.index);
  if (!index.ok()) return fail("restore", index.status().message());
  if (has_feedback) {
    if (Status s = copy_feedback_database(saved_feedback, feedback); !s.ok())
      return fail("restore", s.message());
  }
  std::printf("restore: index revision %llu (%llu passages) live in %s%s\n",
              static_cast<unsigned long long>(index->revision),
              static_cast<unsigned long long>(index->documents), paths.index.string().c_str(),
              has_feedback ? (", feedback database " + feedback.string()).c_str() : "");
  return 0;
}

}  // namespace errkb::indexer
