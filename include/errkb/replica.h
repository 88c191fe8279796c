// Read replicas: an errkb index that follows a primary's through Xapian's own replication
// (docs/deploy.md). The primary indexes with `replicable` on (IndexerOptions), which keeps a copy of
// the passage file inside the Xapian database; `xapian-replicate-server` serves its index directory.
// Each replica runs follow_primary_once() in a loop (`errkb-indexer follow`) and its errkb-server
// reads the replica's index directory as any other.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "errkb/status.h"

namespace errkb {

struct ReplicaOptions {
  std::filesystem::path index_dir;  // the replica's index directory, which its server opens
  std::string primary_host;         // where xapian-replicate-server runs
  int primary_port = 0;
  std::string primary_name = "current";  // the database's path below the server's folder: the stub
  std::string replicate_program = "xapian-replicate";
};

struct ReplicaRound {
  bool switched = false;  // a new generation went live in this round
  std::string uuid;       // the primary's database, as the replica now serves it
  uint64_t revision = 0;
  std::filesystem::path generation;  // the live generation of the replica
};

// One round: fetches the primary's changes into DIR/replica with `xapian-replicate --one-shot`; when
// they make a revision the replica does not serve yet, copies it and its passages into a new
// generation, checks that the generation is that revision whole, and switches DIR/current to it.
// Until then the previous generation is served. Unavailable when the primary cannot be reached.
Result<ReplicaRound> follow_primary_once(const ReplicaOptions& options);

}  // namespace errkb
