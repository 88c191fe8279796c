#include "store/generation.h"

#include <stdexcept>

#include "errkb/schema.h"
#include "store/catalogue_codes.h"
#include "store/query_analysis.h"

namespace errkb::store {

namespace fs = std::filesystem;

namespace {

std::string catalogue_rev_of(const Xapian::Database& db) {
  return db.get_metadata(std::string(schema::kMetaCatalogueRev)) + "@" + db.get_uuid();
}

std::shared_ptr<const CodeGrammar> taught_grammar(const Xapian::Database& db, const fs::path& generation) {
  auto g = std::make_shared<CodeGrammar>();
  PassageFileReader passages;
  if (Status s = passages.open(generation / schema::kPassageFileName); !s.ok()) throw std::runtime_error(s.message());
  teach_grammar_from_index(db, passages, *g);
  return g;
}

}  // namespace

std::string generation_of(const Xapian::Database& db) { return db.get_uuid() + ":" + std::to_string(db.get_revision()); }

BackgroundRunner::~BackgroundRunner() {
  std::thread last;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last = std::move(thread_);
  }
  if (last.joinable()) last.join();
}

void BackgroundRunner::start(std::function<void()> job) {
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

std::shared_ptr<const RankRecords> RankRecords::load(const Xapian::Database& db) {
  auto table = std::make_shared<RankRecords>();
  table->offsets.assign(static_cast<size_t>(db.get_lastdocid()) + 2, 0);
  Xapian::docid next = 1;  // docids without a record get an empty one
  for (auto v = db.valuestream_begin(schema::kSlotRankRecord); v != db.valuestream_end(schema::kSlotRankRecord); ++v) {
    const Xapian::docid did = v.get_docid();
    if (static_cast<size_t>(did) + 1 >= table->offsets.size()) break;  // newer than lastdocid: not ours
    for (; next <= did; ++next) table->offsets[next] = table->blob.size();
    table->blob += *v;
  }
  for (; static_cast<size_t>(next) < table->offsets.size(); ++next) table->offsets[next] = table->blob.size();
  return table;
}

GenerationTables::GenerationTables(const EngineOptions& options)
    : options_(options),
      grammars_(options.index_dir, catalogue_rev_of, taught_grammar),
      rank_records_(options.index_dir, generation_of,
                    [](const Xapian::Database& db, const fs::path&) { return RankRecords::load(db); }),
      common_terms_(options.index_dir, generation_of,
                    [this](const Xapian::Database& db, const fs::path&) {
                      CommonTermBits::Limits limits;
                      limits.max_bytes = options_.common_term_bits_bytes;
                      limits.min_postings = options_.common_term_min_postings;
                      return std::make_shared<const CommonTermBits>(CommonTermBits::load(db, limits));
                    }),
      postings_in_memory_(options.index_dir, generation_of,
                          [this](const Xapian::Database& db, const fs::path&) {
                            return std::make_shared<const PostingsInMemory>(PostingsInMemory::load(
                                db, {.max_bytes = options_.prose_postings_bytes}, request_filter_prefixes()));
                          }),
      spelling_(options.index_dir, generation_of, [](const Xapian::Database& db, const fs::path&) {
        return std::make_shared<const SpellingDictionary>(SpellingDictionary::load(db));
      }) {}

std::shared_ptr<const CodeGrammar> GenerationTables::grammar_for(const Xapian::Database& db, const fs::path& dir) {
  if (!grammars_.latest()) return grammars_.build_now(db, dir);
  if (auto current = grammars_.get(catalogue_rev_of(db))) return current;
  return grammars_.latest();
}

std::shared_ptr<const RankRecords> GenerationTables::rank_records(const std::string& generation) {
  if (!options_.rank_records_in_memory) return nullptr;
  return rank_records_.get(generation);
}

std::shared_ptr<const CommonTermBits> GenerationTables::common_terms(const std::string& generation) {
  if (options_.common_term_bits_bytes == 0) return nullptr;
  return common_terms_.get(generation);
}

std::shared_ptr<const PostingsInMemory> GenerationTables::postings_in_memory(const std::string& generation) {
  if (options_.prose_postings_bytes == 0) return nullptr;
  return postings_in_memory_.get(generation);
}

std::shared_ptr<const SpellingDictionary> GenerationTables::spelling(const std::string& generation) {
  return spelling_.get(generation);
}

bool GenerationTables::ready(const std::string& generation) {
  const bool records = !options_.rank_records_in_memory || rank_records(generation);
  const bool spelling_loaded = spelling(generation) != nullptr;
  const bool common = options_.common_term_bits_bytes == 0 || common_terms(generation);
  const bool postings = options_.prose_postings_bytes == 0 || postings_in_memory(generation);
  return records && spelling_loaded && common && postings;
}

}  // namespace errkb::store
