// Read replicas: the passage copy on the primary (store/replica.h) and the follower (errkb/replica.h).
//
// The follower keeps a replica's index directory in the primary's layout, so its server reads it as
// any index: DIR/current names a generation holding a glass database and its passages.dat. Xapian's
// replication writes into DIR/replica, which no server opens; after each round, a revision not yet
// served is copied into a new generation with its passages rebuilt from the metadata copy, checked
// against the revision's stamps (uuid, revision, passage bytes, record checksums), synced, and only
// then named by the stub. The copy costs the database's size in local disk writes a revision; in
// exchange a generation never changes once served, so a server always reads a revision whole, never
// one whose passages have not arrived yet.
#include "store/replica.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "errkb/replica.h"
#include "errkb/schema.h"
#include "store/index_dir.h"
#include "store/passage_file.h"
#include "store/xapian_status.h"

extern char** environ;

namespace errkb::store {

namespace {

namespace fs = std::filesystem;

// A metadata value is split into pieces of at most this size: a rebuild copies the whole file.
constexpr size_t kPieceBytes = 1 << 20;

std::string piece_key(uint64_t offset) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(offset));
  return std::string(schema::kMetaPassagesPrefix) + hex;
}

}  // namespace

bool is_replicable(const Xapian::Database& db) {
  return !db.get_metadata(std::string(schema::kMetaPassagesSize)).empty();
}

void set_replicable(Xapian::WritableDatabase& db, bool on) {
  if (on == is_replicable(db)) return;
  if (on) {
    db.set_metadata(std::string(schema::kMetaPassagesSize), "0");
    return;
  }
  const std::string prefix(schema::kMetaPassagesPrefix);
  std::vector<std::string> keys;
  for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it)
    keys.push_back(*it);
  for (const auto& key : keys) db.set_metadata(key, "");
  db.set_metadata(std::string(schema::kMetaPassagesSize), "");
}

Status mirror_passages(Xapian::WritableDatabase& db, const fs::path& passage_file) {
  const std::string stamp = db.get_metadata(std::string(schema::kMetaPassagesSize));
  if (stamp.empty()) return Status::OK();
  const uint64_t from = std::stoull(stamp);
  std::ifstream in(passage_file, std::ios::binary | std::ios::ate);
  if (!in) return Status::IOError("cannot read " + passage_file.string() + " to copy it into the index");
  const auto size = static_cast<uint64_t>(in.tellg());
  if (size < from)
    return Status::Corruption(passage_file.string() + " is shorter than the copy of it in the index (" +
                              std::to_string(size) + " < " + std::to_string(from) + " bytes)");
  in.seekg(static_cast<std::streamoff>(from));
  std::string piece;
  for (uint64_t at = from; at < size; at += piece.size()) {
    piece.resize(static_cast<size_t>(std::min<uint64_t>(kPieceBytes, size - at)));
    if (!in.read(piece.data(), static_cast<std::streamsize>(piece.size())))
      return Status::IOError("cannot read " + passage_file.string() + " at offset " + std::to_string(at));
    db.set_metadata(piece_key(at), piece);
  }
  if (size != from) db.set_metadata(std::string(schema::kMetaPassagesSize), std::to_string(size));
  return Status::OK();
}

namespace {

// What a generation must be to serve a revision.
struct RevisionStamp {
  std::string uuid;
  uint64_t revision = 0;
  std::optional<uint64_t> passages_size;  // none: the index keeps no passage copy

  static RevisionStamp of(const Xapian::Database& db) {
    RevisionStamp r{db.get_uuid(), db.get_revision(), std::nullopt};
    const std::string size = db.get_metadata(std::string(schema::kMetaPassagesSize));
    if (!size.empty()) r.passages_size = std::stoull(size);
    return r;
  }
  bool operator==(const RevisionStamp&) const = default;
};

Status errno_status(const std::string& what) { return Status::IOError(what + ": " + std::strerror(errno)); }

// Runs `args` (args[0] found on PATH) to its end. Unavailable with what it wrote to standard error
// when it fails: the replication programs fail when the primary cannot be reached.
Status run_program(const std::vector<std::string>& args) {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return errno_status("pipe");
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&files, err_pipe[1], STDERR_FILENO);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(err_pipe[0]);
    return Status::NotFound("cannot run " + args[0] + ": " + std::strerror(spawned) +
                            " (install xapian-tools)");
  }
  std::string errors;
  char buf[4096];
  for (ssize_t n; (n = ::read(err_pipe[0], buf, sizeof buf)) != 0;) {
    if (n > 0)
      errors.append(buf, static_cast<size_t>(n));
    else if (errno != EINTR)
      break;
  }
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::OK();
  while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' ')) errors.pop_back();
  return Status::Unavailable(
      args[0] + " failed: " + (errors.empty() ? "exit status " + std::to_string(status) : errors));
}

// The live database below a replica folder: its XAPIANDB stub (written by Xapian::DatabaseReplica)
// names it on its last line, "auto replica_N".
Result<fs::path> live_replica(const fs::path& staging) {
  std::ifstream in(staging / "XAPIANDB");
  std::string line, target;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string type;
    words >> type >> target;
  }
  if (target.empty())
    return Status::Corruption("no live database named in " + (staging / "XAPIANDB").string());
  return staging / target;
}

Status sync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open " + path.string());
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::OK() : errno_status("cannot sync " + path.string());
}

// The database's files (not its lock) into `to`, each synced.
Status copy_database(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    if (!entry.is_regular_file() || entry.path().filename() == "flintlock") continue;
    const fs::path target = to / entry.path().filename();
    if (!fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing, ec))
      return Status::IOError("cannot copy " + entry.path().string() + " to " + target.string() + ": " +
                             ec.message());
    if (Status s = sync_path(target, O_RDONLY); !s.ok()) return s;
  }
  if (ec) return Status::IOError("cannot list " + from.string() + ": " + ec.message());
  return Status::OK();
}

// Writes the pieces of `staged` from `base` on into `file`, which holds its first `base` bytes.
Status append_pieces(const Xapian::Database& staged, uint64_t base, uint64_t size, const fs::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("cannot open " + file.string());
  Status status;
  if (::ftruncate(fd, static_cast<off_t>(base)) != 0)
    status = errno_status("cannot truncate " + file.string());
  uint64_t at = base;
  const std::string prefix(schema::kMetaPassagesPrefix);
  auto it = staged.metadata_keys_begin(prefix);
  if (base > 0) it.skip_to(piece_key(base));
  for (; status.ok() && at < size && it != staged.metadata_keys_end(prefix); ++it) {
    const uint64_t offset = std::stoull((*it).substr(prefix.size()), nullptr, 16);
    if (offset != at) break;
    const std::string piece = staged.get_metadata(*it);
    if (::pwrite(fd, piece.data(), piece.size(), static_cast<off_t>(at)) !=
        static_cast<ssize_t>(piece.size()))
      status = errno_status("cannot write " + file.string());
    at += piece.size();
  }
  if (status.ok() && at != size)
    status = Status::Corruption("the revision's passages stop at offset " + std::to_string(at) + " of " +
                                std::to_string(size));
  if (status.ok() && ::fdatasync(fd) != 0) status = errno_status("cannot sync " + file.string());
  ::close(fd);
  return status;
}

// The passages of revision `want` into GEN/passages.dat. The file of the served generation of the same
// database is append-only and holds a prefix of them: it is linked and only the rest is written
// (a reader of the served generation reads no further than its own stamp).
Status write_passages(const Xapian::Database& staged, const RevisionStamp& want, const fs::path& generation,
                      const std::optional<RevisionStamp>& served, const fs::path& served_generation) {
  const fs::path file = generation / schema::kPassageFileName;
  uint64_t base = 0;
  if (served && served->uuid == want.uuid && served->passages_size &&
      *served->passages_size <= *want.passages_size) {
    std::error_code ec;
    fs::create_hard_link(served_generation / schema::kPassageFileName, file, ec);
    if (!ec) base = *served->passages_size;
  }
  if (Status s = append_pieces(staged, base, *want.passages_size, file); !s.ok()) return s;
  PassageFileReader reader;
  if (Status s = reader.open(file); !s.ok()) return s;
  return reader.verify(base, *want.passages_size);
}

// The generation opened as the server will open it: the revision it must be.
Status check_generation(const fs::path& generation, const RevisionStamp& want) {
  const RevisionStamp got = RevisionStamp::of(Xapian::Database(generation.string()));
  if (!(got == want))
    return Status::Corruption("the copy in " + generation.string() + " is revision " +
                              std::to_string(got.revision) + " of " + got.uuid + ", not " +
                              std::to_string(want.revision) + " of " + want.uuid);
  return Status::OK();
}

Status build_generation(const fs::path& staging, const Xapian::Database& staged, const RevisionStamp& want,
                        const std::optional<RevisionStamp>& served, const fs::path& served_generation,
                        const fs::path& generation) {
  auto live = live_replica(staging);
  if (!live.ok()) return live.status();
  std::error_code ec;
  if (!fs::create_directories(generation, ec))
    return Status::IOError("cannot create " + generation.string() + ": " + ec.message());
  if (Status s = copy_database(*live, generation); !s.ok()) return s;
  if (Status s = write_passages(staged, want, generation, served, served_generation); !s.ok()) return s;
  if (Status s = check_generation(generation, want); !s.ok()) return s;
  return sync_path(generation, O_RDONLY | O_DIRECTORY);
}

Status check_options(const ReplicaOptions& o) {
  if (o.index_dir.empty()) return Status::InvalidArgument("no index directory given (--index DIR)");
  if (o.primary_host.empty()) return Status::InvalidArgument("no primary given (--primary HOST:PORT)");
  if (o.primary_port <= 0 || o.primary_port > 65535)
    return Status::InvalidArgument("the primary's port must be 1-65535, not " +
                                   std::to_string(o.primary_port));
  return Status::OK();
}

}  // namespace

}  // namespace errkb::store

namespace errkb {

Result<ReplicaRound> follow_primary_once(const ReplicaOptions& o) {
  namespace fs = std::filesystem;
  if (Status s = store::check_options(o); !s.ok()) return s;
  auto lock = store::WriterLock::Acquire(o.index_dir, "follow");
  if (!lock.ok()) return lock.status();
  const fs::path staging = o.index_dir / schema::kReplicaStagingName;
  // One connection (-o), no pause between changesets (-r 0: no reader opens the staging copy), and a
  // socket timeout so that a primary that stops answering fails the round instead of holding it.
  if (Status s =
          store::run_program({o.replicate_program, "-h", o.primary_host, "-p", std::to_string(o.primary_port),
                              "-m", o.primary_name, "-o", "-q", "-r", "0", "-t", "60", staging.string()});
      !s.ok())
    return s;
  try {
    Xapian::Database staged(staging.string());
    const auto want = store::RevisionStamp::of(staged);
    if (!want.passages_size)
      return Status::InvalidArgument(
          "the primary's index keeps no copy of its passages: run errkb-indexer update "
          "--replicable on on the primary");
    ReplicaRound round{false, want.uuid, want.revision, {}};
    std::optional<store::RevisionStamp> served;
    fs::path served_generation;
    if (auto current = store::current_generation(o.index_dir); current.ok()) {
      try {
        served = store::RevisionStamp::of(Xapian::Database(current->string()));
        served_generation = *current;
      } catch (const Xapian::Error&) {
        // Unreadable: replaced by this round's generation.
      }
    }
    if (served && *served == want) {
      round.generation = served_generation;
      return round;
    }
    const fs::path generation = store::next_generation(o.index_dir);
    if (Status s = store::build_generation(staging, staged, want, served, served_generation, generation);
        !s.ok()) {
      std::error_code ec;
      fs::remove_all(generation, ec);
      return s;
    }
    if (Status s = store::switch_generation(o.index_dir, generation); !s.ok()) return s;
    round.switched = true;
    round.generation = generation;
    return round;
  } catch (const Xapian::Error& e) {
    return store::to_status(e, staging);
  }
}

}  // namespace errkb
