// Copies of the SQLite feedback database with SQLite's online backup API: a consistent snapshot of a
// database that servers go on writing to (WAL: the copy reads one snapshot while they write).
#include <sqlite3.h>

#include <memory>

#include "errkb/feedback.h"

namespace errkb {
namespace {

using Connection = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

Result<Connection> open(const std::filesystem::path& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Connection connection(db, &sqlite3_close);
  if (rc != SQLITE_OK) {
    return Status::IOError("cannot open " + path.string() + ": " +
                           (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db, 5000);  // a server's write transaction in progress ends within it
  return connection;
}

}  // namespace

Status copy_feedback_database(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (is_postgresql_url(from.string()) || is_postgresql_url(to.string())) {
    return Status::InvalidArgument(
        "a postgresql:// feedback database is copied with PostgreSQL's own tools "
        "(pg_dump, pg_restore), not by errkb");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec))
    return Status::NotFound("no feedback database at " + from.string());
  auto source = open(from, SQLITE_OPEN_READONLY);
  if (!source.ok()) return source.status();
  auto target = open(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!target.ok()) return target.status();
  sqlite3_backup* backup = sqlite3_backup_init(target->get(), "main", source->get(), "main");
  if (!backup)
    return Status::IOError("cannot copy " + from.string() + " to " + to.string() + ": " +
                           sqlite3_errmsg(target->get()));
  int rc = SQLITE_OK;
  // All pages in one step: one read snapshot, so the copy is consistent; BUSY (a writer holding the
  // target, or the source's checkpoint) is waited out by the busy timeouts and retried.
  do {
    rc = sqlite3_backup_step(backup, -1);
  } while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return Status::IOError("copying " + from.string() + " to " + to.string() + ": " + sqlite3_errstr(rc));
  }
  return Status::OK();
}

}  // namespace errkb
