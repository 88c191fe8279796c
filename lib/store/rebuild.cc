// The parallel rebuild (indexer.h): shards built on every core, compacted into a new generation,
// switched to atomically. Holds WriterLock for the whole run.
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "errkb/indexer.h"
#include "errkb/ingest.h"
#include "errkb/schema.h"
#include "store/catalogue_codes.h"
#include "store/documents.h"
#include "store/file_states.h"
#include "store/generation.h"
#include "store/index_dir.h"
#include "store/replica.h"
#include "store/stopwords.h"
#include "store/update_steps.h"
#include "store/xapian_status.h"

namespace errkb {
namespace store {
namespace {

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
  std::vector<FileState> file_states;
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
      catalogue_codes_[files_[i].path.string()] = catalogue_codes_of(r.items);
      if (!r.code_pattern.empty())
        patterns_.emplace_back(store::lower_ascii(r.catalogue_vendor), r.code_pattern);
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
      for (unsigned t = 0; t < threads; ++t)
        shards.add_database(Xapian::Database(shard_path(work, t).string()));
      shards.compact(generation.string(), Xapian::DBCOMPACT_MULTIPASS);
      std::error_code moved;
      fs::rename(work / schema::kPassageFileName, generation / schema::kPassageFileName, moved);
      if (moved) {
        fs::remove_all(work);
        fs::remove_all(generation);
        return Status::IOError("cannot move the passage file into " + generation.string() + ": " +
                               moved.message());
      }
      phases.done("compact");
      Xapian::WritableDatabase db(generation.string(), Xapian::DB_OPEN);
      FileStates states;
      for (auto& out : outputs)
        for (auto& state : out.file_states) {
          db.set_metadata(file_state_key(state.path), encode_file_state(state));
          const uint64_t hash = file_path_hash(state.path);
          states.set(hash, std::move(state));
        }
      for (auto& [vendor, pattern] : patterns_)
        db.set_metadata(std::string(schema::kMetaPatternPrefix) + vendor, pattern);
      keep_catalogue_codes(states, db);
      SynonymsLoad syn = load_synonyms(options_, report);
      if (syn.complete || !old_db_) {
        write_synonyms(db, syn.groups);
        db.set_metadata(std::string(schema::kMetaSynonymsSig), syn.signature);
      } else {
        copy_synonyms(*old_db_, db);
      }
      std::string old_rev = old_db_ ? old_db_->get_metadata(std::string(schema::kMetaCatalogueRev)) : "";
      db.set_metadata(std::string(schema::kMetaCatalogueRev),
                      std::to_string(std::atoll(old_rev.c_str()) + 1));
      write_header_metadata(db, options_.kb_dirs);
      store::set_replicable(db, options_.replicable.value_or(old_db_ && store::is_replicable(*old_db_)));
      if (Status s = store::mirror_passages(db, generation / schema::kPassageFileName); !s.ok()) {
        fs::remove_all(work);
        fs::remove_all(generation);
        return s;
      }
      db.commit();
      report.revision = db.get_revision();
      (void)states.write(db, generation);  // without it the next update reads the metadata
      db.close();
      phases.done("metadata");
    } catch (const Xapian::Error& e) {
      fs::remove_all(work);
      fs::remove_all(generation);
      return store::to_status(e, generation);
    }
    fs::remove_all(work);
    store::write_tables_file(generation, report);
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
        store::FileState state{f.path.string(), f.size, f.mtime_ns, r.complete && r.errors.empty(), {}, {}};
        std::unordered_set<std::string> in_this_file;
        for (const auto& item : r.items) {
          if (!in_this_file.insert(item.uid).second) continue;
          state.add_item(item.uid, item.signature);
          ++out.report.items_added;
          for (const auto& p : item.passages) {
            db.add_document(builder.build(item, p));
            ++out.report.passages_written;
            ++since_commit;
          }
        }
        if (!state.complete && old_db_) keep_old_items(f, in_this_file, state, db, out);
        out.file_states.push_back(std::move(state));
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

  // What each catalogue file teaches the grammar, kept in the index (catalogue_codes.h): the codes read
  // now, and those of items kept after a read error from what the live generation kept of them.
  void keep_catalogue_codes(const FileStates& states, Xapian::WritableDatabase& db) {
    const Xapian::Database* before = old_db_ && keeps_catalogue_codes(*old_db_) ? old_db_.get() : nullptr;
    for (const auto& [hash, state] : states.all()) {
      auto fresh = catalogue_codes_.find(state.path);
      if (fresh == catalogue_codes_.end() && state.complete) continue;  // no catalogue
      keep_file_catalogue_codes(
          db, state, fresh == catalogue_codes_.end() ? CatalogueCodes() : std::move(fresh->second), before);
    }
    mark_keeps_catalogue_codes(db);
  }

  // The files of the live generation below folders that could not be listed, as files not read (their
  // items are copied by keep_old_items), after the listed files.
  void add_unread_files(const AllFiles& listing) {
    if (listing.unread_folders.empty()) return;
    const std::string prefix(schema::kMetaFilePrefix);
    for (auto it = old_db_->metadata_keys_begin(prefix); it != old_db_->metadata_keys_end(prefix); ++it) {
      store::FileState old;
      if (!decode_file_state(old_db_->get_metadata(*it), old) || !listing.unread(old.path)) continue;
      KbFile f;
      f.path = old.path;
      f.rel = old.path;
      f.kind = SourceKind::kArticle;
      f.unread = true;
      files_.push_back(std::move(f));
    }
  }

  void keep_old_items(const KbFile& f, const std::unordered_set<std::string>& in_this_file,
                      store::FileState& state, Xapian::WritableDatabase& db, ShardOutput& out) {
    std::lock_guard<std::mutex> lock(old_db_mutex_);  // one Xapian::Database handle, shared: serialise
    store::FileState old;
    std::string data;
    if (!decode_file_state(old_db_->get_metadata(file_state_key(f.path.string())), old)) return;
    for (const auto& uid : old.items) {
      if (in_this_file.count(uid) || catalogue_owners_.owned_by_other(uid, f.rel)) continue;
      std::string term = store::bounded_term(std::string(schema::kItemPrefix) + uid);
      bool copied = false;
      std::string signature;
      for (auto pl = old_db_->postlist_begin(term); pl != old_db_->postlist_end(term); ++pl) {
        // The copy's record goes to the new passage file, and its rank record points there.
        Xapian::Document doc = old_db_->get_document(*pl);
        store::RankRecord record;
        const std::string record_text = doc.get_value(schema::kSlotRankRecord);
        if (!store::decode_rank_record(record_text, record) || !old_passages_.read(record.data_offset, data))
          continue;
        doc.add_value(schema::kSlotRankRecord, store::with_data_offset(record_text, passages_->append(data)));
        signature = doc.get_value(schema::kSlotSignature);
        db.add_document(doc);
        copied = true;
      }
      if (copied) {
        state.add_item(uid, std::move(signature));
        ++out.report.items_kept_after_error;
      }
    }
  }

  const IndexerOptions& options_;
  const ProgressFn& progress_;
  std::vector<KbFile> files_;
  std::vector<FileReadResult> catalogue_results_;  // the catalogues (the first files), read before the shards
  std::vector<std::pair<std::string, std::string>> patterns_;
  std::unordered_map<std::string, CatalogueCodes>
      catalogue_codes_;               // by path: what each catalogue read teaches
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

}  // namespace
}  // namespace store

Result<UpdateReport> rebuild_index(const IndexerOptions& options, const ProgressFn& progress) {
  if (Status s = store::validate(options); !s.ok()) return s;
  auto start = store::Clock::now();
  auto lock = store::WriterLock::Acquire(options.index_dir, "rebuild");
  if (!lock.ok()) return lock.status();
  store::remove_dead_work(options.index_dir);
  UpdateReport report;
  Status s;
  try {
    s = store::Rebuilder(options, progress).run(report);
  } catch (const Xapian::Error& e) {
    s = store::to_status(e, options.index_dir);
  } catch (const std::exception& e) {
    s = Status::IOError(std::string("rebuild failed: ") + e.what());
  }
  if (!s.ok()) return s;
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(store::Clock::now() - start);
  return report;
}

}  // namespace errkb
