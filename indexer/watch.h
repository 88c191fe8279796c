// errkb-indexer watch: follows the KB folders with inotify and runs a small update for each batch of
// changed files, so that an editor's save reaches the servers within a second.
#pragma once

#include <chrono>
#include <functional>

#include "errkb/indexer.h"

namespace errkb::indexer {

struct WatchOptions {
  IndexerOptions index;
  // A batch is updated once the KB folders were quiet this long after a change (an editor's save is
  // often several writes), and at the latest kMaxDelayFactor times as long after its first change.
  std::chrono::milliseconds quiet{50};
  bool quiet_output = false;  // no line for each batch
};
inline constexpr int kMaxDelayFactor = 10;

// Prints an update's summary (and its input errors); returns its exit status (0, 1 or 2).
using SummaryFn = std::function<int(const Result<UpdateReport>&, const char* verb)>;

// Runs until SIGINT or SIGTERM (exit status 0), or until the KB folders cannot be watched (2). Each
// batch takes and releases the index's writer lock: `update`, `rebuild` and a server's reindex jobs
// run between two batches; a batch that finds the lock taken waits for it.
int watch(const WatchOptions& options, const SummaryFn& summary);

}  // namespace errkb::indexer
