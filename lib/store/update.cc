// The update protocol (indexer.h): only what changed is read, replaced or removed. Holds WriterLock
// for the whole run.
#include <sys/resource.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
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
#include "store/update_steps.h"
#include "store/xapian_status.h"

namespace errkb {
namespace store {
namespace {

// The files an update restricted to IndexerOptions::only_paths looks at.
struct Batch {
  std::vector<KbFile> files;       // in the batch and on disk
  std::vector<uint64_t> vanished;  // file_path_hash of indexed files in the batch that are gone
};

// Where `path` lies: the index of the KB folder holding it, or -1.
int kb_folder_of(const IndexerOptions& options, const fs::path& path, fs::path& rel) {
  const fs::path normal = path.lexically_normal();
  for (size_t i = 0; i < options.kb_dirs.size(); ++i) {
    std::error_code ec;
    rel = normal.lexically_relative(fs::absolute(options.kb_dirs[i], ec).lexically_normal());
    if (!rel.empty() && *rel.begin() != ".." && rel != ".") return static_cast<int>(i);
  }
  return -1;
}

// `path` as lexically_normal spells it; most stored paths are normal already and are not rebuilt.
std::string normal_form(const std::string& path) {
  const bool normal = path.find("//") == std::string::npos && path.find("/./") == std::string::npos &&
                      path.find("/../") == std::string::npos && !path.ends_with("/.") &&
                      !path.ends_with("/..");
  return normal ? path : fs::path(path).lexically_normal().string();
}

// Whether `path` is `folder` or lies below it; `folder` in normal form, without a final '/'.
bool below(const std::string& path, std::string_view folder) {
  const std::string normal = normal_form(path);
  return normal.starts_with(folder) && (normal.size() == folder.size() || normal[folder.size()] == '/');
}

std::string folder_form(const fs::path& folder) {
  std::string f = folder.lexically_normal().string();
  while (f.size() > 1 && f.back() == '/') f.pop_back();
  return f;
}

// The KB files at and below `paths`, and the indexed files there that are gone.
Batch batch_at(const IndexerOptions& options, const FileStates& states) {
  Batch batch;
  std::unordered_set<uint64_t> found;
  auto add = [&](const fs::path& p) {
    fs::path rel;
    const int folder = kb_folder_of(options, p, rel);
    if (folder < 0) return;
    auto f = kb_file_at(options.kb_dirs[folder], p);
    if (f && found.insert(file_path_hash(f->path.string())).second) batch.files.push_back(std::move(*f));
  };
  std::vector<std::string> unread;  // folders that could not be listed whole: what is below them is kept
  for (const auto& p : options.only_paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      fs::recursive_directory_iterator it(p, ec), end;
      for (; !ec && it != end; it.increment(ec))
        if (!it->is_directory(ec)) add(it->path());
      if (ec) unread.push_back(folder_form(p));
    } else {
      add(p);
    }
  }
  std::vector<std::string> folders;
  for (const auto& p : options.only_paths) folders.push_back(folder_form(p));
  auto kept = [&](const std::string& path) {
    return std::any_of(unread.begin(), unread.end(), [&](const std::string& u) { return below(path, u); });
  };
  for (const auto& [hash, state] : states.all())
    if (!found.count(hash) && !kept(state.path))
      for (const auto& p : folders)
        if (below(state.path, p)) {
          batch.vanished.push_back(hash);
          break;
        }
  return batch;
}

// What a file's state says each of its items was indexed with (items whose signature it knows).
std::unordered_map<std::string_view, std::string_view> signatures_of(const FileState& state) {
  std::unordered_map<std::string_view, std::string_view> out;
  out.reserve(state.items.size());
  for (size_t i = 0; i < state.items.size(); ++i)
    if (!state.signature_at(i).empty()) out.emplace(state.items[i], state.signature_at(i));
  return out;
}

// The order of the whole KB's listing: KB folder by KB folder, by relative path, catalogues first.
// Each file's KB folder is found once, not at every comparison: finding it is path arithmetic.
void sort_as_listed(const IndexerOptions& options, std::vector<KbFile>& files) {
  std::vector<std::pair<int, size_t>> order;  // (KB folder, position in `files`)
  order.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    fs::path rel;
    order.emplace_back(kb_folder_of(options, files[i].path, rel), i);
  }
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : files[a.second].rel < files[b.second].rel;
  });
  std::vector<KbFile> sorted;
  sorted.reserve(files.size());
  for (const auto& [folder, i] : order) sorted.push_back(std::move(files[i]));
  files = std::move(sorted);
  std::stable_partition(files.begin(), files.end(),
                        [](const KbFile& f) { return f.kind == SourceKind::kCatalogue; });
}

}  // namespace
}  // namespace store

struct UpdateCache::State {
  CodeGrammar grammar;
  std::string taught_for;  // database uuid @ catalogue revision the grammar knows; empty: teach afresh
  std::map<std::string, std::string> shapes;  // the code shapes it was taught (primary_code_shapes)
  // The file states as the last update committed them, and for which database and revision.
  store::FileStates states;
  std::string states_for;
};

namespace store {
namespace {

std::string revision_stamp(const Xapian::Database& db) {
  return db.get_uuid() + "@" + std::to_string(db.get_revision());
}

class Updater {
 public:
  Updater(const IndexerOptions& o, const ProgressFn& p, Xapian::WritableDatabase& db,
          const fs::path& generation, PassageFileWriter& passages, UpdateCache::State* cache)
      : options_(o),
        progress_(p),
        db_(db),
        generation_(generation),
        passages_(passages),
        cache_(cache),
        grammar_(cache ? cache->grammar : own_grammar_) {}

  Status run(UpdateReport& report) {
    PhaseClock phases(report);
    const bool states_cached = cache_ && cache_->states_for == revision_stamp(db_);
    if (states_cached) states_ = std::move(cache_->states);
    if (cache_) cache_->states_for.clear();  // taken; given back by committed()
    revision_at_start_ = db_.get_revision();
    keeps_codes_ = keeps_catalogue_codes(db_);
    if (cache_ && cache_->taught_for == catalogue_revision(db_)) grammar_taught_ = true;
    std::vector<KbFile> files;
    std::vector<uint64_t> vanished;
    AllFiles listing;
    if (options_.only_paths.empty()) {
      // The file states are read while the KB is listed, which touches no database.
      std::future<FileStates> loading;
      if (!states_cached)
        loading = std::async(std::launch::async, [this] { return FileStates::load(db_, generation_); });
      auto all = list_all_files(options_, report);
      if (loading.valid()) states_ = loading.get();
      if (!all.ok()) return all.status();
      listing = std::move(*all);
      files = std::move(listing.files);
    } else {
      if (!states_cached) states_ = FileStates::load(db_, generation_);
      Batch batch = batch_at(options_, states_);
      files = std::move(batch.files);
      vanished = std::move(batch.vanished);
      gone_.insert(vanished.begin(), vanished.end());
      sort_as_listed(options_, files);
    }
    report.files_seen = files.size();
    // Which files this run reads, decided as the listing found them: a catalogue file that loses an
    // entry to a file read earlier in the run is left incomplete for the next update, not read again.
    std::vector<uint64_t> hashes;
    std::vector<size_t> to_read;
    for (size_t i = 0; i < files.size(); ++i) {
      const KbFile& f = files[i];
      hashes.push_back(file_path_hash(f.path.string()));
      listed_.insert(hashes.back());
      if (f.unread || unchanged(f, states_.find(hashes.back()))) continue;
      to_read.push_back(i);
      if (f.kind == SourceKind::kCatalogue) reading_.insert(hashes.back());
    }
    phases.done("list files");

    DocumentBuilder builder(grammar_, /*learn_spelling=*/true, passages_);
    ReadAhead ahead(files, to_read);
    auto next_read = to_read.begin();
    size_t since_commit = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      const KbFile& f = files[i];
      const uint64_t hash = hashes[i];
      const FileState* old = states_.find(hash);
      if (progress_) progress_({i, report.files_seen, report.passages_written, f.rel});
      if (f.unread) {  // reported by the listing; what was indexed from it stays
        if (old) report.items_kept_after_error += old->items.size();
        continue;
      }
      if (next_read == to_read.end() || *next_read != i) {
        ++report.files_skipped;
        report.items_unchanged += old->items.size();
        continue;
      }
      ++next_read;
      teach_grammar_once(phases);
      FileState now = read_file(f, ahead.next(), old, builder, report, since_commit);
      db_.set_metadata(file_state_key(now.path), encode_file_state(now));
      states_.set(hash, std::move(now));
      if (!options_.strict && since_commit >= options_.batch_passages) {
        builder.flush_spelling(db_);
        // The passages' records on disk before the commit that makes their documents visible.
        if (Status s = passages_.flush(/*sync=*/true); !s.ok()) return s;
        if (Status s = mirror_passages(db_, passages_.path()); !s.ok()) return s;
        db_.commit();
        since_commit = 0;
      }
    }
    builder.flush_spelling(db_);
    phases.done("files");

    // Files that disappeared: their items are candidates too. Only now, after a complete pass.
    if (options_.only_paths.empty())
      for (const auto& [hash, state] : states_.all()) {
        if (listed_.count(hash)) continue;
        if (!listing.unread(state.path))
          vanished.push_back(hash);
        else
          report.items_kept_after_error += state.items.size();  // below a folder that could not be listed
      }
    for (uint64_t hash : vanished) {
      const FileState* old = states_.find(hash);
      if (!old) continue;
      candidates_for_deletion_.insert(candidates_for_deletion_.end(), old->items.begin(), old->items.end());
      db_.set_metadata(file_state_key(old->path), "");
      db_.set_metadata(catalogue_codes_key(old->path), "");
      states_.erase(hash);
    }
    delete_unseen_items(report);

    SynonymsLoad syn = load_synonyms(options_, report);
    if (syn.complete && db_.get_metadata(std::string(schema::kMetaSynonymsSig)) != syn.signature) {
      write_synonyms(db_, syn.groups);
      db_.set_metadata(std::string(schema::kMetaSynonymsSig), syn.signature);
    }
    if (catalogue_changed_) bump_catalogue_rev(db_);
    write_header_metadata(db_, options_.kb_dirs);
    phases.done("deletions and synonyms");
    if (progress_) progress_({files.size(), report.files_seen, report.passages_written, ""});
    return Status::OK();
  }

  // After the final commit: the copy of the file states for the next update, and what the cache
  // keeps of this run.
  void committed(UpdateReport& report) {
    if (db_.get_revision() != revision_at_start_ || !states_.loaded_from_copy()) {
      // Without the copy the next update reads the metadata: slower, the same.
      (void)states_.write(db_, generation_);
    }
    if (!cache_) return;
    cache_->states = std::move(states_);
    cache_->states_for = revision_stamp(db_);
    PhaseClock phases(report);
    if (!grammar_taught_ || catalogue_knowledge_changed_) {
      cache_->taught_for.clear();
      return;
    }
    if (items_replaced_ || report.items_added > 0) {
      // Code shapes come from the passages' titles: the cached grammar learns new ones; one no passage
      // confirms any more cannot be unlearned, so the grammar is taught afresh next time.
      auto shapes = primary_code_shapes(db_);
      for (const auto& [shape, canonical] : cache_->shapes)
        if (!shapes.count(shape)) return void(cache_->taught_for.clear());
      for (const auto& [shape, canonical] : shapes) grammar_.add_code_shape(canonical);
      cache_->shapes = std::move(shapes);
      phases.done("code shapes");
    }
    cache_->taught_for = catalogue_revision(db_);
  }

 private:
  // Writes an item's passages over the documents it had (`old_docids`, in passage order): Xapian's
  // replace_document changes only the postings of the terms that differ, where deleting the documents
  // and adding them again rewrote every posting of every passage (most of a small update's time on a
  // large index). Passages beyond the old ones are added, old documents beyond the new passages deleted.
  void write_item(const Item& item, const std::vector<Xapian::docid>& old_docids, DocumentBuilder& builder) {
    size_t k = 0;
    for (const auto& p : item.passages) {
      if (k < old_docids.size())
        db_.replace_document(old_docids[k++], builder.build(item, p));
      else
        db_.add_document(builder.build(item, p));
    }
    for (; k < old_docids.size(); ++k) db_.delete_document(old_docids[k]);
  }

  // Reads a changed file and writes what changed in it; returns its new state.
  FileState read_file(const KbFile& f, FileReadResult r, const FileState* old, DocumentBuilder& builder,
                      UpdateReport& report, size_t& since_commit) {
    const auto indexed_as =
        old ? signatures_of(*old) : std::unordered_map<std::string_view, std::string_view>();
    // Whether the file's state says the item is indexed as it is now.
    auto indexed_unchanged = [&](const Item& item) {
      auto it = indexed_as.find(item.uid);
      return it != indexed_as.end() && it->second == item.signature;
    };
    if (f.kind == SourceKind::kCatalogue) {
      claim_new_entries(r, f, old, report);
      catalogue_owners_.claim_all(r, f.rel, report);
      // The grammar learnt every indexed entry before this run wrote anything (teach_grammar_once): an
      // entry indexed as it is now is known already. Most entries of a re-read catalogue file are.
      teach_from_result(grammar_, r, indexed_unchanged);
      if (!r.code_pattern.empty() && !r.catalogue_vendor.empty() &&
          db_.get_metadata(std::string(schema::kMetaPatternPrefix) + lower_ascii(r.catalogue_vendor)) !=
              r.code_pattern)
        catalogue_knowledge_changed_ = true;
      store_patterns(db_, r);
    }
    record_errors(f, r, report);
    FileState now{f.path.string(), f.size, f.mtime_ns, r.complete && r.errors.empty(), {}, {}};
    std::unordered_set<std::string> in_this_file;
    for (const auto& item : r.items) {
      if (!in_this_file.insert(item.uid).second) continue;
      now.add_item(item.uid, item.signature);
      if (indexed_unchanged(item)) {
        ++report.items_unchanged;
        continue;
      }
      const std::string item_term = bounded_term(std::string(schema::kItemPrefix) + item.uid);
      auto pl = db_.postlist_begin(item_term);
      const bool exists = pl != db_.postlist_end(item_term);
      if (exists && db_.get_document(*pl).get_value(schema::kSlotSignature) == item.signature) {
        ++report.items_unchanged;
        continue;
      }
      if (f.kind == SourceKind::kCatalogue) {
        catalogue_changed_ = true;
        if (exists && !teaches_over(item, item_term)) catalogue_knowledge_changed_ = true;
      }
      std::vector<Xapian::docid> old_docids;
      if (exists) {
        for (; pl != db_.postlist_end(item_term); ++pl) old_docids.push_back(*pl);
        ++report.items_updated;
        items_replaced_ = true;
      } else {
        ++report.items_added;
      }
      write_item(item, old_docids, builder);
      report.passages_written += item.passages.size();
      since_commit += item.passages.size();
    }
    if (old) {
      for (size_t i = 0; i < old->items.size(); ++i) {
        const std::string& uid = old->items[i];
        if (in_this_file.count(uid) || catalogue_owners_.owned_by_other(uid, f.rel)) continue;
        if (!now.complete) {
          // The file could not be read whole: keep what was indexed from it.
          now.add_item(uid, std::string(old->signature_at(i)));
          ++report.items_kept_after_error;
        } else {
          candidates_for_deletion_.push_back(uid);
        }
      }
    }
    if (f.kind == SourceKind::kCatalogue) keep_catalogue_codes(r, now);
    return now;
  }

  static bool unchanged(const KbFile& f, const FileState* old) {
    return old && old->complete && old->size == f.size && old->mtime_ns == f.mtime_ns;
  }

  // An entry new to a catalogue file this run reads may be one that a catalogue file it does not read
  // defines: the file first in the listing's order keeps it, as a rebuild would have it. (An entry a
  // file already had, no other file's state lists.) The loser's error names the keeper; a file that
  // loses an entry is incomplete and read again by the next update.
  void claim_new_entries(FileReadResult& r, const KbFile& f, const FileState* old, UpdateReport& report) {
    std::unordered_set<std::string_view> had;
    if (old) had.insert(old->items.begin(), old->items.end());
    const size_t before = r.items.size();
    std::erase_if(r.items, [&](const Item& item) {
      if (!CatalogueOwners::is_entry(item.uid) || had.count(item.uid)) return false;
      auto owner = unread_owners().find(item.uid);
      if (owner == unread_owners().end()) return false;
      const uint64_t keeper = owner->second;
      const auto keeper_at = listed_key(states_.find(keeper)->path);
      if (keeper_at < listed_key(f.path.string())) {
        CatalogueOwners::report_clash(item.uid, f.rel, keeper_at.second, report);
        return true;
      }
      CatalogueOwners::report_clash(item.uid, keeper_at.second, f.rel, report);
      drop_entry(keeper, item.uid);
      return false;
    });
    if (r.items.size() != before) r.complete = false;
  }

  // The catalogue entries of the files this run does not read (nor finds gone), by the file that
  // lists them; made at the run's first new entry.
  const std::unordered_map<std::string, uint64_t>& unread_owners() {
    if (unread_owners_) return *unread_owners_;
    unread_owners_.emplace();
    const bool whole_listing = options_.only_paths.empty();
    for (const auto& [hash, state] : states_.all()) {
      if (reading_.count(hash) || gone_.count(hash) || (whole_listing && !listed_.count(hash))) continue;
      for (const auto& uid : state.items)
        if (CatalogueOwners::is_entry(uid)) unread_owners_->emplace(uid, hash);
    }
    return *unread_owners_;
  }

  // Where a file comes in the listing: its KB folder, then its relative path.
  std::pair<int, std::string> listed_key(const std::string& path) const {
    fs::path rel;
    const int folder = kb_folder_of(options_, path, rel);
    return {folder, rel.generic_string()};
  }

  // Takes an entry from an unread catalogue file's state and kept codes, as a rebuild would leave it.
  void drop_entry(uint64_t hash, const std::string& uid) {
    FileState now = *states_.find(hash);
    now.erase_items_if([&](const std::string& item) { return item == uid; });
    now.complete = false;
    if (keeps_codes_) {
      const std::string key = catalogue_codes_key(now.path);
      CatalogueCodes codes;
      (void)decode_catalogue_codes(db_.get_metadata(key), codes);
      std::erase_if(codes, [&](const CatalogueEntryCode& e) { return e.uid == uid; });
      db_.set_metadata(key, codes.empty() ? std::string() : encode_catalogue_codes(codes));
    }
    db_.set_metadata(file_state_key(now.path), encode_file_state(now));
    states_.set(hash, std::move(now));
    unread_owners_->erase(uid);
  }

  // What the catalogue file read into `r` teaches the grammar, kept in the index for its items in `now`
  // (with those kept after a read error from what it taught before).
  void keep_catalogue_codes(const FileReadResult& r, const FileState& now) {
    if (keeps_codes_) keep_file_catalogue_codes(db_, now, catalogue_codes_of(r.items), &db_);
  }

  // Whether what `item` teaches the grammar (taught by teach_from_result) replaces all that its
  // indexed version taught: the same codes under the same names, each with a message. Only then does a
  // grammar that knew the old version answer as one taught the new version alone.
  bool teaches_over(const Item& item, const std::string& item_term) {
    std::set<std::tuple<std::string, std::string, std::string>> now;
    for (const auto& p : item.passages)
      for (const auto& code : p.codes) {
        const CatalogueCode c = catalogue_code_of(p, code);
        if (c.message.empty()) return false;
        now.emplace(c.vendor, c.code, c.name);
      }
    if (!old_passages_open_) old_passages_open_ = old_passages_.open(passages_.path()).ok();
    if (!old_passages_open_) return false;
    StoredPassage stored;
    for (auto pl = db_.postlist_begin(item_term); pl != db_.postlist_end(item_term); ++pl) {
      if (!read_passage(old_passages_, db_.get_document(*pl), stored)) return false;
      for (const auto& code : stored.passage.codes) {
        const CatalogueCode c = catalogue_code_of(stored.passage, code);
        if (!now.count({c.vendor, c.code, c.name})) return false;
      }
    }
    return true;
  }

  // Deletes the candidates that no file lists any more (an item that moved to another file stays).
  void delete_unseen_items(UpdateReport& report) {
    if (candidates_for_deletion_.empty()) return;
    std::unordered_set<std::string_view> listed;
    for (const auto& [hash, state] : states_.all()) listed.insert(state.items.begin(), state.items.end());
    std::unordered_set<std::string> deleted;
    for (const auto& uid : candidates_for_deletion_) {
      if (listed.count(uid) || !deleted.insert(uid).second) continue;
      const std::string item_term = bounded_term(std::string(schema::kItemPrefix) + uid);
      if (!db_.term_exists(item_term)) continue;
      if (uid.rfind("catalogue:", 0) == 0) {
        catalogue_changed_ = true;
        catalogue_knowledge_changed_ = true;
      }
      db_.delete_document(item_term);
      ++report.items_removed;
      items_replaced_ = true;
    }
  }

  // The grammar learns the indexed catalogues only when a changed file is to be read (at 1M passages,
  // 400,000 entries: most of a small update's time), and not at all when the cache knows them: an
  // update that finds nothing changed skips it. It learns them before this run writes anything, as
  // the index was.
  void teach_grammar_once(PhaseClock& phases) {
    if (grammar_taught_) return;
    phases.done("files");
    grammar_ = CodeGrammar();
    // The writer opened (or created) the file: it can be read.
    PassageFileReader passages;
    if (Status s = passages.open(passages_.path()); s.ok()) {
      if (!keeps_codes_) {  // written by an older errkb: from now on it keeps what its catalogues teach
        keep_catalogue_codes_of_passages(db_, passages, states_);
        keeps_codes_ = true;
      }
      // What a server taught for this catalogue revision is read back rather than taught again.
      teach_grammar_kept_beside(db_, passages, grammar_, generation_, catalogue_revision(db_),
                                /*keep=*/false);
    }
    if (cache_) cache_->shapes = primary_code_shapes(db_);
    phases.done("teach grammar");
    grammar_taught_ = true;
  }

  const IndexerOptions& options_;
  const ProgressFn& progress_;
  Xapian::WritableDatabase& db_;
  fs::path generation_;
  PassageFileWriter& passages_;
  UpdateCache::State* cache_;
  CodeGrammar own_grammar_;
  CodeGrammar& grammar_;
  bool grammar_taught_ = false;
  bool keeps_codes_ = false;  // the index keeps each catalogue file's codes: this run keeps them so
  FileStates states_;
  Xapian::rev revision_at_start_ = 0;
  std::unordered_set<uint64_t> listed_;   // the files this run lists (or its batch holds)
  std::unordered_set<uint64_t> reading_;  // catalogue files this run reads
  std::unordered_set<uint64_t> gone_;     // files a batch found gone
  std::optional<std::unordered_map<std::string, uint64_t>> unread_owners_;
  CatalogueOwners catalogue_owners_;  // the entries of the catalogue files read
  std::vector<std::string> candidates_for_deletion_;
  PassageFileReader old_passages_;  // the index's passages, for the versions this run replaces
  bool old_passages_open_ = false;
  bool catalogue_changed_ = false;            // catalogue items added, replaced or removed
  bool catalogue_knowledge_changed_ = false;  // an entry replaced or removed, or a vendor pattern changed
  bool items_replaced_ = false;               // some item replaced or removed
};

}  // namespace
}  // namespace store

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

namespace {

Result<UpdateReport> run_update(const IndexerOptions& options, const ProgressFn& progress,
                                UpdateCache* cache) {
  if (Status s = store::validate(options); !s.ok()) return s;
  auto start = store::Clock::now();
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
        if (Status s = store::check_schema(db, *gen); !s.ok()) return s;
        auto passages = store::PassageFileWriter::Open(*gen / schema::kPassageFileName, /*truncate=*/false);
        if (!passages.ok()) return passages.status();
        if (options.strict) db.begin_transaction(false);
        if (options.replicable) store::set_replicable(db, *options.replicable);
        store::Updater updater(options, progress, db, *gen, **passages, cache ? cache->state.get() : nullptr);
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
        store::PhaseClock commit(report);
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
        updater.committed(report);
        store::write_tables_file_after_update(*gen, db.get_doccount(), report);
      } catch (const Xapian::Error& e) {
        return store::to_status(e, *gen);
      } catch (const std::exception& e) {
        return Status::IOError(std::string("update failed: ") + e.what());
      }
      report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(store::Clock::now() - start);
      return report;
    }
  }
  return rebuild_index(options, progress);
}

}  // namespace

Result<UpdateReport> update_index(const IndexerOptions& options, const ProgressFn& progress) {
  return run_update(options, progress, nullptr);
}

Result<UpdateReport> update_index_cached(const IndexerOptions& options, UpdateCache& cache,
                                         const ProgressFn& progress) {
  return run_update(options, progress, &cache);
}

UpdateCache::UpdateCache() : state(std::make_unique<State>()) {}
UpdateCache::~UpdateCache() = default;

Status UpdateCache::prepare(const IndexerOptions& options) {
  auto gen = store::current_generation(options.index_dir);
  if (!gen.ok()) return gen.status().code() == Status::Code::kNotFound ? Status::OK() : gen.status();
  try {
    Xapian::Database db(gen->string());
    if (state->taught_for == store::catalogue_revision(db)) return Status::OK();
    store::PassageFileReader passages;
    if (Status s = passages.open(*gen / schema::kPassageFileName); !s.ok()) return s;
    state->grammar = CodeGrammar();
    store::teach_grammar_kept_beside(db, passages, state->grammar, *gen, store::catalogue_revision(db),
                                     /*keep=*/false);
    state->shapes = store::primary_code_shapes(db);
    state->taught_for = store::catalogue_revision(db);
  } catch (const Xapian::Error& e) {
    state->taught_for.clear();
    return store::to_status(e, *gen);
  }
  return Status::OK();
}

}  // namespace errkb
