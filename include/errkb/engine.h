// The read side: search, code lookup and diagnosis over an index, for any number of threads.
//
// Engine is thread-safe. Internally every calling thread gets its own Xapian database handle
// (Xapian handles are not thread-safe); when the index changes (an update commits, or a rebuild
// switches the stub), each handle reopens before its next query, and a DatabaseModifiedError is
// answered by reopening and retrying once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "errkb/answers.h"
#include "errkb/codes.h"
#include "errkb/options.h"
#include "errkb/status.h"

namespace errkb {

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t entries = 0;
};

struct IndexInfo {
  std::string path;
  uint64_t revision = 0;
  uint64_t documents = 0;
  int schema_version = 0;
  uint64_t reopen_count = 0;
  // The open revision's in-memory tables (rank records, spelling dictionary) are loaded: until then
  // queries are answered, reading from the index instead (a large index takes seconds after a start).
  bool warm = false;
  // Where the open revision's in-memory tables came from: "file" (mapped from the tables file the
  // indexer or an earlier server wrote beside the index), "index" (built from it), "" while loading.
  std::string tables_source;
  CacheStats code_cache;  // EngineOptions::code_cache_readings
  // Memory of the open revision's in-memory posting lists (EngineOptions::prose_postings_bytes); 0 while
  // they load, when off, or when they would need more than allowed.
  uint64_t prose_postings_bytes = 0;
  CacheStats spelling_memo;          // EngineOptions::spelling_memo_words
  std::vector<std::string> kb_dirs;  // the KB folders the last update or rebuild read
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  virtual ~Engine() = default;

  virtual Result<SearchResponse> search(const SearchRequest& request) = 0;
  virtual Result<CodeLookup> lookup_code(const std::string& code, const std::string& vendor) = 0;
  virtual Result<Diagnosis> diagnose(const DiagnoseRequest& request) = 0;
  virtual Result<IndexInfo> info() = 0;
  // The codes in `text` as the index's grammar reads them (built-in families plus every loaded catalogue).
  virtual Result<std::vector<CodeOccurrence>> find_codes(const std::string& text,
                                                         const std::string& vendor) = 0;
  // Makes every thread's handle reopen before its next query (after an update or a switch).
  virtual void invalidate() = 0;
};

}  // namespace errkb
