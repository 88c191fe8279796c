// What the engine keeps per index generation (a Xapian database's uuid and revision), and how it is
// loaded: the code grammar of the catalogues, the rank records, the bitsets of the commonest words, the
// in-memory posting lists and the spelling dictionary. All but the grammar are mapped from the
// generation's tables file (schema.h: tables-<revision>.dat, written by the indexer after a rebuild or
// an update) when it describes the revision open; else they are built in the background from the
// index as it is then, while queries read the index directly, and the server writes the file for its
// next start. Answers worth keeping (code lookups, spellings, a passage's codes) are memoised for one
// generation.
#pragma once

#include <xapian.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "errkb/codes.h"
#include "errkb/engine.h"
#include "errkb/indexer.h"
#include "store/common_terms.h"
#include "store/flat_array.h"
#include "store/index_dir.h"
#include "store/passage_file.h"
#include "store/postings_in_memory.h"
#include "store/scan_plan.h"
#include "store/spelling.h"
#include "store/tables_file.h"

namespace errkb::store {

// The uuid and revision of a database: the key of everything kept per generation.
std::string generation_of(const Xapian::Database& db);

// One background job at a time: start() does nothing (and answers false) while a job runs. The
// destructor waits for the running job, so a runner must be declared after everything its jobs touch.
class BackgroundRunner {
 public:
  ~BackgroundRunner();
  bool start(std::function<void()> job);

 private:
  std::mutex mutex_;
  bool running_ = false;
  std::thread thread_;
};

// A table derived from the live index and valid for one key of it (its generation for the rank records
// and the spelling dictionary, its catalogue revision for the code grammar). Building reads the whole
// index, which takes long on a large one, so no worker waits for it: get() of another key starts a
// background build from the index as it is then, and answers nullptr until that is installed.
template <typename T>
class GenerationTable {
 public:
  using KeyOf = std::string (*)(const Xapian::Database&);
  // Builds from a database and the generation directory it is (for the files beside it).
  using Builder =
      std::function<std::shared_ptr<const T>(const Xapian::Database&, const std::filesystem::path&)>;
  GenerationTable(std::filesystem::path index_dir, KeyOf key_of, Builder build)
      : index_dir_(std::move(index_dir)), key_of_(key_of), build_(std::move(build)) {}

  std::shared_ptr<const T> get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (table_ && key_ == key) return table_;
    runner_.start([this] { build_in_background(); });
    return nullptr;
  }
  // The table of `key` if it is installed, without starting a build.
  std::shared_ptr<const T> peek(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    return table_ && key_ == key ? table_ : nullptr;
  }
  // The table installed last, whatever its key (nullptr before the first).
  std::shared_ptr<const T> latest() {
    std::lock_guard<std::mutex> lock(mutex_);
    return table_;
  }
  // Builds and installs the table of `db` (generation `generation`) on the calling thread.
  std::shared_ptr<const T> build_now(const Xapian::Database& db, const std::filesystem::path& generation) {
    std::shared_ptr<const T> table = build_(db, generation);
    install(table, key_of_(db));
    return table;
  }
  // How many tables have been installed: a holder of latest() compares it to see a newer one.
  uint64_t installs() const { return installs_.load(); }
  // Installs a table of `key` made elsewhere (mapped from a tables file).
  void install(std::shared_ptr<const T> table, std::string key) {
    std::lock_guard<std::mutex> lock(mutex_);
    table_ = std::move(table);
    key_ = std::move(key);
    installs_.fetch_add(1);
  }

 private:
  void build_in_background() {
    std::shared_ptr<const T> table;
    std::string key;
    try {
      auto generation = current_generation(index_dir_);  // the index as it is now
      if (!generation.ok()) return;
      Xapian::Database db(generation->string());
      key = key_of_(db);
      table = build_(db, *generation);
    } catch (const Xapian::Error&) {
      table.reset();  // the index switched under us (or vanished): the next get() asks again
    } catch (const std::exception&) {
      table.reset();
    }
    if (table) install(std::move(table), std::move(key));
  }

  const std::filesystem::path index_dir_;
  const KeyOf key_of_;
  const Builder build_;
  std::mutex mutex_;
  std::string key_;                 // guarded by mutex_
  std::shared_ptr<const T> table_;  // guarded by mutex_
  std::atomic<uint64_t> installs_{0};
  BackgroundRunner runner_;  // last: waits for its job before the rest goes
};

// A bounded map shared by all threads whose entries belong to one index generation (uuid and revision):
// a store from another generation drops the old entries, and a lookup from another generation misses.
template <typename V>
class GenerationMemo {
 public:
  explicit GenerationMemo(size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const V> find(const std::string& generation, const std::string& key) {
    if (capacity_ == 0) return nullptr;
    std::lock_guard lock(mutex_);
    if (generation == generation_)
      if (auto it = entries_.find(key); it != entries_.end()) {
        ++hits_;
        return it->second;
      }
    ++misses_;
    return nullptr;
  }

  void store(const std::string& generation, const std::string& key, std::shared_ptr<const V> value) {
    if (capacity_ == 0) return;
    std::lock_guard lock(mutex_);
    if (generation != generation_) {
      entries_.clear();
      generation_ = generation;
    }
    if (entries_.size() >= capacity_) entries_.clear();  // simpler than LRU; refills from the hot keys
    entries_.insert_or_assign(key, std::move(value));
  }

  CacheStats stats() {
    std::lock_guard lock(mutex_);
    return {hits_, misses_, entries_.size()};
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::string generation_;
  std::unordered_map<std::string, std::shared_ptr<const V>> entries_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

// The rank records (schema slot 20) of a generation in memory, by docid. Ranking reads one for every
// candidate, and from the index each is a B-tree lookup, usually a read from disk; in memory they are
// loaded in one pass over the value stream.
struct RankRecords {
  FlatArray<char> blob;
  FlatArray<uint64_t> offsets;  // record of docid d: blob[offsets[d], offsets[d + 1])
  std::string_view of(Xapian::docid did) const {
    if (static_cast<size_t>(did) + 1 >= offsets.size()) return {};
    return std::string_view(blob.data() + offsets[did], offsets[did + 1] - offsets[did]);
  }
  static std::shared_ptr<const RankRecords> load(const Xapian::Database& db);
  // As a tables file holds them (store/tables_file.h); read() maps them.
  void write(TablesWriter& out) const;
  static RankRecords read(TablesReader& in);
};

// The tables a generation's tables file holds, each nullptr when the file has none that the engine's
// options would build alike (another size limit, say): that one is built from the index.
struct TablesOfFile {
  std::shared_ptr<const RankRecords> rank_records;
  std::shared_ptr<const CommonTermBits> common_terms;
  std::shared_ptr<const PostingsInMemory> postings_in_memory;
  std::shared_ptr<const SpellingDictionary> spelling;
};

// Builds the tables of the database in `generation_dir` as an engine with `options` would, and writes
// them to its tables file (tables_file_path of its revision), removing the files of other revisions.
Status write_tables_file(const fs::path& generation_dir, const EngineOptions& options = {});
// The indexer's call after a rebuild or an update committed: the file with the default options, its
// time as the report's "tables file" phase. A failure is logged, not returned: without the file a
// server builds the tables from the index.
void write_tables_file(const fs::path& generation_dir, UpdateReport& report);
// After an update committed: the same on an index of at most kTablesFileUpdatePassages passages, when
// the revision has no file yet.
// Building the tables reads the whole index, which on a large one would be most of an update's time
// (seconds at a million passages, for a change of one file); there a running server, which builds
// the new revision's tables anyway, writes the file (GenerationTables), and a server started before
// one has builds them from the index and writes it.
inline constexpr uint64_t kTablesFileUpdatePassages = 10'000;
void write_tables_file_after_update(const fs::path& generation_dir, uint64_t passages, UpdateReport& report);
// The tables of `db` (in `generation_dir`) from its tables file: NotFound without one, Corruption when
// it is of another format, revision or generation, or damaged.
Result<TablesOfFile> read_tables_file(const Xapian::Database& db, const fs::path& generation_dir,
                                      const EngineOptions& options);

// The tables of the generations an engine serves, each loaded in the background when EngineOptions
// turns it on. An accessor answers nullptr while its table is off or loading: the caller then reads the
// index instead.
class GenerationTables {
 public:
  explicit GenerationTables(const EngineOptions& options);

  // One grammar per catalogue revision, shared by all threads. The first is taught before the engine
  // answers; a later revision (catalogues changed, or a rebuild) is taught in the background while
  // queries keep the previous grammar, and handles pick up the new one at their next query.
  std::shared_ptr<const CodeGrammar> grammar_for(const Xapian::Database& db,
                                                 const std::filesystem::path& dir);
  std::shared_ptr<const CodeGrammar> latest_grammar() { return grammars_.latest(); }
  uint64_t grammar_installs() const { return grammars_.installs(); }

  std::shared_ptr<const RankRecords> rank_records(const std::string& generation);
  std::shared_ptr<const CommonTermBits> common_terms(const std::string& generation);
  std::shared_ptr<const PostingsInMemory> postings_in_memory(const std::string& generation);
  std::shared_ptr<const SpellingDictionary> spelling(const std::string& generation);

  // Asks for each table of the generation that the options turn on (starting the loads of those
  // missing); true once every one is loaded.
  bool ready(const std::string& generation);
  // Where the tables of `generation` came from: "file" (its tables file), "index" (built from it), ""
  // while they load.
  std::string source(const std::string& generation);

 private:
  // The table of `generation`: until its tables file has been tried, only one already installed;
  // then built from the index when the file did not have it.
  template <typename T>
  std::shared_ptr<const T> table_of(GenerationTable<T>& table, const std::string& generation);
  // False until the tables file of `generation` has been tried (starting that in the background).
  bool file_tried(const std::string& generation);
  void load_file(const std::string& generation);
  // Writes the tables built from the index of `generation` as its tables file, for the next start.
  void save_file(const std::string& generation);

  const EngineOptions& options_;
  // Last: destroyed first, they wait for their jobs while everything those jobs use still exists.
  GenerationTable<CodeGrammar> grammars_;
  GenerationTable<RankRecords> rank_records_;
  GenerationTable<CommonTermBits> common_terms_;
  GenerationTable<PostingsInMemory> postings_in_memory_;
  GenerationTable<SpellingDictionary> spelling_;
  std::mutex file_mutex_;
  std::string file_tried_, file_trying_;  // the generations whose file was tried, is being tried
  std::string from_file_;                 // the generation whose tables came from its file
  std::string saved_;                     // the generation whose file this engine wrote or tried to
  BackgroundRunner file_runner_;          // last: its job uses everything above
};

// A calling thread's handle on the generation it has open: what a query reads. Xapian handles are not
// thread-safe, so each thread has its own (engine.cc).
struct GenerationHandle {
  Xapian::Database db;
  std::filesystem::path generation_dir;  // the generation `db` is on
  PassageFileReader passages;            // of generation_dir
  TermFreqs freqs;                       // of `generation`
  std::shared_ptr<const CodeGrammar> grammar;
  std::string generation;  // uuid and revision of `db`, the key of the generation memos
};

}  // namespace errkb::store
