// The write side: the update protocol over one or more KB folders.
//
// update:  for every KB file, skip it when size+mtime+signature are unchanged; otherwise read it and,
//          per item, skip an unchanged signature, replace all passages of a changed item, add new ones.
//          Only after a complete pass are items that were not seen deleted (files that disappeared,
//          entries removed from a catalogue) — except items of files read with errors, which keep
//          their indexed version.
// rebuild: builds a fresh index beside the live one (parallel shards, compacted into one) and
//          switches atomically; a failed rebuild leaves the old index serving.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "errkb/record.h"
#include "errkb/status.h"

namespace errkb {

struct IndexerOptions {
  std::vector<std::filesystem::path> kb_dirs;  // KB folders (articles/ forums/ catalogues/ synonyms.txt)
  std::filesystem::path index_dir;             // the live index path readers open
  bool strict = false;            // any rejected input fails the run and leaves the index untouched
  int threads = 0;                // rebuild shards; 0 = number of cores
  size_t batch_passages = 20000;  // passages per commit during update
  // Keep a copy of the passage file inside the Xapian database, so that read replicas can follow the
  // index with Xapian's replication (errkb/replica.h). Unset: as the index is (a rebuild: as the live one).
  std::optional<bool> replicable;
  // Update only: the files and folders (absolute, below a KB folder) that changed since the last run
  // (errkb-indexer watch); the rest of the KB is taken as it was. A path that no longer exists removes
  // what was indexed from it. Empty: every file of the KB folders is looked at.
  std::vector<std::filesystem::path> only_paths;
};

struct UpdateReport {
  size_t files_seen = 0;
  size_t files_skipped = 0;  // unchanged by size/mtime/signature
  size_t items_added = 0;
  size_t items_updated = 0;
  size_t items_removed = 0;
  size_t items_unchanged = 0;
  size_t items_kept_after_error = 0;  // old versions kept because their file had errors
  size_t files_rejected = 0;          // files with at least one input error
  size_t passages_written = 0;
  std::vector<InputError> errors;
  std::chrono::milliseconds elapsed{0};
  uint64_t revision = 0;  // index revision after the run
  // Where the time went, in order ("read catalogues", "build shards", "compact", ...): seconds.
  std::vector<std::pair<std::string, double>> phases;
};

struct IndexProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  size_t passages_written = 0;
  std::string current;  // file being read
};
using ProgressFn = std::function<void(const IndexProgress&)>;

// What one process keeps between its updates of one index (errkb-indexer watch): the code grammar
// taught from the index's catalogues. An update reuses it while the index's catalogues are as the
// last update left them, and adds what it reads from changed catalogue files; after an entry was
// changed or removed (or another writer changed the catalogues) the next update teaches it afresh.
class UpdateCache {
 public:
  UpdateCache();
  ~UpdateCache();
  UpdateCache(const UpdateCache&) = delete;
  UpdateCache& operator=(const UpdateCache&) = delete;
  // Teaches the grammar now when the next update would have to: between two updates, so that the
  // next one does not wait for it.
  Status prepare(const IndexerOptions& options);
  struct State;
  std::unique_ptr<State> state;
};

Result<UpdateReport> update_index(const IndexerOptions& options, const ProgressFn& progress = {});
// The same, keeping `cache` between the updates of one process.
Result<UpdateReport> update_index_cached(const IndexerOptions& options, UpdateCache& cache,
                                         const ProgressFn& progress = {});
Result<UpdateReport> rebuild_index(const IndexerOptions& options, const ProgressFn& progress = {});

// A rebuild's shards commit every this many passages (store/update.cc says why).
inline constexpr size_t kRebuildPassagesPerCommit = 1000;

// Makes the calling thread `by` nicer (up to 19); the threads it starts afterwards inherit it. Indexing
// on a machine that also serves queries then takes the cores the server leaves idle. Used by
// errkb-indexer --nice and by the server's reindex jobs. A refusal (a sandbox) only costs priority.
Status run_nicer(int by);

// The generation directory that the index's stub (DIR/current) points readers at; NotFound when DIR
// has no stub.
Result<std::filesystem::path> live_generation(const std::filesystem::path& index_dir);

// A copy of an index's live generation.
struct IndexCopy {
  std::filesystem::path generation;  // the copy's generation folder
  uint64_t revision = 0;             // the same as the original's
  uint64_t documents = 0;
};

// Copies the live generation of the index at `index_dir` into `dest`, a new index folder of its own
// (DEST/current and one generation) that a server or restore_index can open. Holds the index's writer
// lock meanwhile: no update or rebuild writes (Locked while one runs), and servers go on reading.
Result<IndexCopy> backup_index(const std::filesystem::path& index_dir, const std::filesystem::path& dest);
// Makes the index in `backup` (as backup_index writes it) the live index at `index_dir`, new or not:
// copied in as its next generation and switched to atomically, as a rebuild is; servers on it reopen.
Result<IndexCopy> restore_index(const std::filesystem::path& backup, const std::filesystem::path& index_dir);

}  // namespace errkb
