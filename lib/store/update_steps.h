// The steps that the update (update.cc) and the rebuild (rebuild.cc) share: timing their phases,
// listing the KB folders, the synonyms table, the header metadata, what catalogue files teach the
// code grammar, and which catalogue file defines each entry.
#pragma once

#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "errkb/codes.h"
#include "errkb/indexer.h"
#include "errkb/ingest.h"

namespace errkb::store {

namespace fs = std::filesystem;
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

std::string hex64(uint64_t v);

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
Result<AllFiles> list_all_files(const IndexerOptions& options, UpdateReport& report);

struct SynonymsLoad {
  std::vector<SynonymGroup> groups;
  std::string signature;
  bool complete = true;  // false: a synonyms file could not be read as text; the indexed synonyms stay
};

SynonymsLoad load_synonyms(const IndexerOptions& options, UpdateReport& report);

// Synonyms go in under the unstemmed word and under its Z-stem for each stemmer the KB uses, so that
// QueryParser's auto-synonyms find them whatever stemming the query gets; the synonyms themselves as
// Z-stems, the only form of prose the index holds. (QueryParser looks a word up unstemmed first and
// takes what it finds as it is: an unstemmed synonym, "refused" for "declined", matched nothing.)
void write_synonyms(Xapian::WritableDatabase& db, const std::vector<SynonymGroup>& groups);

// The synonyms table of `from`, and its signature, into `to` (a rebuild that cannot read synonyms.txt).
void copy_synonyms(const Xapian::Database& from, Xapian::WritableDatabase& to);

// Written only when they differ: an update that changed nothing then commits nothing, and servers
// have no new revision to reopen.
void write_header_metadata(Xapian::WritableDatabase& db, const std::vector<fs::path>& kb_dirs);

Status check_schema(const Xapian::Database& db, const fs::path& where);

void bump_catalogue_rev(Xapian::WritableDatabase& db);

// Teaches `grammar` a catalogue file's pattern and codes. A pattern it refuses is the file's error, at
// the pattern's line, and is dropped (never stored): the entries are indexed without it, and the file,
// incomplete, is read again by the next run, which says so again. Items for which `taught` says true
// (the grammar already knows them as they are) are not taught again.
void teach_from_result(CodeGrammar& grammar, FileReadResult& r,
                       const std::function<bool(const Item&)>& taught = {});

void store_patterns(Xapian::WritableDatabase& db, const FileReadResult& r);

// Reads the files an update reads a few ahead of it, on other threads: parsing them is much of an
// update that reads many files again, and needs nothing the update writes. Each result is taken in
// the update's order.
class ReadAhead {
 public:
  // Reads files[i] for each i of `order`, at most `window` of them ahead of the one taken.
  ReadAhead(const std::vector<KbFile>& files, std::vector<size_t> order,
            size_t window = std::max(2u, std::thread::hardware_concurrency()));
  // The result of the next file of `order`.
  FileReadResult next();

 private:
  void start_reads();
  const std::vector<KbFile>& files_;
  const std::vector<size_t> order_;
  const size_t window_;
  size_t started_ = 0;
  std::deque<std::future<FileReadResult>> reading_;  // in `order`; waited for when destroyed
};

// Which catalogue file defines each entry in a run. The same vendor and code in a second file (in
// path order) is that file's error: one definition is indexed, never two, and deleting the second
// file cannot take the first's entry with it.
class CatalogueOwners {
 public:
  // True when `uid` is free or `rel`'s already; else the clash is reported into `report`.
  bool claim(const std::string& uid, const std::string& rel, UpdateReport& report) {
    if (!is_entry(uid)) return true;
    auto [it, fresh] = owner_.emplace(uid, rel);
    if (fresh || it->second == rel) return true;
    report_clash(uid, rel, it->second, report);
    return false;
  }
  static bool is_entry(const std::string& uid) { return uid.starts_with(kPrefix); }
  // `rel` loses the entry `uid` to `keeper`.
  static void report_clash(const std::string& uid, const std::string& rel, const std::string& keeper,
                           UpdateReport& report) {
    report.errors.push_back({rel, 0,
                             "entry " + uid.substr(kPrefix.size()) + " is also defined in " + keeper +
                                 ", whose definition is indexed"});
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

void record_errors(const KbFile& f, FileReadResult& r, UpdateReport& report);
// InvalidArgument when the options name no KB folder, a KB folder that is none, or no index.
Status validate(const IndexerOptions& options);

}  // namespace errkb::store
