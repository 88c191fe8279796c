#include "store/update_steps.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "errkb/schema.h"
#include "errkb/text.h"
#include "store/catalogue_codes.h"
#include "store/stopwords.h"

namespace errkb::store {

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

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
  const Xapian::Stem* stemmers[] = {&stemmer_for("en"), &stemmer_for("ro"), &stemmer_for("it"),
                                    &stemmer_for("ru")};
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
    for (auto syn = from.synonyms_begin(*key); syn != from.synonyms_end(*key); ++syn)
      to.add_synonym(*key, *syn);
  to.set_metadata(std::string(schema::kMetaSynonymsSig),
                  from.get_metadata(std::string(schema::kMetaSynonymsSig)));
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
void teach_from_result(CodeGrammar& grammar, FileReadResult& r,
                       const std::function<bool(const Item&)>& taught) {
  if (!r.code_pattern.empty()) {
    if (Status s = grammar.add_vendor_pattern(r.catalogue_vendor, r.code_pattern); !s.ok()) {
      r.errors.push_back({"", r.code_pattern_line, "code_pattern: " + s.message()});
      r.complete = false;
      r.code_pattern.clear();
    }
  }
  for (const auto& item : r.items) {
    if (taught && taught(item)) continue;
    for (const auto& p : item.passages)
      if (p.kind == SourceKind::kCatalogue)
        for (const auto& code : p.codes) grammar.add_catalogue_code(catalogue_code_of(p, code));
  }
}

void store_patterns(Xapian::WritableDatabase& db, const FileReadResult& r) {
  if (!r.code_pattern.empty() && !r.catalogue_vendor.empty())
    db.set_metadata(std::string(schema::kMetaPatternPrefix) + errkb::lower_ascii(r.catalogue_vendor),
                    r.code_pattern);
}

void record_errors(const KbFile& f, FileReadResult& r, UpdateReport& report) {
  for (auto& e : r.errors) {
    if (e.path.empty()) e.path = f.rel;
    report.errors.push_back(e);
  }
  if (!r.errors.empty()) ++report.files_rejected;
}

Status validate(const IndexerOptions& options) {
  if (options.kb_dirs.empty()) return Status::InvalidArgument("no KB folder given (--kb DIR)");
  for (const auto& d : options.kb_dirs)
    if (!fs::is_directory(d))
      return Status::InvalidArgument("KB folder " + d.string() + " is not a directory");
  if (options.index_dir.empty()) return Status::InvalidArgument("no index directory given (--index DIR)");
  return Status::OK();
}

ReadAhead::ReadAhead(const std::vector<KbFile>& files, std::vector<size_t> order, size_t window)
    : files_(files), order_(std::move(order)), window_(std::max<size_t>(1, window)) {
  start_reads();
}

void ReadAhead::start_reads() {
  while (started_ < order_.size() && reading_.size() < window_) {
    const size_t i = order_[started_++];
    reading_.push_back(std::async(std::launch::async, [this, i] { return read_kb_file(files_[i]); }));
  }
}

FileReadResult ReadAhead::next() {
  FileReadResult r = reading_.front().get();
  reading_.pop_front();
  start_reads();
  return r;
}

}  // namespace errkb::store
