// Engine: the read side over one index directory (engine.h). One Xapian handle per calling thread.
#include <sys/stat.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>
#include <numeric>
#include <random>
#include <sstream>
#include <functional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "errkb/engine.h"
#include "errkb/feedback.h"
#include "errkb/schema.h"
#include "errkb/text.h"
#include "rank/answer.h"
#include "rank/ranking.h"
#include "store/catalogue_codes.h"
#include "store/cause_level.h"
#include "store/common_terms.h"
#include "store/documents.h"
#include "store/index_dir.h"
#include "store/postings_in_memory.h"
#include "store/prose_terms.h"
#include "store/scan_plan.h"
#include "store/snippet.h"
#include "store/spelling.h"
#include "store/stopwords.h"
#include "store/xapian_status.h"

namespace errkb {

namespace fs = std::filesystem;

namespace {

constexpr size_t kCandidates = 60;      // passages scored per request
constexpr size_t kLanguageReserve = 10;  // causes merged beyond a diagnosis' limit, for rank::prefer_language
constexpr size_t kMaxQueryBytes = 4096;  // longer prose is cut (the server limits q to 2 KiB anyway)

std::string today_key() {
  std::time_t now = std::time(nullptr);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", std::gmtime(&now));
  return buf;
}

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

// Query language: the request's, else CLD2's guess when the KB has passages in that language (a few
// words are easily taken for a language the KB lacks, "non-scalar field initializer" for Galician, and
// its stemmer would then miss every page), else by script (Cyrillic -> ru), else English.
template <typename KbHasLanguage>
std::string query_language(const std::string& requested, const std::string& prose, KbHasLanguage&& kb_has) {
  if (!requested.empty()) return requested;
  std::string detected = detect_language(prose);
  if (!detected.empty() && kb_has(detected)) return detected;
  for (unsigned char c : prose)
    if (c == 0xD0 || c == 0xD1) return "ru";
  return "en";
}

// Spelling correction of the prose only (codes were cut out before): a word the index has never seen
// and that is not a stop word is replaced by the closest word from the spelling table. "" = nothing to fix.
template <typename SpellingLookup>
std::string suggest_spelling(const Xapian::Database& db, store::TermFreqs& freqs, const std::string& prose,
                             const std::string& language, const Xapian::Stem& stem,
                             SpellingLookup&& spelling_suggestion) {
  const auto& stops = store::stop_words(language);
  std::string out;
  bool changed = false;
  size_t i = 0;
  while (i < prose.size()) {
    size_t j = i;
    while (j < prose.size() && (static_cast<unsigned char>(prose[j]) >= 0x80 || std::isalnum(static_cast<unsigned char>(prose[j])))) ++j;
    if (j == i) {
      out += prose[i++];
      continue;
    }
    std::string word = prose.substr(i, j - i);
    std::string lower = Xapian::Unicode::tolower(word);
    bool digits = lower.find_first_of("0123456789") != std::string::npos;
    if (lower.size() >= 4 && !digits && std::find(stops.begin(), stops.end(), lower) == stops.end() &&
        freqs.of(db, "Z" + stem(lower)) == 0) {
      std::string fix = spelling_suggestion(lower);
      if (!fix.empty() && fix != lower) {
        word = fix;
        changed = true;
      }
    }
    out += word;
    i = j;
  }
  return changed ? out : std::string();
}

// 32 hex digits: the time in milliseconds (12), then 80 random bits. Ids that grow with time are
// appended to the end of the feedback store's primary-key index; random ones landed on a random
// page of it each, and at a thousand diagnoses a second those page writes and their checkpoints
// were the store's main cost.
std::string new_diagnosis_id() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          std::hash<std::thread::id>{}(std::this_thread::get_id()));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char buf[33];
  std::snprintf(buf, sizeof buf, "%012llx%04llx%016llx", static_cast<unsigned long long>(ms) & 0xffffffffffffULL,
                static_cast<unsigned long long>(rng()) & 0xffffULL, static_cast<unsigned long long>(rng()));
  return buf;
}

std::string_view facet_value(const store::RankRecord& r, schema::PassageField field) {
  switch (field) {
    case schema::PassageField::kKind: return r.kind;
    case schema::PassageField::kVendor: return r.vendor;
    case schema::PassageField::kProduct: return r.product;
    case schema::PassageField::kLanguage: return r.language;
    case schema::PassageField::kSeverity: return r.severity;
    default: return {};
  }
}

// Where a text writes a code, and the code's readings.
struct CodeSpan {
  size_t begin = 0, end = 0;
  std::vector<std::string> canonicals;
};

// Passages whose code spans are kept per index generation: the top passages of the popular codes.
constexpr size_t kPassageCodeMemo = 16384;

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

// What lookup_code() finds for one reading of a code.
struct ReadingAnswer {
  std::vector<Hit> catalogue_entries;
  std::vector<Cause> causes;
};

struct CodeReading {
  std::string canonical;
  std::string name;
  double confidence;
};

struct AnalyzedQuery {
  std::vector<CodeOccurrence> codes;
  std::vector<CodeReading> readings;
  std::string prose;
  std::string language;
  Xapian::Stem stem;
  Xapian::Query code_query;
  std::vector<std::pair<std::string, double>> code_terms;  // code_query's terms and weight factors
  Xapian::Query prose_query;
  Xapian::Query filter;                  // the AND of filter_terms
  std::vector<std::string> filter_terms;  // the request's vendor, product and kind, as terms
  std::vector<std::string> prose_terms;  // terms of the prose query (for coverage, feedback keys)
  std::vector<std::string> word_pairs;   // its adjacent words as schema::kWordPairPrefix terms
  store::SnippetTerms snippet_terms;     // prose_terms as the snippets look for them
  std::string suggestion;
};

}  // namespace

// One background job at a time: start() does nothing while a job runs. The destructor waits for the
// running job, so a runner must be declared after everything its jobs touch.
class BackgroundRunner {
 public:
  ~BackgroundRunner() {
    std::thread last;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      last = std::move(thread_);
    }
    if (last.joinable()) last.join();
  }
  void start(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_) return;
    running_ = true;
    if (thread_.joinable()) thread_.join();  // it has finished: running_ was false
    thread_ = std::thread([this, job = std::move(job)] {
      job();
      std::lock_guard<std::mutex> lock(mutex_);
      running_ = false;
    });
  }

 private:
  std::mutex mutex_;
  bool running_ = false;
  std::thread thread_;
};

std::string generation_of(const Xapian::Database& db) {
  return db.get_uuid() + ":" + std::to_string(db.get_revision());
}

// A table derived from the live index and valid for one key of it (its generation for the rank records
// and the spelling dictionary, its catalogue revision for the code grammar). Building reads the whole
// index, seconds at a million passages, so no worker waits for it: get() of another key starts a
// background build from the index as it is then, and answers nullptr until that is installed.
template <typename T>
class GenerationTable {
 public:
  using KeyOf = std::string (*)(const Xapian::Database&);
  // Builds from a database and the generation directory it is (for the files beside it).
  using Builder = std::function<std::shared_ptr<const T>(const Xapian::Database&, const fs::path&)>;
  GenerationTable(fs::path index_dir, KeyOf key_of, Builder build)
      : index_dir_(std::move(index_dir)), key_of_(key_of), build_(std::move(build)) {}

  std::shared_ptr<const T> get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (table_ && key_ == key) return table_;
    runner_.start([this] { build_in_background(); });
    return nullptr;
  }
  // The table installed last, whatever its key (nullptr before the first).
  std::shared_ptr<const T> latest() {
    std::lock_guard<std::mutex> lock(mutex_);
    return table_;
  }
  // Builds and installs the table of `db` (generation `generation`) on the calling thread.
  std::shared_ptr<const T> build_now(const Xapian::Database& db, const fs::path& generation) {
    std::shared_ptr<const T> table = build_(db, generation);
    install(table, key_of_(db));
    return table;
  }
  // How many tables have been installed: a holder of latest() compares it to see a newer one.
  uint64_t installs() const { return installs_.load(); }

 private:
  void build_in_background() {
    std::shared_ptr<const T> table;
    std::string key;
    try {
      auto generation = store::current_generation(index_dir_);  // the index as it is now
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
  void install(std::shared_ptr<const T> table, std::string key) {
    std::lock_guard<std::mutex> lock(mutex_);
    table_ = std::move(table);
    key_ = std::move(key);
    installs_.fetch_add(1);
  }

  const fs::path index_dir_;
  const KeyOf key_of_;
  const Builder build_;
  std::mutex mutex_;
  std::string key_;                 // guarded by mutex_
  std::shared_ptr<const T> table_;  // guarded by mutex_
  std::atomic<uint64_t> installs_{0};
  BackgroundRunner runner_;         // last: waits for its job before the rest goes
};

class XapianEngine final : public Engine {
 public:

  explicit XapianEngine(EngineOptions options)
      : options_(std::move(options)),
        reading_answers_(options_.code_cache_readings),
        spelling_memo_(options_.spelling_memo_words) {}

  Status open_check() {
    auto h = handle();
    if (!h.ok()) return h.status();
    return Status::OK();
  }

  Result<SearchResponse> search(const SearchRequest& r) override {
    return guarded<SearchResponse>([&](Handle& h) { return do_search(h, r); });
  }
  Result<CodeLookup> lookup_code(const std::string& code, const std::string& vendor) override {
    return guarded<CodeLookup>([&](Handle& h) { return do_lookup(h, code, vendor); });
  }
  Result<Diagnosis> diagnose(const DiagnoseRequest& r) override {
    return guarded<Diagnosis>([&](Handle& h) { return do_diagnose(h, r); });
  }
  Result<IndexInfo> info() override {
    return guarded<IndexInfo>([&](Handle& h) -> Result<IndexInfo> {
      IndexInfo info;
      info.path = options_.index_dir.string();
      info.revision = h.db.get_revision();
      info.documents = h.db.get_doccount();
      info.schema_version = std::atoi(h.db.get_metadata(std::string(schema::kMetaSchemaVersion)).c_str());
      info.reopen_count = reopens_.load();
      info.warm = tables_ready(h);
      info.code_cache = reading_answers_.stats();
      info.spelling_memo = spelling_memo_.stats();
      std::istringstream folders(h.db.get_metadata(std::string(schema::kMetaKbDirs)));
      for (std::string dir; std::getline(folders, dir);) info.kb_dirs.push_back(dir);
      if (auto postings = postings_in_memory_for(h)) info.prose_postings_bytes = postings->bytes();
      return info;
    });
  }
  Result<std::vector<CodeOccurrence>> find_codes(const std::string& text, const std::string& vendor) override {
    return guarded<std::vector<CodeOccurrence>>(
        [&](Handle& h) -> Result<std::vector<CodeOccurrence>> { return h.grammar->find_codes(text, {vendor, ""}); });
  }
  void invalidate() override { epoch_.fetch_add(1); }

 private:
  struct Handle {
    Xapian::Database db;
    uint64_t epoch = 0;
    StubId stub;
    std::shared_ptr<const CodeGrammar> grammar;
    std::string generation;  // uuid and revision of `db`, the key space of the generation memos
    std::chrono::steady_clock::time_point checked;  // when the stub and the revision were last looked at
    uint64_t grammar_installs = 0;                   // grammars_.installs() when `grammar` was taken
    bool open = false;
    fs::path generation_dir;            // the generation `db` is on
    store::PassageFileReader passages;  // of generation_dir
    store::TermFreqs freqs;             // of `generation`
  };

  // BM25 as schema.h describes.
  static Xapian::BM25Weight weighting() {
    return Xapian::BM25Weight(schema::kBm25K1OfScaledWdf, 0, 1, 0, schema::kMinNormLength);
  }

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

  Result<Handle*> handle() {
    Handle* h;
    {
      std::lock_guard<std::mutex> lock(handles_mutex_);
      auto& slot = handles_[std::this_thread::get_id()];
      if (!slot) slot = std::make_unique<Handle>();
      h = slot.get();
    }
    try {
      uint64_t epoch = epoch_.load();
      if (h->open && h->grammar_installs != grammars_.installs()) {
        // A background teacher installed the grammar of the latest index.
        h->grammar_installs = grammars_.installs();
        h->grammar = grammars_.latest();
      }
      const auto now = std::chrono::steady_clock::now();
      if (h->open && h->epoch == epoch && now - h->checked < options_.change_check_interval) return h;
      h->checked = now;
      StubId stub = stat_stub(store::stub_path(options_.index_dir));
      if (!h->open || !(stub == h->stub)) {
        if (stub.inode == 0)
          return Status::NotFound("no index at " + options_.index_dir.string() + " (run errkb-indexer update)");
        // The generation the stub names, opened by its path: its passage file is beside it.
        auto generation = store::current_generation(options_.index_dir);
        if (!generation.ok()) return generation.status();
        h->db = Xapian::Database(generation->string());
        if (Status s = check_version(h->db); !s.ok()) return s;
        if (Status s = h->passages.open(*generation / schema::kPassageFileName); !s.ok()) return s;
        h->generation_dir = *generation;
        if (h->open) reopens_.fetch_add(1);
        h->open = true;
        h->stub = stub;
        h->epoch = epoch;
        adopt_revision(*h);
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

  Status check_version(const Xapian::Database& db) {
    int v = std::atoi(db.get_metadata(std::string(schema::kMetaSchemaVersion)).c_str());
    if (v > schema::kSchemaVersion)
      return Status::VersionMismatch("index schema version " + std::to_string(v) + " is newer than this program's " +
                                     std::to_string(schema::kSchemaVersion) + "; upgrade errkb");
    if (v < schema::kSchemaVersion)
      return Status::VersionMismatch("index schema version " + std::to_string(v) + " is older than this program's " +
                                     std::to_string(schema::kSchemaVersion) + "; run errkb-indexer rebuild");
    return Status::OK();
  }

  static std::string catalogue_rev_of(const Xapian::Database& db) {
    return db.get_metadata(std::string(schema::kMetaCatalogueRev)) + "@" + db.get_uuid();
  }

  // The grammar, generation and in-memory tables of the revision `h.db` has just opened.
  void adopt_revision(Handle& h) {
    h.grammar_installs = grammars_.installs();
    h.grammar = grammar_for(h);
    h.generation = generation_of(h.db);
    h.freqs.clear();
    // The in-memory tables start loading as soon as a worker opens a generation, not at the first
    // query that needs them.
    tables_ready(h);
  }

  // Asks for each in-memory table of the handle's generation that the options turn on (starting the
  // loads of those missing); true once every one is loaded.
  bool tables_ready(const Handle& h) {
    const bool records = !options_.rank_records_in_memory || rank_records_for(h);
    const bool spelling = spelling_.get(h.generation) != nullptr;
    const bool common = options_.common_term_bits_bytes == 0 || common_terms_for(h);
    const bool postings = options_.prose_postings_bytes == 0 || postings_in_memory_for(h);
    return records && spelling && common && postings;
  }

  std::shared_ptr<const store::PostingsInMemory> postings_in_memory_for(const Handle& h) {
    if (options_.prose_postings_bytes == 0) return nullptr;
    return postings_in_memory_.get(h.generation);
  }

  std::shared_ptr<const store::CommonTermBits> common_terms_for(const Handle& h) {
    if (options_.common_term_bits_bytes == 0) return nullptr;
    return common_terms_.get(h.generation);
  }

  // One grammar per catalogue revision, shared by all threads. The first is taught before the engine
  // answers; a later revision (catalogues changed, or a rebuild) is taught in the background while
  // queries keep the previous grammar, and handles pick up the new one at their next query.
  std::shared_ptr<const CodeGrammar> grammar_for(const Handle& h) {
    if (!grammars_.latest()) return grammars_.build_now(h.db, h.generation_dir);
    if (auto current = grammars_.get(catalogue_rev_of(h.db))) return current;
    return grammars_.latest();
  }

  static std::shared_ptr<const CodeGrammar> taught_grammar(const Xapian::Database& db, const fs::path& generation) {
    auto g = std::make_shared<CodeGrammar>();
    store::PassageFileReader passages;
    if (Status s = passages.open(generation / schema::kPassageFileName); !s.ok())
      throw std::runtime_error(s.message());
    store::teach_grammar_from_index(db, passages, *g);
    return g;
  }

  // The rank records (schema slot 20) of the open index generation, in memory by docid. Ranking reads
  // one for every candidate (up to 120 a search) and from the index each is a B-tree lookup, usually a
  // pread (12% of a search at 100k passages). They are loaded in one pass over the value stream (about
  // 90 bytes a passage); until then, and for any other generation, records are read from the index.
  struct RankRecords {
    std::string blob;
    std::vector<uint64_t> offsets;  // record of docid d: blob[offsets[d], offsets[d + 1])
    std::string_view of(Xapian::docid did) const {
      if (static_cast<size_t>(did) + 1 >= offsets.size()) return {};
      return std::string_view(blob).substr(offsets[did], offsets[did + 1] - offsets[did]);
    }
  };

  std::shared_ptr<const RankRecords> rank_records_for(const Handle& h) {
    if (!options_.rank_records_in_memory) return nullptr;
    return rank_records_.get(h.generation);
  }

  static std::shared_ptr<const RankRecords> load_rank_records(const Xapian::Database& db) {
    auto table = std::make_shared<RankRecords>();
    table->offsets.assign(static_cast<size_t>(db.get_lastdocid()) + 2, 0);
    Xapian::docid next = 1;  // docids without a record get an empty one
    for (auto v = db.valuestream_begin(schema::kSlotRankRecord); v != db.valuestream_end(schema::kSlotRankRecord);
         ++v) {
      const Xapian::docid did = v.get_docid();
      if (static_cast<size_t>(did) + 1 >= table->offsets.size()) break;  // newer than lastdocid: not ours
      for (; next <= did; ++next) table->offsets[next] = table->blob.size();
      table->blob += *v;
    }
    for (; static_cast<size_t>(next) < table->offsets.size(); ++next) table->offsets[next] = table->blob.size();
    return table;
  }

  // A spelling correction for one unknown word ("" = none), memoised per generation. One edit away from
  // the in-memory dictionary; when nothing is, two edits away through Xapian if the table is small enough
  // for that to be quick (store/spelling.h). While the dictionary loads, Xapian answers for an index of
  // up to kSmallSpellingTable passages (its table is smaller than that) and a larger one gets no
  // suggestion, not memoised.
  std::string spelling_fix(Handle& h, const std::string& word) {
    if (auto known = spelling_memo_.find(h.generation, word)) return *known;
    const std::shared_ptr<const store::SpellingDictionary> dictionary = spelling_.get(h.generation);
    if (!dictionary && h.db.get_doccount() > store::kSmallSpellingTable) return {};
    std::string fix;
    if (dictionary) fix = dictionary->one_edit(word);
    if (fix.empty() && (!dictionary || dictionary->size() <= store::kSmallSpellingTable))
      fix = h.db.get_spelling_suggestion(word, 2);
    spelling_memo_.store(h.generation, word, std::make_shared<const std::string>(fix));
    return fix;
  }

  // ---- query analysis ----

  AnalyzedQuery analyze(Handle& h, const std::string& text, const std::vector<CodeInterpretation>& extra_readings,
                        const std::string& lang, const std::string& vendor, const std::string& product,
                        const std::string& kind, bool want_suggestion) {
    AnalyzedQuery q;
    std::string input = text.size() > kMaxQueryBytes ? text.substr(0, kMaxQueryBytes) : text;
    CodeContext ctx{vendor, product};
    q.codes = h.grammar->find_codes(input, ctx);
    // Cut the codes out: the rest is prose, parsed without them so neither breaks the other. A code none of
    // whose readings the index holds stays in the prose as written: a page with the same literal is found.
    std::string prose;
    size_t pos = 0;
    for (const auto& occ : q.codes) {
      if (occ.begin >= pos) prose.append(input, pos, occ.begin - pos);
      prose += ' ';
      if (occ.begin >= pos && !indexed_reading(h, occ)) prose += code_literal(std::string_view(input).substr(occ.begin, occ.end - occ.begin));
      pos = std::max(pos, occ.end);
      for (const auto& r : occ.interpretations)
        add_reading(q.readings, r);
    }
    if (pos < input.size()) prose.append(input, pos, std::string::npos);
    for (const auto& r : extra_readings) add_reading(q.readings, r);
    q.prose = collapse_whitespace(prose);
    q.language = query_language(lang, q.prose, [&](const std::string& language) {
      return h.freqs.of(h.db, filter_prefix("lang") + language) > 0;
    });

    set_code_query(h, q);

    if (!q.prose.empty()) {
      Xapian::QueryParser qp;
      q.stem = store::stemmer_for(q.language);
      qp.set_stemmer(q.stem);
      qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL_Z);
      qp.set_stopper(store::stopper_for(q.language));
      qp.set_database(h.db);
      qp.set_default_op(Xapian::Query::OP_OR);
      for (const auto& spec : schema::kFields) {
        if (spec.type == schema::FieldType::kFilter) qp.add_boolean_prefix(std::string(spec.name), std::string(spec.prefix));
        else if (!spec.prefix.empty()) qp.add_prefix(std::string(spec.name), std::string(spec.prefix));
      }
      unsigned flags = Xapian::QueryParser::FLAG_AUTO_SYNONYMS;
      std::string parser_text = store::prose_for_parser(q.prose);
      try {
        q.prose_query = qp.parse_query(parser_text, flags);
      } catch (const Xapian::QueryParserError&) {
        q.prose_query = qp.parse_query(parser_text, 0);
      }
      q.prose_query = store::with_identifier_terms(q.prose_query, q.prose, q.language);
      if (want_suggestion)
        q.suggestion = suggest_spelling(h.db, h.freqs, q.prose, q.language, q.stem,
                                        [&](const std::string& word) { return spelling_fix(h, word); });
      for (auto t = q.prose_query.get_unique_terms_begin(); t != q.prose_query.get_unique_terms_end(); ++t) {
        const std::string& term = *t;
        if (!term.empty() && (std::islower(static_cast<unsigned char>(term[0])) || term[0] == 'Z' ||
                              static_cast<unsigned char>(term[0]) >= 0x80))
          q.prose_terms.push_back(term);
      }
      q.snippet_terms = store::SnippetTerms::from_query_terms(q.prose_terms);
      thread_local store::ProseTerms pair_maker;
      pair_maker.trim_cache();
      q.word_pairs = pair_maker.word_pairs(q.prose, q.language, schema::kMaxPairWords);
    }

    const std::string* values[std::size(kRequestFilters)] = {&vendor, &product, &kind};
    for (size_t i = 0; i < std::size(kRequestFilters); ++i)
      if (!values[i]->empty())
        q.filter_terms.push_back(filter_prefix(kRequestFilters[i]) + store::lower_ascii(*values[i]));
    if (!q.filter_terms.empty())
      q.filter = Xapian::Query(Xapian::Query::OP_AND, q.filter_terms.begin(), q.filter_terms.end());
    return q;
  }

  // The code itself of an occurrence's text, without its cue words ("eBay error 99999" -> "99999",
  // "E_ACCESSDENIED"): its words of letters, digits and underscores that hold a digit or an underscore, or
  // its one word. Not a word with inner punctuation ("SF-9001"): the parser would split it, and its
  // prefix alone ("sf") would match every code of that vendor.
  static std::string code_literal(std::string_view raw) {
    auto plain = [](std::string_view word) {
      return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      });
    };
    if (raw.find(' ') == std::string_view::npos) return plain(raw) ? std::string(raw) : std::string();
    std::string out;
    for (size_t i = 0; i < raw.size();) {
      size_t j = std::min(raw.find(' ', i), raw.size());
      const std::string_view word = raw.substr(i, j - i);
      if (plain(word) && word.find_first_of("0123456789_") != std::string_view::npos) (out += ' ') += word;
      i = j + 1;
    }
    return out;
  }

  static bool indexed_reading(Handle& h, const CodeOccurrence& occ) {
    for (const auto& r : occ.interpretations)
      if (h.freqs.of(h.db, std::string(schema::kCodePrefix) + r.canonical) > 0 ||
          h.freqs.of(h.db, std::string(schema::kWeakCodePrefix) + r.canonical) > 0)
        return true;
    return false;
  }

  // The fields a request filters by (vendor=, product=, kind=), in analyze()'s order.
  static constexpr std::string_view kRequestFilters[] = {"vendor", "product", "kind"};

  static std::string filter_prefix(std::string_view field) {
    for (const auto& spec : schema::kFields)
      if (spec.name == field) return std::string(spec.prefix);
    return {};
  }

  static std::vector<std::string> request_filter_prefixes() {
    std::vector<std::string> prefixes;
    for (std::string_view field : kRequestFilters) prefixes.push_back(filter_prefix(field));
    return prefixes;
  }

  // Exact code terms of the readings, weighted by confidence; the weaker ambiguous-code terms at half.
  // Terms the index does not have are left out (by the handle's cached term frequencies): most codes
  // have no weak term, and each term is a posting list the matcher and matched_terms would open.
  static void set_code_query(Handle& h, AnalyzedQuery& q) {
    auto add = [&](std::string term, double factor) {
      if (h.freqs.of(h.db, term) > 0) q.code_terms.emplace_back(std::move(term), factor);
    };
    for (const auto& r : q.readings) {
      add(std::string(schema::kCodePrefix) + r.canonical, r.confidence);
      add(std::string(schema::kWeakCodePrefix) + r.canonical, 0.5 * r.confidence);
    }
    std::vector<Xapian::Query> parts;
    for (const auto& [term, factor] : q.code_terms)
      parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(term), factor);
    q.code_query = parts.empty() ? Xapian::Query() : Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
  }

  static void add_reading(std::vector<CodeReading>& readings, const CodeInterpretation& r) {
    if (r.canonical.empty()) return;
    double conf = r.certain ? 1.0 : std::clamp(r.confidence, 0.05, 0.95);
    for (auto& existing : readings)
      if (existing.canonical == r.canonical) {
        existing.confidence = std::max(existing.confidence, conf);
        return;
      }
    readings.push_back({r.canonical, r.name, conf});
  }

  Xapian::Query filtered(const AnalyzedQuery& q, Xapian::Query query) {
    if (q.filter.empty()) return query;
    return Xapian::Query(Xapian::Query::OP_FILTER, query, q.filter);
  }

  // ---- retrieval and scoring ----

  // A scored candidate whose passage is not decoded yet.
  struct Scored {
    rank::ScoredPassage sp;
    uint64_t data_offset = 0;  // of its record in the passage file
    double weight = 0;  // its BM25 weight in its MSet (breaks ties of the score)
  };

  struct Candidates {
    std::vector<Scored> scored;               // best first
    std::vector<rank::ScoredPassage> passages;  // the decoded top of `scored` (materialize)
    int64_t total = 0;
    Facets facets;
    double strength = 0;  // how well the best candidate answers the query (0..1)
  };

  // Which of a query's scoring terms each document of an MSet contains, in query order (the order
  // Enquire::get_matching_terms gives). Read from the terms' posting lists, skipping through the
  // candidates in docid order: get_matching_terms would read and decompress each candidate's whole
  // term list instead.
  class MatchedTerms {
   public:
    std::vector<const std::string*> of(size_t rank) const {
      std::vector<const std::string*> out;
      for (size_t t = 0; t < terms_.size(); ++t)
        if (present_[rank * terms_.size() + t]) out.push_back(&terms_[t]);
      return out;
    }

    std::vector<std::string> terms_;  // the query's scoring terms, first occurrence order
    std::vector<char> present_;       // [rank * terms_.size() + term]
  };

  static bool is_scoring_term(const std::string& term, const std::unordered_map<std::string, double>& idf) {
    return term.compare(0, schema::kCodePrefix.size(), schema::kCodePrefix) == 0 ||
           term.compare(0, schema::kWeakCodePrefix.size(), schema::kWeakCodePrefix) == 0 || idf.count(term) > 0;
  }

  // A term's IDF weight among n documents, df of which hold it (a term none holds weighs as if one did).
  static double idf_weight(double n, double df) { return std::log(1 + n / std::max(1.0, df)); }

  // The IDF weight of each of the query's prose terms.
  static std::unordered_map<std::string, double> prose_idf(Handle& h, const AnalyzedQuery& q) {
    std::unordered_map<std::string, double> idf;
    const double n = std::max<double>(1, h.db.get_doccount());
    for (const auto& t : q.prose_terms) idf[t] = idf_weight(n, h.freqs.of(h.db, t));
    return idf;
  }

  // For each candidate, the sum (at most 1) of the shares of the terms it holds, read from the terms'
  // posting lists, skipping through the candidates in docid order: for the title's copies of the query's
  // words (a page titled with what was asked is about it) and for the query's word pairs.
  static std::vector<double> shares_held(const Xapian::Database& db, const store::PostingsInMemory* postings,
                                         const std::vector<std::pair<std::string, double>>& term_shares,
                                         const std::vector<std::pair<Xapian::docid, size_t>>& by_docid) {
    std::vector<double> shares(by_docid.size(), 0.0);
    for (const auto& [term, share] : term_shares)
      for_each_candidate_holding(db, postings, term, by_docid,
                                 [&, share = share](size_t rank) { shares[rank] = std::min(1.0, shares[rank] + share); });
    return shares;
  }

  // The title copies of the query's words, each with its share of the query's IDF.
  static std::vector<std::pair<std::string, double>> title_terms(const AnalyzedQuery& q,
                                                                 const std::unordered_map<std::string, double>& idf,
                                                                 double total_idf) {
    static const std::string kTitleCopy = "Z" + filter_prefix("title");
    std::vector<std::pair<std::string, double>> terms;
    if (total_idf <= 0) return terms;
    for (const auto& term : q.prose_terms)
      if (store::is_prose_word(term)) terms.emplace_back(kTitleCopy + term.substr(1), idf.at(term) / total_idf);
    return terms;
  }

  // The query's word pairs some passage holds, each with its share of the pairs' IDF (a pair no passage
  // holds counts as the rarest). Most pairs of a query are held by no passage: an empty posting list
  // says so, once per query, and only a held pair's frequency is looked up.
  static std::vector<std::pair<std::string, double>> held_pairs(const Xapian::Database& db,
                                                                const std::vector<std::string>& pairs) {
    std::vector<std::pair<std::string, double>> held;
    const double n = std::max<double>(1, db.get_doccount());
    double total = 0;
    for (const auto& pair : pairs) {
      const bool holds = db.postlist_begin(pair) != db.postlist_end(pair);
      const double weight = idf_weight(n, holds ? db.get_termfreq(pair) : 0);
      total += weight;
      if (holds) held.emplace_back(pair, weight);
    }
    for (auto& [pair, share] : held) share /= total;
    return held;
  }

  // Candidates as (docid, rank), in docid order: a posting list is read once, skipping through them.
  static std::vector<std::pair<Xapian::docid, size_t>> candidates_by_docid(const std::vector<Xapian::docid>& docids) {
    std::vector<std::pair<Xapian::docid, size_t>> by_docid;
    by_docid.reserve(docids.size());
    for (size_t rank = 0; rank < docids.size(); ++rank) by_docid.emplace_back(docids[rank], rank);
    std::sort(by_docid.begin(), by_docid.end());
    return by_docid;
  }

  // Calls found(rank) for each candidate whose document holds `term`, from the term's posting list: the
  // in-memory one when the lists are loaded and keep every list of its kind, else Xapian's.
  template <typename Found>
  static void for_each_candidate_holding(const Xapian::Database& db, const store::PostingsInMemory* postings,
                                         const std::string& term,
                                         const std::vector<std::pair<Xapian::docid, size_t>>& by_docid, Found&& found) {
    if (postings && postings->loaded() && store::PostingsInMemory::keeps_every_list_of(term)) {
      const store::PostingsInMemory::List* list = postings->find(term);
      if (!list) return;  // the index lacks the term
      store::PostingsInMemory::Cursor c(*postings, *list);
      for (const auto& [did, rank] : by_docid) {
        if (!c.seek(did)) break;
        if (c.docid() == did) found(rank);
      }
      return;
    }
    walk_candidates(db.postlist_begin(term), db.postlist_end(term), by_docid, std::forward<Found>(found));
  }

  template <typename Found>
  static void walk_candidates(Xapian::PostingIterator pl, const Xapian::PostingIterator& end,
                              const std::vector<std::pair<Xapian::docid, size_t>>& by_docid, Found&& found) {
    for (const auto& [did, rank] : by_docid) {
      if (pl == end) break;
      pl.skip_to(did);
      if (pl == end) break;
      if (*pl == did) found(rank);
    }
  }

  // What an in-memory pass already knows: which of its words (bit i: terms[i]) each candidate has.
  struct PassWords {
    std::vector<std::string> terms;
    const std::vector<uint64_t>* masks = nullptr;  // by rank
  };

  // The other terms are looked up: in a bitset, the in-memory list, else the posting list.
  static MatchedTerms matched_terms(const Xapian::Database& db, const Xapian::Query& query,
                                    const std::vector<Xapian::docid>& docids,
                                    const std::unordered_map<std::string, double>& idf,
                                    const store::CommonTermBits* common, const store::PostingsInMemory* postings,
                                    const PassWords* pass = nullptr) {
    MatchedTerms m;
    for (auto t = query.get_terms_begin(); t != query.get_terms_end(); ++t) {
      const std::string& term = *t;
      if (is_scoring_term(term, idf) && std::find(m.terms_.begin(), m.terms_.end(), term) == m.terms_.end())
        m.terms_.push_back(term);
    }
    const size_t n_terms = m.terms_.size();
    m.present_.assign(docids.size() * n_terms, 0);
    if (n_terms == 0 || docids.empty()) return m;
    const auto by_docid = candidates_by_docid(docids);
    for (size_t t = 0; t < n_terms; ++t) {
      if (pass) {
        auto at = std::find(pass->terms.begin(), pass->terms.end(), m.terms_[t]);
        if (at != pass->terms.end()) {
          const uint64_t bit = uint64_t{1} << (at - pass->terms.begin());
          for (size_t r = 0; r < docids.size(); ++r) m.present_[r * n_terms + t] = ((*pass->masks)[r] & bit) != 0;
          continue;
        }
      }
      if (const store::CommonTermBits::Bits* bits = common ? common->find(m.terms_[t]) : nullptr) {
        for (const auto& [did, r] : by_docid)
          if (bits->contains(did)) m.present_[r * n_terms + t] = 1;
        continue;
      }
      for_each_candidate_holding(db, postings, m.terms_[t], by_docid,
                                 [&](size_t r) { m.present_[r * n_terms + t] = 1; });
    }
    return m;
  }

  // Adds a word of an in-memory pass (its terms: one, or a synonym group's) to `words`, and its term to
  // `known` ("" for a group: its bit stands for no single term, so its terms are looked up). A word none
  // of whose terms the index has matches nothing and is left out.
  static void add_match_word(const store::PostingsInMemory& lists, const std::vector<std::string>& terms,
                             std::vector<store::MatchWord>& words, PassWords& known) {
    store::MatchWord word;
    std::vector<Xapian::doccount> termfreqs;
    for (const auto& term : terms)
      if (const store::PostingsInMemory::List* list = lists.find(term)) {
        word.lists.push_back(list);
        termfreqs.push_back(list->termfreq);
      }
    if (word.lists.empty()) return;
    word.termweight = store::bm25_termweight(lists.doccount(), store::synonym_termfreq(lists.doccount(), termfreqs));
    words.push_back(std::move(word));
    known.terms.push_back(terms.size() == 1 ? terms[0] : std::string());
  }

  // The terms of a plan word the in-memory lists can match: a term or a synonym group of terms, each a
  // prose word or one the index lacks (it matches nothing either way). False for anything else.
  static bool memory_terms_of(Handle& h, const Xapian::Query& word, std::vector<std::string>& terms) {
    auto add = [&](const Xapian::Query& leaf) {
      if (leaf.get_type() != Xapian::Query::LEAF_TERM) return false;
      const std::string term = *leaf.get_unique_terms_begin();
      if (!store::is_prose_word(term) && h.freqs.of(h.db, term) > 0) return false;
      terms.push_back(term);
      return true;
    };
    if (word.get_type() != Xapian::Query::OP_SYNONYM) return add(word);
    for (size_t i = 0; i < word.get_num_subqueries(); ++i)
      if (!add(word.get_subquery(i))) return false;
    return true;
  }

  Candidates retrieve(Handle& h, const AnalyzedQuery& q, size_t want, bool with_facets,
                      const std::unordered_map<std::string, FeedbackTally>* feedback) {
    Candidates out;
    out.scored.reserve(2 * want);  // a code pass and a prose pass, at most `want` each (most queries)
    const std::shared_ptr<const RankRecords> records = rank_records_for(h);
    const std::shared_ptr<const store::CommonTermBits> common = common_terms_for(h);
    const std::shared_ptr<const store::PostingsInMemory> postings = postings_in_memory_for(h);
    std::unordered_set<Xapian::docid> seen;
    const std::unordered_map<std::string, double> idf = prose_idf(h, q);
    double total_idf = 0;
    for (const auto& t : q.prose_terms) total_idf += idf.at(t);
    const std::vector<std::pair<std::string, double>> pairs = held_pairs(h.db, q.word_pairs);

    // Scores one pass's candidates (best first, with their BM25 weights) into `out`.
    auto score = [&](const std::vector<Xapian::docid>& docids, const std::vector<double>& weights, int64_t matches,
                     const MatchedTerms& matched, bool facets_here) {
      if (facets_here) out.total = std::max<int64_t>(out.total, matches);
      const double max_weight = std::max(1e-9, weights.empty() ? 0.0 : weights.front());
      const auto by_docid = candidates_by_docid(docids);
      const std::vector<double> title_shares = shares_held(h.db, postings.get(), title_terms(q, idf, total_idf), by_docid);
      const std::vector<double> phrase_shares = shares_held(h.db, postings.get(), pairs, by_docid);
      for (size_t rank = 0; rank < docids.size(); ++rank) {
        const Xapian::docid did = docids[rank];
        const double weight = weights[rank];
        if (!seen.insert(did).second) continue;
        // Scored from value slots and matched terms; the document data is decoded later, only for the
        // passages that are shown.
        store::RankRecord record;
        std::string_view record_text = records ? records->of(did) : std::string_view();
        std::string from_index;
        if (record_text.empty()) record_text = from_index = h.db.get_document(did).get_value(schema::kSlotRankRecord);
        if (!store::decode_rank_record(record_text, record)) continue;
        rank::ScoredPassage sp;
        sp.passage.id = record.passage_id;
        rank::ScoreParts& parts = sp.parts;
        double matched_idf = 0;
        std::vector<std::string> matched_codes, matched_weak;
        for (const std::string* matched_term : matched.of(rank)) {
          const std::string& term = *matched_term;
          if (term.compare(0, schema::kCodePrefix.size(), schema::kCodePrefix) == 0) {
            matched_codes.push_back(term.substr(schema::kCodePrefix.size()));
            continue;
          }
          if (term.compare(0, schema::kWeakCodePrefix.size(), schema::kWeakCodePrefix) == 0) {
            matched_weak.push_back(term.substr(schema::kWeakCodePrefix.size()));
            continue;
          }
          auto f = idf.find(term);
          if (f == idf.end()) continue;
          matched_idf += f->second;
          parts.matched_words.push_back(term[0] == 'Z' ? term.substr(1) : term);
        }
        // Exact code: the best reading this passage carries, certain or weak; a passage about the code
        // outranks one that mentions it in passing.
        for (const auto& r : q.readings) {
          double c = 0;
          bool certain = std::find(matched_codes.begin(), matched_codes.end(), r.canonical) != matched_codes.end();
          if (certain && record.has_primary_code(r.canonical))
            c = r.confidence;
          else if (certain) c = 0.85 * r.confidence;
          else if (std::find(matched_weak.begin(), matched_weak.end(), r.canonical) != matched_weak.end()) c = 0.5 * r.confidence;
          if (c > parts.code) {
            parts.code = c;
            parts.code_detail = "matches code " + r.canonical + (r.name.empty() ? "" : " (" + r.name + ")");
          }
        }
        sp.code_terms = std::move(matched_codes);
        double coverage = total_idf > 0 ? std::min(1.0, matched_idf / total_idf) : 0;
        parts.title = title_shares[rank];
        parts.phrase = phrase_shares[rank];
        double relative = q.prose_terms.empty() ? 0 : weight / max_weight;
        parts.text = q.prose_terms.empty() ? 0 : 0.7 * coverage + 0.3 * std::min(1.0, relative);
        parts.authority = record.authority;
        parts.focus = record.focus;
        parts.votes = rank::votes_prior(record.votes);
        parts.freshness = rank::freshness_prior(record.date, today_);
        parts.language = record.language == q.language ? 1 : 0;
        if (feedback) {
          if (auto f = feedback->find(sp.passage.id); f != feedback->end()) {
            parts.feedback = rank::feedback_prior(f->second);
            char buf[128];
            std::snprintf(buf, sizeof buf, "agents' feedback: %.1f resolved, %.1f not resolved, %.1f not relevant",
                          f->second.resolved, f->second.not_resolved, f->second.not_relevant);
            parts.feedback_detail = buf;
          }
        }
        sp.score = rank::combine(parts);
        // Facets count the scored candidates (every match, for code queries; the best ones otherwise):
        // counting all matches of a broad prose query would read values of most of the index.
        if (with_facets)
          for (const auto& spec : schema::kFields) {
            if (spec.facet.empty()) continue;
            const std::string_view value = facet_value(record, spec.source);
            if (value.empty()) continue;
            auto& counts = out.facets[std::string(spec.facet)];
            auto at = counts.find(value);
            if (at == counts.end()) at = counts.emplace(std::string(value), 0).first;
            ++at->second;
          }
        out.strength = std::max(out.strength, std::max(parts.code, std::pow(std::min(1.0, coverage * 1.1), 1.5)));
        out.scored.push_back({std::move(sp), record.data_offset, weight});
      }
    };
    // The request's filters, as the in-memory lists hold them.
    auto filters_of = [&](const store::PostingsInMemory& lists) {
      std::vector<const store::DocidSet*> sets;
      for (const auto& term : q.filter_terms) sets.push_back(&lists.filter(term));
      return sets;
    };
    // `scoring_terms`: the query whose words count as matched (the whole query when `query` is a
    // reduced scan of it, store/scan_plan.h).
    auto run = [&](const Xapian::Query& query, const Xapian::Query& scoring_terms, bool facets_here) {
      Xapian::Enquire enquire(h.db);
      enquire.set_query(query);
      enquire.set_weighting_scheme(weighting());
      Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(want));
      std::vector<Xapian::docid> docids;
      std::vector<double> weights;
      for (auto it = mset.begin(); it != mset.end(); ++it) {
        docids.push_back(*it);
        weights.push_back(it.get_weight());
      }
      score(docids, weights, mset.get_matches_estimated(),
            matched_terms(h.db, scoring_terms, docids, idf, common.get(), postings.get()), facets_here);
    };
    // A pass of the prose plan over the in-memory lists (`terms`: each plan word's terms, several for a
    // synonym group).
    auto run_in_memory = [&](const store::PostingsInMemory& lists, const store::ScanPass& pass,
                             const std::vector<std::vector<std::string>>& terms, bool facets_here) {
      std::vector<store::MatchWord> words;
      PassWords known;  // a group's bit stands for no single term: its terms are looked up
      for (size_t i : pass.words) add_match_word(lists, terms[i], words, known);
      const auto ranges = pass.sampled ? store::DocidWindows::ranges(lists.last_docid(), pass.share)
                                       : std::vector<std::pair<Xapian::docid, Xapian::docid>>{{1, lists.last_docid()}};
      store::MemoryMatch m = store::match_words(lists, words, ranges, want, filters_of(lists));
      known.masks = &m.words;
      score(m.docids, m.weights, static_cast<int64_t>(m.matches),
            matched_terms(h.db, q.prose_query, m.docids, idf, common.get(), &lists, &known), facets_here);
    };

    bool has_codes = !q.code_query.empty();
    bool has_prose = !q.prose_query.empty();
    if (!has_codes && !has_prose) return out;
    // The code pass: every passage carrying the code is a candidate, ordered by how well it also matches
    // the prose (its common words by presence, store/scan_plan.h); all the prose's words count as matched.
    auto code_first = [&](const Xapian::Query& prose) {
      return has_prose ? Xapian::Query(Xapian::Query::OP_AND_MAYBE, q.code_query, prose) : q.code_query;
    };
    // In memory, when the lists are loaded and the prose is words and synonym groups; false otherwise.
    auto run_code_pass_in_memory = [&](const store::PostingsInMemory& lists) {
      std::vector<store::MatchWord> words;
      std::vector<store::PresenceWord> presence;
      PassWords known;  // codes, then words, then presence words: match_code_pass's bits
      for (const auto& [term, factor] : q.code_terms) known.terms.push_back(term);
      if (has_prose) {
        const store::CodePassProse split = store::split_for_code_pass(h.db, h.freqs, q.prose_query, common.get(),
                                                                      options_.common_term_min_postings);
        for (const auto& part : split.ranked) {
          std::vector<std::string> terms;
          if (!memory_terms_of(h, part, terms)) return false;
          add_match_word(lists, terms, words, known);
        }
        for (const auto& word : split.present) {
          if (!store::is_prose_word(word.term)) return false;
          presence.push_back({word.bits, word.bits ? nullptr : lists.find(word.term), word.weight});
          known.terms.push_back(word.term);
        }
      }
      if (known.terms.size() > 64) return false;
      std::vector<store::CodeList> codes;
      for (const auto& [term, factor] : q.code_terms) {
        store::CodeList& code = codes.emplace_back();
        code.termweight = store::bm25_termweight(lists.doccount(), h.freqs.of(h.db, term), factor);
        if (const store::PostingsInMemory::List* list = lists.find(term)) {
          code.postings.reserve(list->termfreq);
          for (store::PostingsInMemory::Cursor c(lists, *list); !c.at_end(); c.next())
            code.postings.emplace_back(c.docid(), c.wdf());
        } else {
          for (auto p = h.db.postlist_begin(term); p != h.db.postlist_end(term); ++p)
            code.postings.emplace_back(*p, p.get_wdf());
        }
      }
      store::MemoryMatch m = store::match_code_pass(lists, codes, words, presence, want, filters_of(lists));
      known.masks = &m.words;
      score(m.docids, m.weights, static_cast<int64_t>(m.matches),
            matched_terms(h.db, code_first(q.prose_query), m.docids, idf, common.get(), &lists, &known), true);
      return true;
    };
    if (has_codes) {
      const bool in_memory = postings && postings->loaded();
      if (!in_memory || !run_code_pass_in_memory(*postings)) {
        const Xapian::Query ordering =
            has_prose ? store::prose_for_code_pass(h.db, h.freqs, q.prose_query, common.get(),
                                                   options_.common_term_min_postings)
                      : Xapian::Query();
        run(filtered(q, code_first(ordering)), code_first(q.prose_query), true);
      }
    }
    if (has_prose) {
      store::ProseScanPlan plan = store::plan_prose_scan(
          h.db, h.freqs, q.prose_query, want, options_.prose_scan_budget ? options_.prose_scan_budget : UINT64_MAX);
      // Matched in memory when the lists are loaded and the prose is words and synonym groups (no
      // field or boolean term, which Xapian matches).
      std::vector<std::vector<std::string>> terms;
      bool in_memory = postings && postings->loaded() && plan.words.size() <= 64;
      for (const auto& word : plan.words) {
        if (!in_memory) break;
        in_memory = memory_terms_of(h, word, terms.emplace_back());
      }
      for (const auto& pass : plan.passes) {
        if (in_memory) run_in_memory(*postings, pass, terms, !has_codes && plan.exact);
        else run(filtered(q, pass.query), q.prose_query, !has_codes && plan.exact);
      }
      if (!has_codes && !plan.exact) {
        // What the whole query would match: an estimate from the posting list sizes, no scan. The
        // plan's opens no posting list (Xapian's opens every word's). A filter keeps its share of them,
        // as if independent of the words (as Xapian estimates a FILTER); without the lists in memory,
        // Xapian estimates it.
        if (q.filter.empty()) {
          out.total = std::max<int64_t>(out.total, static_cast<int64_t>(plan.estimated_matches));
        } else if (postings && postings->loaded()) {
          double share = 1;
          for (const store::DocidSet* f : filters_of(*postings))
            share *= static_cast<double>(f->size()) / std::max<double>(1, postings->doccount());
          out.total = std::max<int64_t>(out.total, std::llround(static_cast<double>(plan.estimated_matches) * share));
        } else {
          Xapian::Enquire estimate(h.db);
          estimate.set_query(filtered(q, q.prose_query));
          out.total = std::max<int64_t>(out.total, estimate.get_mset(0, 0).get_matches_estimated());
        }
      }
    }
    // Ties go by BM25 weight (how prominent the code or words are in the passage), then by passage id:
    // docids, and so the matcher's order of equal weights, depend on how the rebuild's threads shared
    // the work.
    // Sorted as indices, then moved once into place: a candidate is large (a Passage and its score's
    // parts), and sorting the candidates themselves moved each of them several times.
    std::vector<uint32_t> order(out.scored.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
      const Scored& a = out.scored[x];
      const Scored& b = out.scored[y];
      if (a.sp.score != b.sp.score) return a.sp.score > b.sp.score;
      if (a.weight != b.weight) return a.weight > b.weight;
      return a.sp.passage.id < b.sp.passage.id;
    });
    std::vector<Scored> sorted;
    sorted.reserve(order.size());
    for (uint32_t i : order) sorted.push_back(std::move(out.scored[i]));
    out.scored = std::move(sorted);
    return out;
  }

  // Decodes the best `count` candidates (the ones that can be shown) into c.passages; snippets are made
  // for those from position `snippets_from` on (the shown ones: a snippet stems every word of its text).
  void materialize(Handle& h, Candidates& c, const AnalyzedQuery& q, size_t count, size_t snippets_from = 0) {
    c.passages.reserve(std::min(count, c.scored.size()));
    for (auto& candidate : c.scored) {
      if (c.passages.size() >= count) break;
      store::StoredPassage stored;
      if (!store::read_passage(h.passages, candidate.data_offset, stored)) continue;
      rank::ScoredPassage& sp = candidate.sp;
      sp.passage = std::move(stored.passage);
      sp.code_terms = std::move(stored.code_terms);
      if (c.passages.size() >= snippets_from) sp.snippet = make_snippet(h, q, sp);
      c.passages.push_back(std::move(sp));
    }
  }

  std::string make_snippet(const Handle& h, const AnalyzedQuery& q, const rank::ScoredPassage& sp) {
    const Passage& p = sp.passage;
    std::string text = p.symptoms;
    for (const std::string* part : {&p.heading, &p.cause, &p.body}) {
      if (part->empty()) continue;
      if (!text.empty()) text += " ";
      text += *part;
    }
    for (const auto& r : p.resolutions) text += " " + r;
    if (text.empty()) text = p.title;
    // Only a passage that holds a reading of a query's code has one to mark.
    std::vector<std::pair<size_t, size_t>> spans;
    if (sp.parts.code > 0) spans = query_code_spans(h, q, p, text);
    return store::make_snippet(text, q.snippet_terms, q.stem, store::kSnippetLength, spans);
  }

  // Where the passage's text writes one of the query's codes, in any spelling the grammar reads.
  std::vector<std::pair<size_t, size_t>> query_code_spans(const Handle& h, const AnalyzedQuery& q, const Passage& p,
                                                          std::string_view text) {
    std::vector<std::pair<size_t, size_t>> spans;
    if (q.readings.empty() || !h.grammar) return spans;
    for (const auto& occ : *codes_in_passage(h, p, text)) {
      const bool asked = std::any_of(occ.canonicals.begin(), occ.canonicals.end(), [&](const std::string& c) {
        return std::any_of(q.readings.begin(), q.readings.end(),
                           [&](const CodeReading& asked) { return asked.canonical == c; });
      });
      if (asked && (spans.empty() || spans.back().second <= occ.begin)) spans.emplace_back(occ.begin, occ.end);
    }
    return spans;
  }

  // The codes the grammar reads in a passage's snippet text: the same passages come back for a popular
  // code, and reading the whole text is most of their snippet's cost.
  std::shared_ptr<const std::vector<CodeSpan>> codes_in_passage(const Handle& h, const Passage& p, std::string_view text) {
    if (auto known = passage_codes_.find(h.generation, p.id)) return known;
    auto found = std::make_shared<std::vector<CodeSpan>>();
    for (auto& occ : h.grammar->find_codes(text, {p.vendor, p.product})) {
      CodeSpan span{occ.begin, occ.end, {}};
      for (auto& r : occ.interpretations) span.canonicals.push_back(std::move(r.canonical));
      found->push_back(std::move(span));
    }
    passage_codes_.store(h.generation, p.id, found);
    return found;
  }

  Hit to_hit(const rank::ScoredPassage& sp) {
    const Passage& p = sp.passage;
    Hit hit;
    hit.id = p.id;
    hit.doc_id = p.doc_id;
    hit.kind = std::string(to_string(p.kind));
    hit.title = p.title;
    hit.heading = p.heading;
    hit.url = p.url;
    hit.snippet = sp.snippet;
    hit.score = sp.score;
    hit.language = p.language;
    hit.vendor = p.vendor;
    hit.product = p.product;
    hit.severity = p.severity;
    hit.codes = sp.code_terms;
    return hit;
  }

  Result<SearchResponse> do_search(Handle& h, const SearchRequest& r) {
    AnalyzedQuery q = analyze(h, r.q, {}, r.lang, r.vendor, r.product, r.kind, true);
    size_t want = static_cast<size_t>(std::max(0, r.offset) + std::max(0, r.limit));
    Candidates c = retrieve(h, q, std::max(want, kCandidates), true, nullptr);
    materialize(h, c, q, want, static_cast<size_t>(std::max(0, r.offset)));
    SearchResponse resp;
    resp.total = std::max<int64_t>(c.total, static_cast<int64_t>(c.scored.size()));
    resp.facets = std::move(c.facets);
    resp.codes = std::move(q.codes);
    without_markup(resp.codes);
    resp.suggestion = q.suggestion;
    resp.language = q.language;
    for (size_t i = static_cast<size_t>(std::max(0, r.offset)); i < c.passages.size() && resp.hits.size() < static_cast<size_t>(r.limit); ++i)
      resp.hits.push_back(to_hit(c.passages[i]));
    return resp;
  }

  // Causes without their evidence's snippets (add_evidence_snippets, once the causes shown are known),
  // and the passages they were merged from.
  struct RankedCauses {
    std::vector<Cause> causes;
    std::vector<rank::ScoredPassage> passages;
  };

  // Up to `language_reserve` more causes than `limit` when the best candidates are not all in the query's
  // language: causes in its language may then come from further down (rank::prefer_language brings them up).
  RankedCauses rank_causes(Handle& h, const AnalyzedQuery& q, size_t limit, size_t language_reserve,
                           bool causes_only, const std::unordered_map<std::string, FeedbackTally>* feedback,
                           size_t candidates = kCandidates) {
    Candidates c = retrieve(h, q, candidates, false, feedback);
    size_t decoded = std::min(std::max<size_t>(3 * limit, 15), c.scored.size());
    if (!q.language.empty() && std::any_of(c.scored.begin(), c.scored.begin() + static_cast<ptrdiff_t>(std::min(limit, decoded)),
                                           [](const Scored& s) { return s.sp.parts.language == 0; })) {
      // Only the candidates further down that prefer_language could lift: in the language, and near the best.
      const double lowest = c.scored.front().sp.score - rank::kLanguageMargin;
      const auto liftable = std::stable_partition(c.scored.begin() + static_cast<ptrdiff_t>(decoded), c.scored.end(),
                                                  [&](const Scored& s) { return s.sp.parts.language == 1 && s.sp.score >= lowest; });
      const size_t lifted = std::min<size_t>(language_reserve, static_cast<size_t>(liftable - c.scored.begin()) - decoded);
      limit += lifted;
      decoded += lifted;
    }
    materialize(h, c, q, decoded, /*snippets_from=*/SIZE_MAX);
    RankedCauses out;
    out.passages.reserve(c.passages.size());
    for (size_t i = 0; i < c.passages.size(); ++i) {
      const Passage& p = c.passages[i].passage;
      // A catalogue entry always answers for its code: with no cause, as the code's meaning.
      bool describes_cause = p.kind == SourceKind::kCatalogue || !p.cause.empty() || !p.resolutions.empty() ||
                             !p.body.empty();
      if (causes_only && !describes_cause) continue;
      out.passages.push_back(std::move(c.passages[i]));
    }
    store::describe_causes(out.passages, q.prose_terms, prose_idf(h, q), q.stem);
    out.causes = rank::merge_causes(out.passages, limit, c.strength);
    return out;
  }

  void add_evidence_snippets(const Handle& h, const AnalyzedQuery& q, std::vector<Cause>& causes,
                                    const std::vector<rank::ScoredPassage>& passages) {
    std::unordered_map<std::string_view, size_t> by_id;
    for (size_t i = 0; i < passages.size(); ++i) by_id.emplace(passages[i].passage.id, i);
    for (auto& cause : causes)
      for (auto& evidence : cause.evidence)
        if (auto it = by_id.find(evidence.passage_id); it != by_id.end())
          evidence.snippet = make_snippet(h, q, passages[it->second]);
  }

  // A code read from pasted XML or HTML keeps no markup in its raw text ("ErrorCode>21919300" ->
  // "21919300"): the raw text, and its span, start after the last tag delimiter.
  static void without_markup(std::vector<CodeOccurrence>& codes) {
    for (auto& occ : codes) {
      const size_t cut = occ.raw.find_last_of("<>");
      if (cut == std::string::npos || cut + 1 >= occ.raw.size()) continue;
      occ.begin += cut + 1;
      occ.raw.erase(0, cut + 1);
    }
  }

  Result<Diagnosis> do_diagnose(Handle& h, const DiagnoseRequest& r) {
    std::string text = r.text;
    for (const auto& s : r.symptoms) text += "\n" + s;
    std::vector<CodeInterpretation> extra;
    if (!r.code.empty()) {
      extra = h.grammar->interpret(r.code, CodeContext{r.vendor, r.product});
      if (extra.empty()) text = r.code + "\n" + text;  // not a known spelling: let the prose find it
    }
    AnalyzedQuery q = analyze(h, text, extra, r.language, r.vendor, r.product, "", false);
    std::unordered_map<std::string, FeedbackTally> tallies;
    std::vector<std::string> code_terms;
    for (const auto& rd : q.readings) code_terms.push_back(rd.canonical);
    if (options_.feedback) tallies = options_.feedback->tallies(code_terms, q.prose_terms);
    Diagnosis d;
    d.diagnosis_id = new_diagnosis_id();
    const size_t limit = static_cast<size_t>(std::clamp(r.limit, 1, 100));
    RankedCauses ranked = rank_causes(h, q, limit, kLanguageReserve, true, options_.feedback ? &tallies : nullptr);
    d.causes = std::move(ranked.causes);
    d.codes = std::move(q.codes);
    if (d.codes.empty() && !extra.empty()) {
      CodeOccurrence occ;
      occ.raw = r.code;
      occ.end = r.code.size();
      occ.interpretations = extra;
      d.codes.push_back(std::move(occ));
    }
    without_markup(d.codes);
    d.language = q.language;
    d.symptom_terms = q.prose_terms;
    rank::finish_diagnosis(d, {.limit = limit,
                               .has_code = !q.readings.empty(),
                               .want_reply = r.reply,
                               .answer_threshold = options_.answer_threshold,
                               .question_min_split = options_.question_min_split});
    add_evidence_snippets(h, q, d.causes, ranked.passages);
    return d;
  }

  Result<CodeLookup> do_lookup(Handle& h, const std::string& code, const std::string& vendor) {
    CodeLookup out;
    out.code = code;
    CodeContext ctx{vendor, ""};
    out.interpretations = h.grammar->interpret(code, ctx);
    if (out.interpretations.empty()) {
      auto found = h.grammar->find_codes(code, ctx);
      if (!found.empty()) out.interpretations = found.front().interpretations;
    }
    if (out.interpretations.empty())
      return Status::NotFound("'" + code + "' is not an error code errkb recognises");
    for (const auto& interp : out.interpretations) {
      // The literal value ("hex:7b") only lets a page and a query in different families meet in a search:
      // it has no catalogue entry, and its causes are those of the family readings.
      if (interp.family == "literal") continue;
      std::shared_ptr<const ReadingAnswer> answer = answer_for_reading(h, interp);
      out.catalogue_entries.insert(out.catalogue_entries.end(), answer->catalogue_entries.begin(),
                                   answer->catalogue_entries.end());
      out.causes[interp.canonical] = answer->causes;
    }
    return out;
  }

  // The catalogue entries and the top causes of one reading: they depend only on the reading and the
  // index, so they are kept for the index's generation (a popular code is looked up again and again).
  std::shared_ptr<const ReadingAnswer> answer_for_reading(Handle& h, const CodeInterpretation& interp) {
    const std::string key = interp.canonical + "\n" + interp.name;
    if (auto known = reading_answers_.find(h.generation, key)) return known;
    auto answer = std::make_shared<ReadingAnswer>();
    AnalyzedQuery q;
    q.language = "en";
    q.readings.push_back({interp.canonical, interp.name, 1.0});
    set_code_query(h, q);
    // Catalogue entries for this reading.
    Xapian::Enquire enquire(h.db);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER,
                                    Xapian::Query(std::string(schema::kCodePrefix) + interp.canonical),
                                    Xapian::Query("XKcatalogue")));
    enquire.set_weighting_scheme(weighting());
    Xapian::MSet mset = enquire.get_mset(0, 10);
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      store::StoredPassage stored;
      if (!store::read_passage(h.passages, it.get_document(), stored)) continue;
      rank::ScoredPassage sp;
      sp.passage = std::move(stored.passage);
      sp.code_terms = std::move(stored.code_terms);
      sp.parts.code = 1;
      sp.parts.authority = stored.authority;
      sp.parts.focus = 1;  // a catalogue entry is about its code
      sp.score = rank::combine(sp.parts);
      sp.snippet = make_snippet(h, q, sp);
      answer->catalogue_entries.push_back(to_hit(sp));
    }
    // Top causes for this reading alone.
    RankedCauses ranked = rank_causes(h, q, 3, 0, true, nullptr, 20);
    add_evidence_snippets(h, q, ranked.causes, ranked.passages);
    answer->causes = std::move(ranked.causes);
    reading_answers_.store(h.generation, key, answer);
    return answer;
  }

  EngineOptions options_;
  GenerationMemo<ReadingAnswer> reading_answers_;  // key: canonical code '\n' reading name
  GenerationMemo<std::string> spelling_memo_;      // key: lower-cased word; value: suggestion or ""
  GenerationMemo<std::vector<CodeSpan>> passage_codes_{kPassageCodeMemo};  // key: passage id
  std::mutex handles_mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<Handle>> handles_;
  std::atomic<uint64_t> epoch_{0};
  std::atomic<uint64_t> reopens_{0};
  std::string today_ = today_key();
  // Last: destroyed first, they wait for their jobs while everything those jobs use still exists.
  GenerationTable<CodeGrammar> grammars_{options_.index_dir, catalogue_rev_of, taught_grammar};
  GenerationTable<RankRecords> rank_records_{options_.index_dir, generation_of,
                                             [](const Xapian::Database& db, const fs::path&) {
                                               return load_rank_records(db);
                                             }};
  GenerationTable<store::CommonTermBits> common_terms_{
      options_.index_dir, generation_of, [this](const Xapian::Database& db, const fs::path&) {
        store::CommonTermBits::Limits limits;
        limits.max_bytes = options_.common_term_bits_bytes;
        limits.min_postings = options_.common_term_min_postings;
        return std::make_shared<const store::CommonTermBits>(store::CommonTermBits::load(db, limits));
      }};
  GenerationTable<store::PostingsInMemory> postings_in_memory_{
      options_.index_dir, generation_of, [this](const Xapian::Database& db, const fs::path&) {
        return std::make_shared<const store::PostingsInMemory>(
            store::PostingsInMemory::load(db, {.max_bytes = options_.prose_postings_bytes}, request_filter_prefixes()));
      }};
  GenerationTable<store::SpellingDictionary> spelling_{
      options_.index_dir, generation_of, [](const Xapian::Database& db, const fs::path&) {
        return std::make_shared<const store::SpellingDictionary>(store::SpellingDictionary::load(db));
      }};
};

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  auto engine = std::make_unique<XapianEngine>(options);
  if (Status s = engine->open_check(); !s.ok()) return s;
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace errkb
