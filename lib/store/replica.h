// Read replicas, the primary's side: the passage file copied into the Xapian database.
//
// Xapian's replication (xapian-replicate-server, xapian-replicate) carries a database's tables, not the
// files errkb keeps beside them, and a replica's copy changes in place as changesets arrive. So a
// replicable index keeps the bytes of passages.dat in metadata (schema.h: errkb:passages:<offset>,
// and errkb:passages_size, the bytes the revision refers to), written in the same commit as the
// documents that point into them: every revision a replica receives carries all its passages. The
// follower (errkb/replica.h) rebuilds passages.dat from them into a generation of its own.
//
// Why not replicate passages.dat some other way: then a replica would need a second transfer, and
// a check that its file and its revision belong together; inside the database, Xapian's commit is
// that check. The cost is the passages a second time on the primary's disk (about a third of the
// index) and their write at each commit.
#pragma once

#include <xapian.h>

#include <filesystem>

#include "errkb/status.h"

namespace errkb::store {

bool is_replicable(const Xapian::Database& db);

// Turns the copy on (from offset 0 at the next mirror_passages) or off (the copy is deleted).
void set_replicable(Xapian::WritableDatabase& db, bool on);

// Before a commit of a replicable index, once `passage_file` is flushed: copies its bytes past
// errkb:passages_size into metadata and moves the stamp to its end. Nothing for other indexes.
Status mirror_passages(Xapian::WritableDatabase& db, const std::filesystem::path& passage_file);

}  // namespace errkb::store
