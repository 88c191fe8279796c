// The update protocol and the parallel rebuild (indexer.h). Writers hold WriterLock for the whole run.
#include <sys/resource.h>
#include <unistd.h>
#include <xapian.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "errkb/indexer.h"
#include "errkb/ingest.h"
#include "errkb/schema.h"
#include "store/catalogue_codes.h"
#include "store/documents.h"
#include "store/index_dir.h"
#include "store/replica.h"
#include "store/stopwords.h"
#include "store/xapian_status.h"

namespace errkb {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Times the phases of a run into UpdateReport::phases: done(phase) books the time since the last
// done() to `phase`, added to its earlier time when a phase comes back (an update's file pass is
// interrupted once to teach the grammar).
class PhaseClock {
 public:
  explicit PhaseClock(UpdateReport& report) : report_(report) {}
  void done(std::string_view phase) {
    auto now = Clock::now();
    const double seconds = std::chrono::duration<double>(now - start_).count();
    start_ = now;
    for (auto& [name, total] : report_.phases)
      if (name == phase) return void(total += seconds);
    report_.phases.emplace_back(phase, seconds);
  }

 private:
  UpdateReport& report_;
  Clock::time_point start_ = Clock::now();
};

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string file_state_key(const KbFile& f) {
  std::string path = f.path.string();
  return std::string(schema::kMetaFilePrefix) + hex64(XXH3_64bits(path.data(), path.size()));
}

// What the index remembers about one KB file (metadata errkb:file:<hash>).
struct FileState {
  std::string path;
  uintmax_t size = 0;
  int64_t mtime_ns = 0;
  bool complete = true;
  std::vector<std::string> items;
};

std::string encode_state(const FileState& s) {
  // A file name need not be UTF-8: the state keeps it readable rather than failing to encode it.
  return json{{"path", s.path}, {"size", s.size}, {"mtime", s.mtime_ns}, {"complete", s.complete}, {"items", s.items}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

bool decode_state(const std::string& text, FileState& s) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  s.path = j.value("path", std::string());
  s.size = j.value("size", uintmax_t{0});
  s.mtime_ns = j.value("mtime", int64_t{0});
  s.complete = j.value("complete", true);
  s.items = j.value("items", std::vector<std::string>());
  return true;
}

struct AllFiles {
  std::vector<KbFile> files;
  std::vector<fs::path> unread_folders;  // what was indexed from files below them is kept

  // Whether the file at `path` (as a FileState holds it) lies below a folder that could not be listed.
  bool unread(const std::string& path) const {
    for (const fs::path& folder : unread_folders) {
      const std::string prefix = folder.string() + "/";
      if (path.compare(0, prefix.size(), prefix) == 0) return true;
    }
    return false;
  }
};

// Every KB file of every KB folder; catalogues first so the code grammar knows their codes before
// articles and threads are read. Folders that could not be listed are reported in `report`.
Result<AllFiles> list_all_files(const IndexerOptions& options, UpdateReport& report) {
  AllFiles all;
  for (const auto& dir : options.kb_dirs) {
    auto listing = list_kb_folder(dir);
    if (!listing.ok()) return listing.status();
    for (auto& f : listing->files) all.files.push_back(std::move(f));
    for (auto& e : listing->errors) report.errors.push_back(std::move(e));
    for (auto& folder : listing->unread_folders) all.unread_folders.push_back(std::move(folder));
  }
  std::stable_partition(all.files.begin(), all.files.end(),
                        [](const KbFile& f) { return f.kind == SourceKind::kCatalogue; });
  return all;
}

struct SynonymsLoad {
  std::vector<SynonymGroup> groups;
  std::string signature;
  bool complete = true;  // false: a synonyms file could not be read as text; the indexed synonyms stay
};

SynonymsLoad load_synonyms(const IndexerOptions& options, UpdateReport& report) {
  SynonymsLoad out;
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  // How write_synonyms() lays them out: a new layout changes the signature, so the next update
  // rewrites the table of an index written by an earlier version.
  constexpr std::string_view kLayout = "synonyms as Z-stems under raw and Z-stem keys";
  XXH3_64bits_update(state, kLayout.data(), kLayout.size());
  for (const auto& dir : options.kb_dirs) {
    fs::path file = dir / "synonyms.txt";
    std::ifstream in(file, std::ios::binary);
    if (!in) continue;
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    XXH3_64bits_update(state, text.data(), text.size());
    auto parsed = read_synonyms("synonyms.txt", text);
    for (auto& e : parsed.errors) {
      e.path = (dir / e.path).string();
      report.errors.push_back(std::move(e));
    }
    for (auto& g : parsed.groups) out.groups.push_back(std::move(g));
    out.complete = out.complete && parsed.complete;
  }
  out.signature = hex64(XXH3_64bits_digest(state));
  XXH3_freeState(state);
  return out;
}

// Synonyms go in under the unstemmed word and under its Z-stem for each stemmer the KB uses, so that
// QueryParser's auto-synonyms find them whatever stemming the query gets; the synonyms themselves as
// Z-stems, the only form of prose the index holds. (QueryParser looks a word up unstemmed first and
// takes what it finds as it is: an unstemmed synonym, "refused" for "declined", matched nothing.)
void write_synonyms(Xapian::WritableDatabase& db, const std::vector<SynonymGroup>& groups) {
  std::vector<std::string> old_keys(db.synonym_keys_begin(), db.synonym_keys_end());
  for (const auto& key : old_keys) db.clear_synonyms(key);
  const Xapian::Stem* stemmers[] = {&store::stemmer_for("en"), &store::stemmer_for("ro"), &store::stemmer_for("it"),
                                    &store::stemmer_for("ru")};
  for (const auto& g : groups) {
    std::vector<std::string> words{g.term};
    words.insert(words.end(), g.synonyms.begin(), g.synonyms.end());
    for (const auto& key : words) {
      if (key.find(' ') != std::string::npos) continue;
      for (const auto& syn : words) {
        if (syn == key || syn.find(' ') != std::string::npos) continue;
        for (const Xapian::Stem* stem : stemmers) {
          db.add_synonym(key, "Z" + (*stem)(syn));
          db.add_synonym("Z" + (*stem)(key), "Z" + (*stem)(syn));
        }
      }
    }
  }
}

// The synonyms table of `from`, and its signature, into `to` (a rebuild that cannot read synonyms.txt).
void copy_synonyms(const Xapian::Database& from, Xapian::WritableDatabase& to) {
  for (auto key = from.synonym_keys_begin(); key != from.synonym_keys_end(); ++key)
    for (auto syn = from.synonyms_begin(*key); syn != from.synonyms_end(*key); ++syn) to.add_synonym(*key, *syn);
  to.set_metadata(std::string(schema::kMetaSynonymsSig), from.get_metadata(std::string(schema::kMetaSynonymsSig)));
}

// Written only when they differ: an update that changed nothing then commits nothing, and servers
// have no new revision to reopen.
void write_header_metadata(Xapian::WritableDatabase& db, const std::vector<fs::path>& kb_dirs) {
  std::string folders;
  for (const auto& dir : kb_dirs) folders += fs::absolute(dir).lexically_normal().string() + "\n";
  const std::pair<std::string, std::string> header[] = {
      {std::string(schema::kMetaSchemaVersion), std::to_string(schema::kSchemaVersion)},
      {std::string(schema::kMetaFeatures), std::string(schema::kFeatures)},
      {std::string(schema::kMetaKbDirs), folders},
  };
  for (const auto& [key, value] : header)
    if (db.get_metadata(key) != value) db.set_metadata(key, value);
}

Status check_schema(const Xapian::Database& db, const fs::path& where) {
  std::string v = db.get_metadata(std::string(schema::kMetaSchemaVersion));
  if (v.empty()) return Status::OK();  // empty, just created
  int version = std::atoi(v.c_str());
  if (version > schema::kSchemaVersion)
    return Status::VersionMismatch("index " + where.string() + " has schema version " + v +
                                   ", newer than this program's " + std::to_string(schema::kSchemaVersion) +
                                   "; upgrade errkb or rebuild the index");
  if (version < schema::kSchemaVersion)
    return Status::VersionMismatch("index " + where.string() + " has old schema version " + v +
                                   "; run errkb-indexer rebuild");
  return Status::OK();
}

void bump_catalogue_rev(Xapian::WritableDatabase& db) {
  std::string cur = db.get_metadata(std::string(schema::kMetaCatalogueRev));
  db.set_metadata(std::string(schema::kMetaCatalogueRev), std::to_string(std::atoll(cur.c_str()) + 1));
}

// Teaches `grammar` a catalogue file's pattern and codes. A pattern it refuses is the file's error, at
// the pattern's line, and is dropped (never stored): the entries are indexed without it, and the file,
// incomplete, is read again by the next run, which says so again.
void teach_from_result(CodeGrammar& grammar, FileReadResult& r) {
  if (!r.code_pattern.empty()) {
    if (Status s = grammar.add_vendor_pattern(r.catalogue_vendor, r.code_pattern); !s.ok()) {
      r.errors.push_back({"", r.code_pattern_line, "code_pattern: " + s.message()});
      r.complete = false;
      r.code_pattern.clear();
    }
  }
  for (const auto& item : r.items)
    for (const auto& p : item.passages)
      if (p.kind == SourceKind::kCatalogue)
        for (const auto& code : p.codes) grammar.add_catalogue_code(store::catalogue_code_of(p, code));
}

void store_patterns(Xapian::WritableDatabase& db, const FileReadResult& r) {
  if (!r.code_pattern.empty() && !r.catalogue_vendor.empty())
    db.set_metadata(std::string(schema::kMetaPatternPrefix) + store::lower_ascii(r.catalogue_vendor), r.code_pattern);
}

// Which catalogue file defines each entry in a run. The same vendor and code in a second file (in
// path order) is that file's error: one definition is indexed, never two, and deleting the second
// file cannot take the first's entry with it.
class CatalogueOwners {
 public:
  // True when `uid` is free or `rel`'s already; else the clash is reported into `report`.
  bool claim(const std::string& uid, const std::string& rel, UpdateReport& report) {
    if (uid.rfind(kPrefix, 0) != 0) return true;
    auto [it, fresh] = owner_.emplace(uid, rel);
    if (fresh || it->second == rel) return true;
    report.errors.push_back({rel, 0, "entry " + uid.substr(kPrefix.size()) + " is also defined in " + it->second +
                                         ", whose definition is indexed"});
    return false;
  }
  // Drops from `r` the entries another file defines; `r` is then incomplete.
  void claim_all(FileReadResult& r, const std::string& rel, UpdateReport& report) {
    const size_t before = r.items.size();
    std::erase_if(r.items, [&](const Item& item) { return !claim(item.uid, rel, report); });
    if (r.items.size() != before) r.complete = false;
  }
  bool owned_by_other(const std::string& uid, const std::string& rel) const {
    auto it = owner_.find(uid);
    return it != owner_.end() && it->second != rel;
  }

 private:
  static constexpr std::string_view kPrefix = "catalogue:";
  std::unordered_map<std::string, std::string> owner_;
};

void record_errors(const KbFile& f, FileReadResult& r, UpdateReport& report) {
  for (auto& e : r.errors) {
    if (e.path.empty()) e.path = f.rel;
    report.errors.push_back(e);
  }
  if (!r.errors.empty()) ++report.files_rejected;
}


// -------- incremental update --------

class Updater {
 public:
  Updater(const IndexerOptions& o, const ProgressFn& p, Xapian::WritableDatabase& db,
          store::PassageFileWriter& passages)
      : options_(o), progress_(p), db_(db), passages_(passages) {}

  Status run(UpdateReport& report) {
    PhaseClock phases(report);
    auto listing = list_all_files(options_, report);
    if (!listing.ok()) return listing.status();
    const std::vector<KbFile>* files = &listing->files;
    report.files_seen = files->size();

    std::unordered_set<std::string> live_paths;
    std::unordered_set<std::string> seen_items;
    std::vector<std::string> candidates_for_deletion;
    bool catalogue_changed = false;
    size_t done = 0;
    store::DocumentBuilder builder(grammar_, /*learn_spelling=*/true, passages_);
    size_t since_commit = 0;

    for (const auto& f : *files) {
      std::string key = file_state_key(f);
      live_paths.insert(key);
      FileState old;
      bool had_state = decode_state(db_.get_metadata(key), old);
      if (progress_) progress_({done, files->size(), report.passages_written, f.rel});
      ++done;
      if (f.unread) {  // reported by the listing; what was indexed from it stays
        seen_items.insert(old.items.begin(), old.items.end());
        report.items_kept_after_error += old.items.size();
        continue;
      }
      if (had_state && old.complete && old.size == f.size && old.mtime_ns == f.mtime_ns) {
        ++report.files_skipped;
        for (const auto& uid : old.items) {
          (void)catalogue_owners_.claim(uid, f.rel, report);
          seen_items.insert(uid);
        }
        report.items_unchanged += old.items.size();
        continue;
      }
      teach_grammar_once(phases);
      FileReadResult r = read_kb_file(f);
      if (f.kind == SourceKind::kCatalogue) {
        catalogue_owners_.claim_all(r, f.rel, report);
        teach_from_result(grammar_, r);
        store_patterns(db_, r);
      }
      record_errors(f, r, report);
      FileState now{f.path.string(), f.size, f.mtime_ns, r.complete && r.errors.empty(), {}};
      std::unordered_set<std::string> in_this_file;
      for (const auto& item : r.items) {
        if (!in_this_file.insert(item.uid).second) continue;
        seen_items.insert(item.uid);
        now.items.push_back(item.uid);
        std::string item_term = store::bounded_term(std::string(schema::kItemPrefix) + item.uid);
        auto pl = db_.postlist_begin(item_term);
        bool exists = pl != db_.postlist_end(item_term);
        if (exists && db_.get_document(*pl).get_value(schema::kSlotSignature) == item.signature) {
          ++report.items_unchanged;
          continue;
        }
        if (exists) {
          db_.delete_document(item_term);
          ++report.items_updated;
        } else {
          ++report.items_added;
        }
        if (f.kind == SourceKind::kCatalogue) catalogue_changed = true;
        for (const auto& p : item.passages) {
          db_.add_document(builder.build(item, p));
          ++report.passages_written;
          ++since_commit;
        }
      }
      if (had_state) {
        for (const auto& uid : old.items) {
          if (in_this_file.count(uid) || catalogue_owners_.owned_by_other(uid, f.rel)) continue;
          if (!now.complete) {
            // The file could not be read whole: keep what was indexed from it.
            seen_items.insert(uid);
            now.items.push_back(uid);
            ++report.items_kept_after_error;
          } else {
            candidates_for_deletion.push_back(uid);
          }
        }
      }
      db_.set_metadata(key, encode_state(now));
      if (!options_.strict && since_commit >= options_.batch_passages) {
        builder.flush_spelling(db_);
        // The passages' records on disk before the commit that makes their documents visible.
        if (Status s = passages_.flush(/*sync=*/true); !s.ok()) return s;
        if (Status s = store::mirror_passages(db_, passages_.path()); !s.ok()) return s;
        db_.commit();
        since_commit = 0;
      }
    }

    builder.flush_spelling(db_);
    phases.done("files");

    // Files that disappeared: their items are candidates too. Only now, after a complete pass.
    std::vector<std::string> vanished_keys;
    for (auto it = db_.metadata_keys_begin(std::string(schema::kMetaFilePrefix));
         it != db_.metadata_keys_end(std::string(schema::kMetaFilePrefix)); ++it) {
      if (live_paths.count(*it)) continue;
      FileState old;
      const bool decoded = decode_state(db_.get_metadata(*it), old);
      if (decoded && listing->unread(old.path)) {
        // Not vanished: below a folder that could not be listed this time.
        seen_items.insert(old.items.begin(), old.items.end());
        report.items_kept_after_error += old.items.size();
        continue;
      }
      if (decoded) candidates_for_deletion.insert(candidates_for_deletion.end(), old.items.begin(), old.items.end());
      vanished_keys.push_back(*it);
    }
    for (const auto& k : vanished_keys) db_.set_metadata(k, "");
    for (const auto& uid : candidates_for_deletion) {
      if (seen_items.count(uid)) continue;  // moved to another file
      std::string item_term = store::bounded_term(std::string(schema::kItemPrefix) + uid);
      if (db_.term_exists(item_term)) {
        if (uid.rfind("catalogue:", 0) == 0) catalogue_changed = true;
        db_.delete_document(item_term);
        ++report.items_removed;
      }
      seen_items.insert(uid);
    }

    SynonymsLoad syn = load_synonyms(options_, report);
    if (syn.complete && db_.get_metadata(std::string(schema::kMetaSynonymsSig)) != syn.signature) {
      write_synonyms(db_, syn.groups);
      db_.set_metadata(std::string(schema::kMetaSynonymsSig), syn.signature);
    }
    if (catalogue_changed) bump_catalogue_rev(db_);
    write_header_metadata(db_, options_.kb_dirs);
    phases.done("deletions and synonyms");
    if (progress_) progress_({done, files->size(), report.passages_written, ""});
    return Status::OK();
  }

 private:
  // The grammar learns the indexed catalogues (at 1M passages, 400,000 entries: most of an update's
  // time) only when a changed file is to be read: an update that finds nothing changed skips it. It
  // learns them before this run writes anything, as the index was.
  void teach_grammar_once(PhaseClock& phases) {
    if (grammar_taught_) return;
    phases.done("files");
    // The writer opened (or created) the file: it can be read.
    store::PassageFileReader passages;
    if (Status s = passages.open(passages_.path()); s.ok()) store::teach_grammar_from_index(db_, passages, grammar_);
    phases.done("teach grammar");
    grammar_taught_ = true;
  }

  const IndexerOptions& options_;
  const ProgressFn& progress_;
  Xapian::WritableDatabase& db_;
  store::PassageFileWriter& passages_;
  CodeGrammar grammar_;
  bool grammar_taught_ = false;
  CatalogueOwners catalogue_owners_;
};

// -------- parallel rebuild --------

// Calls fn(i) for i in [0, n) on `threads` threads. An exception thrown by fn stops the remaining
// calls and is rethrown here, on the caller's thread, after every thread has ended (escaping a
// thread, it would end the process).
template <typename Fn>
void run_in_parallel(unsigned threads, size_t n, Fn fn) {
  std::atomic<size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto work = [&] {
    try {
      for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    } catch (...) {
      next = n;
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

struct ShardOutput {
  std::vector<std::pair<std::string, std::string>> file_states;  // key -> encoded state
  UpdateReport report;
  Status status;
};

class Rebuilder {
 public:
  Rebuilder(const IndexerOptions& o, const ProgressFn& p) : options_(o), progress_(p) {}

  Status run(UpdateReport& report) {
    PhaseClock phases(report);
    auto listing = list_all_files(options_, report);
    if (!listing.ok()) return listing.status();
    files_ = std::move(listing->files);
    report.files_seen = files_.size();

    // The live generation, if any: items of files that now fail to read are copied from it.
    if (auto cur = store::current_generation(options_.index_dir); cur.ok()) {
      try {
        old_db_ = std::make_unique<Xapian::Database>(cur->string());
        if (!old_passages_.open(*cur / schema::kPassageFileName).ok()) old_db_.reset();
      } catch (const Xapian::Error&) {
        old_db_.reset();  // unreadable old index: nothing to keep, the rebuild replaces it
      }
    }
    if (old_db_) add_unread_files(*listing);

    unsigned threads = options_.threads > 0 ? static_cast<unsigned>(options_.threads)
                                            : std::max(1u, std::thread::hardware_concurrency());
    threads = std::max<unsigned>(1, std::min<unsigned>(threads, std::max<size_t>(1, files_.size())));

    // Catalogues first, read once (in parallel), so every shard's grammar knows all codes; the grammar
    // learns them in file order.
    size_t catalogues = 0;
    while (catalogues < files_.size() && files_[catalogues].kind == SourceKind::kCatalogue) ++catalogues;
    catalogue_results_.resize(catalogues);
    run_in_parallel(threads, catalogues, [&](size_t i) { catalogue_results_[i] = read_kb_file(files_[i]); });
    for (size_t i = 0; i < catalogues; ++i) {
      FileReadResult& r = catalogue_results_[i];
      catalogue_owners_.claim_all(r, files_[i].rel, report);
      teach_from_result(grammar_, r);
      if (!r.code_pattern.empty()) patterns_.emplace_back(store::lower_ascii(r.catalogue_vendor), r.code_pattern);
    }
    if (old_db_) store::teach_grammar_from_index(*old_db_, old_passages_, grammar_, /*only_patterns=*/true);
    phases.done("read catalogues");

    fs::create_directories(options_.index_dir);
    fs::path work = options_.index_dir / ("rebuild-" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work);
    auto passages = store::PassageFileWriter::Open(work / schema::kPassageFileName, /*truncate=*/true);
    if (!passages.ok()) {
      fs::remove_all(work);
      return passages.status();
    }
    passages_ = passages->get();

    std::vector<ShardOutput> outputs(threads);
    run_in_parallel(threads, threads, [&](size_t t) { build_shard(shard_path(work, t), outputs[t]); });
    phases.done("build shards");

    Status failure;
    for (auto& out : outputs) {
      if (!out.status.ok() && failure.ok()) failure = out.status;
      merge_report(report, out.report);
    }
    if (Status s = passages_->flush(/*sync=*/true); !s.ok() && failure.ok()) failure = s;
    if (!failure.ok()) {
      fs::remove_all(work);
      return failure;
    }
    if (options_.strict && !report.errors.empty()) {
      fs::remove_all(work);
      return Status::InvalidArgument(std::to_string(report.errors.size()) +
                                     " input(s) rejected in --strict mode; index left unchanged");
    }

    fs::path generation = store::next_generation(options_.index_dir);
    try {
      Xapian::Database shards;
      for (unsigned t = 0; t < threads; ++t) shards.add_database(Xapian::Database(shard_path(work, t).string()));
      shards.compact(generation.string(), Xapian::DBCOMPACT_MULTIPASS);
      std::error_code moved;
      fs::rename(work / schema::kPassageFileName, generation / schema::kPassageFileName, moved);
      if (moved) {
        fs::remove_all(work);
        fs::remove_all(generation);
        return Status::IOError("cannot move the passage file into " + generation.string() + ": " + moved.message());
      }
      phases.done("compact");
      Xapian::WritableDatabase db(generation.string(), Xapian::DB_OPEN);
      for (auto& out : outputs)
        for (auto& [k, v] : out.file_states) db.set_metadata(k, v);
      for (auto& [vendor, pattern] : patterns_) db.set_metadata(std::string(schema::kMetaPatternPrefix) + vendor, pattern);
      SynonymsLoad syn = load_synonyms(options_, report);
      if (syn.complete || !old_db_) {
        write_synonyms(db, syn.groups);
        db.set_metadata(std::string(schema::kMetaSynonymsSig), syn.signature);
      } else {
        copy_synonyms(*old_db_, db);
      }
      std::string old_rev = old_db_ ? old_db_->get_metadata(std::string(schema::kMetaCatalogueRev)) : "";
      db.set_metadata(std::string(schema::kMetaCatalogueRev), std::to_string(std::atoll(old_rev.c_str()) + 1));
      write_header_metadata(db, options_.kb_dirs);
      store::set_replicable(db, options_.replicable.value_or(old_db_ && store::is_replicable(*old_db_)));
      if (Status s = store::mirror_passages(db, generation / schema::kPassageFileName); !s.ok()) {
        fs::remove_all(work);
        fs::remove_all(generation);
        return s;
      }
      db.commit();
      report.revision = db.get_revision();
      db.close();
      phases.done("metadata");
    } catch (const Xapian::Error& e) {
      fs::remove_all(work);
      fs::remove_all(generation);
      return store::to_status(e, generation);
    }
    fs::remove_all(work);
    return store::switch_generation(options_.index_dir, generation);
  }

 private:
  static void merge_report(UpdateReport& into, UpdateReport& from) {
    into.items_added += from.items_added;
    into.items_kept_after_error += from.items_kept_after_error;
    into.files_rejected += from.files_rejected;
    into.passages_written += from.passages_written;
    for (auto& e : from.errors) into.errors.push_back(std::move(e));
  }

  // Each thread writes one shard (DB_DANGEROUS, no fsync: shards are thrown away unless the whole
  // rebuild succeeds), committed every kRebuildPassagesPerCommit passages: small batches keep Xapian's
  // in-memory posting maps small, and appending them to a fresh shard is cheap (1,000 took about 14%
  // less CPU than Xapian's default of 10,000; a series of bounded shards instead cost more at 300k
  // passages, in indexing and in compaction). Compaction merges the shards.
  static fs::path shard_path(const fs::path& work, size_t t) { return work / ("shard-" + std::to_string(t)); }

  void build_shard(const fs::path& path, ShardOutput& out) {
    try {
      Xapian::WritableDatabase db(path.string(),
                                  Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_DANGEROUS | Xapian::DB_NO_SYNC);
      store::DocumentBuilder builder(grammar_, /*learn_spelling=*/true, *passages_);
      size_t since_commit = 0;
      size_t written_by_this_thread = 0;
      for (;;) {
        size_t i = next_file_.fetch_add(1);
        if (i >= files_.size()) break;
        const KbFile& f = files_[i];
        // An unread file (its folder's error is reported) reads as incomplete: its items are kept.
        FileReadResult r = i < catalogue_results_.size() ? std::move(catalogue_results_[i]) : read_kb_file(f);
        record_errors(f, r, out.report);
        FileState state{f.path.string(), f.size, f.mtime_ns, r.complete && r.errors.empty(), {}};
        std::unordered_set<std::string> in_this_file;
        for (const auto& item : r.items) {
          if (!in_this_file.insert(item.uid).second) continue;
          state.items.push_back(item.uid);
          ++out.report.items_added;
          for (const auto& p : item.passages) {
            db.add_document(builder.build(item, p));
            ++out.report.passages_written;
            ++since_commit;
          }
        }
        if (!state.complete && old_db_) keep_old_items(f, in_this_file, state, db, out);
        out.file_states.emplace_back(file_state_key(f), encode_state(state));
        if (since_commit >= kRebuildPassagesPerCommit) {
          db.commit();
          since_commit = 0;
        }
        size_t finished = files_done_.fetch_add(1) + 1;
        size_t fresh = out.report.passages_written - written_by_this_thread;
        size_t written = passages_total_.fetch_add(fresh) + fresh;
        written_by_this_thread = out.report.passages_written;
        if (progress_) {
          std::lock_guard<std::mutex> lock(progress_mutex_);
          progress_({finished, files_.size(), written, f.rel});
        }
      }
      builder.flush_spelling(db);
      db.commit();
      db.close();
    } catch (const Xapian::Error& e) {
      out.status = store::to_status(e, path);
    } catch (const std::exception& e) {
      out.status = Status::IOError("cannot build " + path.string() + ": " + e.what());
    }
  }

  // The files of the live generation below folders that could not be listed, as files not read (their
  // items are copied by keep_old_items), after the listed files.
  void add_unread_files(const AllFiles& listing) {
    if (listing.unread_folders.empty()) return;
    const std::string prefix(schema::kMetaFilePrefix);
    for (auto it = old_db_->metadata_keys_begin(prefix); it != old_db_->metadata_keys_end(prefix); ++it) {
      FileState old;
      if (!decode_state(old_db_->get_metadata(*it), old) || !listing.unread(old.path)) continue;
      KbFile f;
      f.path = old.path;
      f.rel = old.path;
      f.kind = SourceKind::kArticle;
      f.unread = true;
      files_.push_back(std::move(f));
    }
  }

  void keep_old_items(const KbFile& f, const std::unordered_set<std::string>& in_this_file, FileState& state,
                      Xapian::WritableDatabase& db, ShardOutput& out) {
    std::lock_guard<std::mutex> lock(old_db_mutex_);  // one Xapian::Database handle, shared: serialise
    FileState old;
    std::string data;
    if (!decode_state(old_db_->get_metadata(file_state_key(f)), old)) return;
    for (const auto& uid : old.items) {
      if (in_this_file.count(uid) || catalogue_owners_.owned_by_other(uid, f.rel)) continue;
      std::string term = store::bounded_term(std::string(schema::kItemPrefix) + uid);
      bool copied = false;
      for (auto pl = old_db_->postlist_begin(term); pl != old_db_->postlist_end(term); ++pl) {
        // The copy's record goes to the new passage file, and its rank record points there.
        Xapian::Document doc = old_db_->get_document(*pl);
        store::RankRecord record;
        const std::string record_text = doc.get_value(schema::kSlotRankRecord);
        if (!store::decode_rank_record(record_text, record) || !old_passages_.read(record.data_offset, data)) continue;
        doc.add_value(schema::kSlotRankRecord, store::with_data_offset(record_text, passages_->append(data)));
        db.add_document(doc);
        copied = true;
      }
      if (copied) {
        state.items.push_back(uid);
        ++out.report.items_kept_after_error;
      }
    }
  }

  const IndexerOptions& options_;
  const ProgressFn& progress_;
  std::vector<KbFile> files_;
  std::vector<FileReadResult> catalogue_results_;  // the catalogues (the first files), read before the shards
  std::vector<std::pair<std::string, std::string>> patterns_;
  CatalogueOwners catalogue_owners_;  // filled before the shards start, then only read
  CodeGrammar grammar_;
  std::unique_ptr<Xapian::Database> old_db_;
  store::PassageFileReader old_passages_;  // of old_db_, read under old_db_mutex_
  std::mutex old_db_mutex_;
  store::PassageFileWriter* passages_ = nullptr;  // the new generation's, shared by the shard threads
  std::atomic<size_t> next_file_{0};
  std::atomic<size_t> files_done_{0};
  std::atomic<size_t> passages_total_{0};
  std::mutex progress_mutex_;
};

Status validate(const IndexerOptions& options) {
  if (options.kb_dirs.empty()) return Status::InvalidArgument("no KB folder given (--kb DIR)");
  for (const auto& d : options.kb_dirs)
    if (!fs::is_directory(d)) return Status::InvalidArgument("KB folder " + d.string() + " is not a directory");
  if (options.index_dir.empty()) return Status::InvalidArgument("no index directory given (--index DIR)");
  return Status::OK();
}

}  // namespace

Result<std::filesystem::path> live_generation(const std::filesystem::path& index_dir) {
  return store::current_generation(index_dir);
}

Status run_nicer(int by) {
  const auto self = static_cast<id_t>(::gettid());
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, self);
  if (now == -1 && errno != 0) return Status::IOError(std::string("getpriority: ") + std::strerror(errno));
  if (setpriority(PRIO_PROCESS, self, std::min(19, now + by)) != 0)
    return Status::IOError(std::string("setpriority: ") + std::strerror(errno));
  return Status::OK();
}

Result<UpdateReport> rebuild_index(const IndexerOptions& options, const ProgressFn& progress) {
  if (Status s = validate(options); !s.ok()) return s;
  auto start = Clock::now();
  auto lock = store::WriterLock::Acquire(options.index_dir, "rebuild");
  if (!lock.ok()) return lock.status();
  store::remove_dead_work(options.index_dir);
  UpdateReport report;
  Status s;
  try {
    s = Rebuilder(options, progress).run(report);
  } catch (const Xapian::Error& e) {
    s = store::to_status(e, options.index_dir);
  } catch (const std::exception& e) {
    s = Status::IOError(std::string("rebuild failed: ") + e.what());
  }
  if (!s.ok()) return s;
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return report;
}

Result<UpdateReport> update_index(const IndexerOptions& options, const ProgressFn& progress) {
  if (Status s = validate(options); !s.ok()) return s;
  auto start = Clock::now();
  {
    auto lock = store::WriterLock::Acquire(options.index_dir, "update");
    if (!lock.ok()) return lock.status();
    store::remove_dead_work(options.index_dir);
    auto gen = store::current_generation(options.index_dir);
    if (!gen.ok()) {
      if (gen.status().code() != Status::Code::kNotFound) return gen.status();
      // No index yet: the first build is a rebuild (parallel shards, atomic switch).
    } else {
      UpdateReport report;
      try {
        Xapian::WritableDatabase db(gen->string(), Xapian::DB_CREATE_OR_OPEN);
        if (Status s = check_schema(db, *gen); !s.ok()) return s;
        auto passages = store::PassageFileWriter::Open(*gen / schema::kPassageFileName, /*truncate=*/false);
        if (!passages.ok()) return passages.status();
        if (options.strict) db.begin_transaction(false);
        if (options.replicable) store::set_replicable(db, *options.replicable);
        Updater updater(options, progress, db, **passages);
        Status s = updater.run(report);
        if (!s.ok()) {
          if (options.strict) db.cancel_transaction();
          return s;
        }
        if (options.strict && !report.errors.empty()) {
          db.cancel_transaction();
          return Status::InvalidArgument(std::to_string(report.errors.size()) +
                                         " input(s) rejected in --strict mode; index left unchanged");
        }
        PhaseClock commit(report);
        Status flushed = (*passages)->flush(/*sync=*/true);
        if (flushed.ok()) flushed = store::mirror_passages(db, (*passages)->path());
        if (!flushed.ok()) {
          if (options.strict) db.cancel_transaction();
          return flushed;
        }
        if (options.strict) db.commit_transaction();
        db.commit();
        commit.done("final commit");
        report.revision = db.get_revision();
      } catch (const Xapian::Error& e) {
        return store::to_status(e, *gen);
      } catch (const std::exception& e) {
        return Status::IOError(std::string("update failed: ") + e.what());
      }
      report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      return report;
    }
  }
  return rebuild_index(options, progress);
}

}  // namespace errkb
