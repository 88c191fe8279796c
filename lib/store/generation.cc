#include "store/generation.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "errkb/schema.h"
#include "store/catalogue_codes.h"
#include "store/query_analysis.h"

namespace errkb::store {

namespace fs = std::filesystem;

namespace {

std::shared_ptr<const CodeGrammar> taught_grammar(const Xapian::Database& db, const fs::path& generation) {
  auto g = std::make_shared<CodeGrammar>();
  PassageFileReader passages;
  if (Status s = passages.open(generation / schema::kPassageFileName); !s.ok())
    throw std::runtime_error(s.message());
  teach_grammar_kept_beside(db, passages, *g, generation, catalogue_revision(db));
  return g;
}

std::shared_ptr<const CommonTermBits> built_common_terms(const Xapian::Database& db,
                                                         const EngineOptions& options) {
  CommonTermBits::Limits limits;
  limits.max_bytes = options.common_term_bits_bytes;
  limits.min_postings = options.common_term_min_postings;
  return std::make_shared<const CommonTermBits>(CommonTermBits::load(db, limits));
}

std::shared_ptr<const PostingsInMemory> built_postings(const Xapian::Database& db,
                                                       const EngineOptions& options) {
  return std::make_shared<const PostingsInMemory>(
      PostingsInMemory::load(db, {.max_bytes = options.prose_postings_bytes}, request_filter_prefixes()));
}

std::string joined_filter_prefixes() {
  std::string out;
  for (const auto& prefix : request_filter_prefixes()) out += prefix + "\n";
  return out;
}

// A temporary tables file (TablesWriter: "<name>.tmp-<pid>-<random>") whose writer is gone: killed
// while writing, it left one as large as the file.
bool is_dead_writers_file(std::string_view name) {
  if (!name.starts_with(schema::kTablesFilePrefix)) return false;
  const size_t at = name.find(".tmp-");
  if (at == std::string_view::npos) return false;
  const int pid = std::atoi(std::string(name.substr(at + 5)).c_str());
  return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

// tables-<revision>.dat, and no other name (a writer's temporary file, a copy put aside).
bool is_tables_file_name(std::string_view name) {
  if (!name.starts_with(schema::kTablesFilePrefix) || !name.ends_with(schema::kTablesFileSuffix))
    return false;
  name.remove_prefix(schema::kTablesFilePrefix.size());
  name.remove_suffix(schema::kTablesFileSuffix.size());
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The payload of a tables file: each table after the settings it was built with, so that an engine
// with other settings builds its own instead.
// Where the tables to write come from: each is asked for in turn and let go once written, so that an
// indexer building them holds one at a time.
struct TableSources {
  std::function<std::shared_ptr<const RankRecords>()> rank_records;
  std::function<std::shared_ptr<const CommonTermBits>()> common_terms;
  std::function<std::shared_ptr<const PostingsInMemory>()> postings_in_memory;
  std::function<std::shared_ptr<const SpellingDictionary>()> spelling;
};

void write_tables(TablesWriter& out, const TableSources& t, const EngineOptions& options) {
  t.rank_records()->write(out);
  out.u64(options.common_term_bits_bytes);
  out.u64(options.common_term_min_postings);
  t.common_terms()->write(out);
  out.u64(options.prose_postings_bytes);
  out.str(joined_filter_prefixes());
  t.postings_in_memory()->write(out);
  t.spelling()->write(out);
}

TablesOfFile read_tables(TablesReader& in, const EngineOptions& options) {
  TablesOfFile t;
  t.rank_records = std::make_shared<const RankRecords>(RankRecords::read(in));
  const bool same_bits = in.u64() == options.common_term_bits_bytes;
  const bool same_min = in.u64() == options.common_term_min_postings;
  auto common = std::make_shared<const CommonTermBits>(CommonTermBits::read(in));
  if (same_bits && same_min) t.common_terms = std::move(common);
  const bool same_limit = in.u64() == options.prose_postings_bytes;
  const bool same_prefixes = in.str() == joined_filter_prefixes();
  auto postings = std::make_shared<const PostingsInMemory>(PostingsInMemory::read(in));
  if (same_limit && same_prefixes) t.postings_in_memory = std::move(postings);
  t.spelling = std::make_shared<const SpellingDictionary>(SpellingDictionary::read(in));
  return t;
}

Status write_tables_of(const fs::path& generation_dir, uint64_t revision, const std::string& generation,
                       const TableSources& tables, const EngineOptions& options) {
  const fs::path path = tables_file_path(generation_dir, revision);
  auto out = TablesWriter::Create(path, generation);
  if (!out.ok()) return out.status();
  write_tables(**out, tables, options);
  if (Status s = (*out)->commit(); !s.ok()) return s;
  // The files of older revisions (a server still on one has it mapped, which outlives the name), and
  // what killed writers left.
  std::error_code listed;
  for (const auto& entry : fs::directory_iterator(generation_dir, listed)) {
    const std::string name = entry.path().filename().string();
    if (entry.path() != path && (is_tables_file_name(name) || is_dead_writers_file(name))) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  }
  return Status::OK();
}

}  // namespace

std::string generation_of(const Xapian::Database& db) {
  return db.get_uuid() + ":" + std::to_string(db.get_revision());
}

BackgroundRunner::~BackgroundRunner() {
  std::thread last;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last = std::move(thread_);
  }
  if (last.joinable()) last.join();
}

bool BackgroundRunner::start(std::function<void()> job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (running_) return false;
  running_ = true;
  if (thread_.joinable()) thread_.join();  // it has finished: running_ was false
  thread_ = std::thread([this, job = std::move(job)] {
    job();
    std::lock_guard<std::mutex> finished(mutex_);
    running_ = false;
  });
  return true;
}

std::shared_ptr<const RankRecords> RankRecords::load(const Xapian::Database& db) {
  std::vector<uint64_t> offsets(static_cast<size_t>(db.get_lastdocid()) + 2, 0);
  std::vector<char> blob;
  Xapian::docid next = 1;  // docids without a record get an empty one
  for (auto v = db.valuestream_begin(schema::kSlotRankRecord);
       v != db.valuestream_end(schema::kSlotRankRecord); ++v) {
    const Xapian::docid did = v.get_docid();
    if (static_cast<size_t>(did) + 1 >= offsets.size()) break;  // newer than lastdocid: not ours
    for (; next <= did; ++next) offsets[next] = blob.size();
    const std::string record = *v;
    blob.insert(blob.end(), record.begin(), record.end());
  }
  for (; static_cast<size_t>(next) < offsets.size(); ++next) offsets[next] = blob.size();
  blob.shrink_to_fit();
  auto table = std::make_shared<RankRecords>();
  table->blob = FlatArray<char>(std::move(blob));
  table->offsets = FlatArray<uint64_t>(std::move(offsets));
  return table;
}

void RankRecords::write(TablesWriter& out) const {
  out.array(blob.span());
  out.array(offsets.span());
}

RankRecords RankRecords::read(TablesReader& in) {
  RankRecords r;
  r.blob = in.array<char>();
  r.offsets = in.array<uint64_t>();
  const auto& o = r.offsets;
  if (o.empty() || o[0] != 0 || o[o.size() - 1] != r.blob.size() || !std::is_sorted(o.begin(), o.end()))
    in.fail();
  return r;
}

Status write_tables_file(const fs::path& generation_dir, const EngineOptions& options) {
  try {
    Xapian::Database db(generation_dir.string());
    const TableSources built{
        [&] { return RankRecords::load(db); }, [&] { return built_common_terms(db, options); },
        [&] { return built_postings(db, options); },
        [&] { return std::make_shared<const SpellingDictionary>(SpellingDictionary::load(db)); }};
    return write_tables_of(generation_dir, db.get_revision(), generation_of(db), built, options);
  } catch (const Xapian::Error& e) {
    return Status::IOError("cannot read " + generation_dir.string() + " for its tables file: " + e.get_msg());
  }
}

void write_tables_file(const fs::path& generation_dir, UpdateReport& report) {
  const auto start = std::chrono::steady_clock::now();
  if (Status s = write_tables_file(generation_dir); !s.ok())
    spdlog::warn("tables file not written ({}): servers will build the tables from the index", s.message());
  // What the catalogues teach the code grammar, kept beside the tables for the servers' next start.
  // Taught here from the index, as a server teaches it (the kept values in key order), not copied
  // from the indexer's own grammar: that one learnt the files in listing order, and where two
  // catalogues give one code the order decides which reading comes first.
  try {
    (void)taught_grammar(Xapian::Database(generation_dir.string()), generation_dir);
  } catch (const Xapian::Error& e) {
    spdlog::warn("taught catalogue not kept ({}): servers will teach the code grammar", e.get_msg());
  } catch (const std::exception& e) {
    spdlog::warn("taught catalogue not kept ({}): servers will teach the code grammar", e.what());
  }
  report.phases.emplace_back("tables file",
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void write_tables_file_after_update(const fs::path& generation_dir, uint64_t passages, UpdateReport& report) {
  if (passages > kTablesFileUpdatePassages) return;
  try {  // an update that changed nothing committed nothing: its revision's file is there already
    if (fs::exists(
            tables_file_path(generation_dir, Xapian::Database(generation_dir.string()).get_revision())))
      return;
  } catch (const Xapian::Error&) {
  }
  write_tables_file(generation_dir, report);
}

Result<TablesOfFile> read_tables_file(const Xapian::Database& db, const fs::path& generation_dir,
                                      const EngineOptions& options) {
  const fs::path path = tables_file_path(generation_dir, db.get_revision());
  auto in = TablesReader::Open(path, generation_of(db));
  if (!in.ok()) return in.status();
  TablesOfFile tables = read_tables(*in, options);
  if (!in->ok() || !in->at_end())
    return Status::Corruption(path.string() + ": its tables do not read back whole");
  return tables;
}

GenerationTables::GenerationTables(const EngineOptions& options)
    : options_(options),
      grammars_(options.index_dir, catalogue_revision, taught_grammar),
      rank_records_(options.index_dir, generation_of,
                    [](const Xapian::Database& db, const fs::path&) { return RankRecords::load(db); }),
      common_terms_(
          options.index_dir, generation_of,
          [this](const Xapian::Database& db, const fs::path&) { return built_common_terms(db, options_); }),
      postings_in_memory_(
          options.index_dir, generation_of,
          [this](const Xapian::Database& db, const fs::path&) { return built_postings(db, options_); }),
      spelling_(options.index_dir, generation_of, [](const Xapian::Database& db, const fs::path&) {
        return std::make_shared<const SpellingDictionary>(SpellingDictionary::load(db));
      }) {}

std::shared_ptr<const CodeGrammar> GenerationTables::grammar_for(const Xapian::Database& db,
                                                                 const fs::path& dir) {
  if (!grammars_.latest()) return grammars_.build_now(db, dir);
  if (auto current = grammars_.get(catalogue_revision(db))) return current;
  return grammars_.latest();
}

template <typename T>
std::shared_ptr<const T> GenerationTables::table_of(GenerationTable<T>& table,
                                                    const std::string& generation) {
  if (!file_tried(generation)) return table.peek(generation);
  return table.get(generation);
}

std::shared_ptr<const RankRecords> GenerationTables::rank_records(const std::string& generation) {
  if (!options_.rank_records_in_memory) return nullptr;
  return table_of(rank_records_, generation);
}

std::shared_ptr<const CommonTermBits> GenerationTables::common_terms(const std::string& generation) {
  if (options_.common_term_bits_bytes == 0) return nullptr;
  return table_of(common_terms_, generation);
}

std::shared_ptr<const PostingsInMemory> GenerationTables::postings_in_memory(const std::string& generation) {
  if (options_.prose_postings_bytes == 0) return nullptr;
  return table_of(postings_in_memory_, generation);
}

std::shared_ptr<const SpellingDictionary> GenerationTables::spelling(const std::string& generation) {
  return table_of(spelling_, generation);
}

bool GenerationTables::ready(const std::string& generation) {
  const bool records = !options_.rank_records_in_memory || rank_records(generation);
  const bool spelling_loaded = spelling(generation) != nullptr;
  const bool common = options_.common_term_bits_bytes == 0 || common_terms(generation);
  const bool postings = options_.prose_postings_bytes == 0 || postings_in_memory(generation);
  const bool all = records && spelling_loaded && common && postings;
  if (all) {
    std::lock_guard lock(file_mutex_);
    if (from_file_ != generation && saved_ != generation &&
        file_runner_.start([this, generation] { save_file(generation); }))
      saved_ = generation;
  }
  return all;
}

std::string GenerationTables::source(const std::string& generation) {
  if (!ready(generation)) return "";
  std::lock_guard lock(file_mutex_);
  return from_file_ == generation ? "file" : "index";
}

bool GenerationTables::file_tried(const std::string& generation) {
  std::lock_guard lock(file_mutex_);
  if (file_tried_ == generation) return true;
  if (file_trying_ != generation && file_runner_.start([this, generation] { load_file(generation); }))
    file_trying_ = generation;
  return false;
}

void GenerationTables::load_file(const std::string& generation) {
  try {
    auto dir = current_generation(options_.index_dir);  // the index as it is now
    std::optional<Xapian::Database> db;
    if (dir.ok()) db.emplace(dir->string());
    if (db && generation_of(*db) == generation) {
      auto tables = read_tables_file(*db, *dir, options_);
      if (tables.ok()) {
        {  // before the tables: once they are all installed, the generation must read as mapped
          std::lock_guard lock(file_mutex_);
          from_file_ = generation;
        }
        if (tables->rank_records) rank_records_.install(tables->rank_records, generation);
        if (tables->common_terms) common_terms_.install(tables->common_terms, generation);
        if (tables->postings_in_memory) postings_in_memory_.install(tables->postings_in_memory, generation);
        if (tables->spelling) spelling_.install(tables->spelling, generation);
      } else if (tables.status().code() == Status::Code::kNotFound) {
        spdlog::info("{}: building the in-memory tables from the index", tables.status().message());
      } else {
        spdlog::warn("tables file refused ({}): building the in-memory tables from the index",
                     tables.status().message());
      }
    }
  } catch (const Xapian::Error& e) {
    spdlog::warn("tables file of {} not read: {}", generation, e.get_msg());
  }
  std::lock_guard lock(file_mutex_);
  file_tried_ = generation;
}

void GenerationTables::save_file(const std::string& generation) {
  TablesOfFile tables{rank_records_.peek(generation), common_terms_.peek(generation),
                      postings_in_memory_.peek(generation), spelling_.peek(generation)};
  // Only a complete set is written: the tables the options turn off are not built.
  if (!tables.rank_records || !tables.common_terms || !tables.postings_in_memory || !tables.spelling) return;
  try {
    auto dir = current_generation(options_.index_dir);
    if (!dir.ok()) return;
    Xapian::Database db(dir->string());
    if (generation_of(db) != generation) return;
    const TableSources installed{[&] { return tables.rank_records; }, [&] { return tables.common_terms; },
                                 [&] { return tables.postings_in_memory; }, [&] { return tables.spelling; }};
    if (Status s = write_tables_of(*dir, db.get_revision(), generation, installed, options_); !s.ok())
      spdlog::info("tables file not written ({}): the next start builds the tables from the index",
                   s.message());
  } catch (const Xapian::Error&) {
    // The index moved on: the next revision's tables will be written instead.
  }
}

}  // namespace errkb::store
