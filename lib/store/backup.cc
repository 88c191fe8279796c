// Copies of an index's live generation: backup_index and restore_index (indexer.h).
#include <xapian.h>

#include "errkb/indexer.h"
#include "errkb/schema.h"
#include "store/index_dir.h"
#include "store/xapian_status.h"

namespace errkb {
namespace {

namespace fs = std::filesystem;

// Copies the generation folder `from` to `to` (not existing yet) and opens the copy: it must be the
// same revision. The caller holds the writer lock of the index `from` belongs to, or of the one `to`
// goes into, so that nothing writes `from` meanwhile.
Result<IndexCopy> copy_generation(const fs::path& from, const fs::path& to) {
  IndexCopy copy;
  copy.generation = to;
  std::error_code ec;
  try {
    const uint64_t revision = Xapian::Database(from.string()).get_revision();
    fs::copy(from, to, fs::copy_options::recursive, ec);
    if (ec) {
      fs::remove_all(to);
      return Status::IOError("cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
    }
    Xapian::Database copied(to.string());
    copy.revision = copied.get_revision();
    copy.documents = copied.get_doccount();
    if (copy.revision != revision) {
      fs::remove_all(to);
      return Status::Corruption("the copy of " + from.string() + " is revision " +
                                std::to_string(copy.revision) + ", not " + std::to_string(revision));
    }
  } catch (const Xapian::Error& e) {
    fs::remove_all(to, ec);
    return store::to_status(e, from);
  }
  return copy;
}

}  // namespace

Result<IndexCopy> backup_index(const fs::path& index_dir, const fs::path& dest) {
  std::error_code ec;
  if (fs::exists(dest, ec))
    return Status::InvalidArgument(dest.string() + " exists; back up into a new folder");
  auto live = store::current_generation(index_dir);
  if (!live.ok()) return live.status();
  auto lock = store::WriterLock::Acquire(index_dir, "backup");
  if (!lock.ok()) return lock.status();
  live = store::current_generation(index_dir);  // a switch may have happened before the lock was ours
  if (!live.ok()) return live.status();
  fs::create_directories(dest, ec);
  if (ec) return Status::IOError("cannot create " + dest.string() + ": " + ec.message());
  auto copy = copy_generation(*live, store::next_generation(dest));
  if (!copy.ok()) return copy.status();
  if (Status s = store::switch_generation(dest, copy->generation); !s.ok()) return s;
  return copy;
}

Result<IndexCopy> restore_index(const fs::path& backup, const fs::path& index_dir) {
  auto source = store::current_generation(backup);
  if (!source.ok()) return source.status();
  auto lock = store::WriterLock::Acquire(index_dir, "restore");
  if (!lock.ok()) return lock.status();
  auto copy = copy_generation(*source, store::next_generation(index_dir));
  if (!copy.ok()) return copy.status();
  if (Status s = store::switch_generation(index_dir, copy->generation); !s.ok()) return s;
  return copy;
}

}  // namespace errkb
