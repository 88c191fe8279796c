// Engine: the read side over one index directory (engine.h). One Xapian handle per calling thread,
// opened on the generation the stub names, reopened when the index changes, a query retried once when
// the index changed under it. What a query does is in answers.h.
#include "errkb/engine.h"

#include <sys/stat.h>
#include <xapian.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "errkb/schema.h"
#include "store/answers.h"
#include "store/generation.h"
#include "store/index_dir.h"
#include "store/xapian_status.h"

namespace errkb {

namespace fs = std::filesystem;

namespace {

// Identity of the stub file: a rebuild renames a new stub over it.
struct StubId {
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  bool operator==(const StubId&) const = default;
};

StubId stat_stub(const fs::path& stub) {
  struct stat st {};
  if (::stat(stub.c_str(), &st) != 0) return {};
  return {st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

int schema_version_of(const Xapian::Database& db) {
  return std::atoi(db.get_metadata(std::string(schema::kMetaSchemaVersion)).c_str());
}

Status check_version(const Xapian::Database& db) {
  const int v = schema_version_of(db);
  if (v > schema::kSchemaVersion)
    return Status::VersionMismatch("index schema version " + std::to_string(v) +
                                   " is newer than this program's " + std::to_string(schema::kSchemaVersion) +
                                   "; upgrade errkb");
  if (v < schema::kSchemaVersion)
    return Status::VersionMismatch("index schema version " + std::to_string(v) +
                                   " is older than this program's " + std::to_string(schema::kSchemaVersion) +
                                   "; run errkb-indexer rebuild");
  return Status::OK();
}

}  // namespace

class XapianEngine final : public Engine {
 public:
  explicit XapianEngine(EngineOptions options) : options_(std::move(options)) {}

  Status open_check() {
    auto h = handle();
    if (!h.ok()) return h.status();
    return Status::OK();
  }

  Result<SearchResponse> search(const SearchRequest& r) override {
    return guarded<SearchResponse>(
        [&](Handle& h) -> Result<SearchResponse> { return answers_.search(h, r); });
  }
  Result<CodeLookup> lookup_code(const std::string& code, const std::string& vendor) override {
    return guarded<CodeLookup>([&](Handle& h) { return answers_.lookup_code(h, code, vendor); });
  }
  Result<Diagnosis> diagnose(const DiagnoseRequest& r) override {
    return guarded<Diagnosis>([&](Handle& h) -> Result<Diagnosis> { return answers_.diagnose(h, r); });
  }
  Result<IndexInfo> info() override {
    return guarded<IndexInfo>([&](Handle& h) -> Result<IndexInfo> {
      IndexInfo info;
      info.path = options_.index_dir.string();
      info.revision = h.db.get_revision();
      info.documents = h.db.get_doccount();
      info.schema_version = schema_version_of(h.db);
      info.reopen_count = reopens_.load();
      info.warm = tables_.ready(h.generation);
      info.tables_source = tables_.source(h.generation);
      info.code_cache = answers_.code_cache_stats();
      info.spelling_memo = answers_.spelling_stats();
      std::istringstream folders(h.db.get_metadata(std::string(schema::kMetaKbDirs)));
      for (std::string dir; std::getline(folders, dir);) info.kb_dirs.push_back(dir);
      if (auto postings = tables_.postings_in_memory(h.generation))
        info.prose_postings_bytes = postings->bytes();
      return info;
    });
  }
  Result<std::vector<CodeOccurrence>> find_codes(const std::string& text,
                                                 const std::string& vendor) override {
    return guarded<std::vector<CodeOccurrence>>([&](Handle& h) -> Result<std::vector<CodeOccurrence>> {
      return h.grammar->find_codes(text, {vendor, ""});
    });
  }
  void invalidate() override { epoch_.fetch_add(1); }

 private:
  // A thread's handle, and when it last looked whether the index changed.
  struct Handle : store::GenerationHandle {
    uint64_t epoch = 0;
    StubId stub;
    std::chrono::steady_clock::time_point checked;  // when the stub and the revision were last looked at
    uint64_t grammar_installs = 0;                  // tables_.grammar_installs() when `grammar` was taken
    bool open = false;
  };

  // Runs `fn` on this thread's handle; a DatabaseModifiedError reopens and retries once.
  template <typename T, typename Fn>
  Result<T> guarded(Fn&& fn) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto h = handle();
      if (!h.ok()) return h.status();
      try {
        return fn(**h);
      } catch (const Xapian::DatabaseModifiedError&) {
        (*h)->open = false;  // reopen on the retry
        reopens_.fetch_add(1);
      } catch (const Xapian::Error& e) {
        (*h)->open = false;
        return store::to_status(e, options_.index_dir);
      } catch (const std::exception& e) {
        return Status::Internal(e.what());
      }
    }
    return Status::Unavailable("the index kept changing during the query; try again");
  }

  Handle& this_thread_handle() {
    std::lock_guard<std::mutex> lock(handles_mutex_);
    auto& slot = handles_[std::this_thread::get_id()];
    if (!slot) slot = std::make_unique<Handle>();
    return *slot;
  }

  // This thread's handle, on the index as it is now: reopened when the stub names another generation or
  // the database has a new revision, looked at no more often than options_.change_check_interval unless
  // invalidate() was called.
  Result<Handle*> handle() {
    Handle* h = &this_thread_handle();
    try {
      const uint64_t epoch = epoch_.load();
      if (h->open && h->grammar_installs != tables_.grammar_installs()) {
        // A background teacher installed the grammar of the latest index.
        h->grammar_installs = tables_.grammar_installs();
        h->grammar = tables_.latest_grammar();
      }
      const auto now = std::chrono::steady_clock::now();
      if (h->open && h->epoch == epoch && now - h->checked < options_.change_check_interval) return h;
      h->checked = now;
      const StubId stub = stat_stub(store::stub_path(options_.index_dir));
      if (!h->open || !(stub == h->stub)) {
        if (Status s = open_generation(*h, stub, epoch); !s.ok()) return s;
      } else if (h->db.reopen() || h->epoch != epoch) {
        // reopen() picked up a new revision (an update committed): the catalogues may have changed too.
        h->epoch = epoch;
        reopens_.fetch_add(1);
        adopt_revision(*h);
      }
    } catch (const Xapian::Error& e) {
      h->open = false;
      return store::to_status(e, options_.index_dir);
    } catch (const std::exception& e) {  // the grammar's passage file could not be read
      h->open = false;
      return Status::IOError(std::string(e.what()) + " (" + options_.index_dir.string() + ")");
    }
    return h;
  }

  // Opens the generation the stub names, by its path: its passage file is beside it.
  Status open_generation(Handle& h, const StubId& stub, uint64_t epoch) {
    if (stub.inode == 0)
      return Status::NotFound("no index at " + options_.index_dir.string() + " (run errkb-indexer update)");
    auto generation = store::current_generation(options_.index_dir);
    if (!generation.ok()) return generation.status();
    h.db = Xapian::Database(generation->string());
    if (Status s = check_version(h.db); !s.ok()) return s;
    if (Status s = h.passages.open(*generation / schema::kPassageFileName); !s.ok()) return s;
    h.generation_dir = *generation;
    if (h.open) reopens_.fetch_add(1);
    h.open = true;
    h.stub = stub;
    h.epoch = epoch;
    adopt_revision(h);
    return Status::OK();
  }

  // The grammar, generation and in-memory tables of the revision `h.db` has just opened.
  void adopt_revision(Handle& h) {
    h.grammar_installs = tables_.grammar_installs();
    h.grammar = tables_.grammar_for(h.db, h.generation_dir);
    h.generation = store::generation_of(h.db);
    h.freqs.clear();
    // The in-memory tables start loading as soon as a worker opens a generation, not at the first
    // query that needs them.
    tables_.ready(h.generation);
  }

  EngineOptions options_;
  std::mutex handles_mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<Handle>> handles_;
  std::atomic<uint64_t> epoch_{0};
  std::atomic<uint64_t> reopens_{0};
  // Last: destroyed first, their background loads finish while the options they read still exist.
  store::GenerationTables tables_{options_};
  store::Answers answers_{tables_, options_};
};

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  auto engine = std::make_unique<XapianEngine>(options);
  if (Status s = engine->open_check(); !s.ok()) return s;
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace errkb
