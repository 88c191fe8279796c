// The tables file beside a generation (store/tables_file.h, store/generation.h): written by the indexer
// after a rebuild and after an update, mapped by an engine that then is warm without reading the index,
// the same tables as those built from the index; a file of another revision or a damaged one is refused
// with a log line and the tables are built from the index, and that engine writes the file for the next.
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <xapian.h>

#include <fstream>

#include "errkb/schema.h"
#include "indexer/kb_fixture.h"
#include "store/generation.h"
#include "store/index_dir.h"
#include "store/query_analysis.h"

namespace errkb::testing {
namespace {

namespace fs = std::filesystem;
using store::tables_file_path;

const std::vector<std::string> kQueries = {
    "custom domain record", "webhook signature secret",      "PH-101 address",
    "domain not resolve",   "address rejected weight limit", "SF-3104",
    "webhok signatur"};

// Captures what the engine logs while it lives.
class LogCapture {
 public:
  LogCapture()
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)), previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  bool contains(const std::string& text) const {
    for (const auto& line : sink_->last_formatted())
      if (line.find(text) != std::string::npos) return true;
    return false;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

class TablesFile : public KbFixture {
 protected:
  fs::path generation() const { return *store::current_generation(index()); }
  uint64_t revision() const { return Xapian::Database(generation().string()).get_revision(); }
  fs::path file() const { return tables_file_path(generation(), revision()); }
  static bool wrote_file(const UpdateReport& r) {
    return std::any_of(r.phases.begin(), r.phases.end(),
                       [](const auto& phase) { return phase.first == "tables file"; });
  }
  // Waits (up to 10 s) until the engine's tables are loaded; their source then.
  static std::string warm_source(Engine& e) {
    EXPECT_TRUE(wait_warm(e));
    return e.info()->tables_source;
  }
  static void flip_byte(const fs::path& path, std::streamoff at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(at);
    char c = 0;
    f.read(&c, 1);
    f.seekp(at);
    c = static_cast<char>(~c);
    f.write(&c, 1);
  }
  void expect_same_answers(Engine& expected, Engine& actual) {
    for (const auto& q : kQueries) {
      EXPECT_FALSE(ranking(expected, q).empty()) << q;
      EXPECT_EQ(ranking(actual, q), ranking(expected, q)) << q;
    }
    EXPECT_EQ(ranking(actual, "PH-101 address", {.vendor = "ParcelHub"}),
              ranking(expected, "PH-101 address", {.vendor = "ParcelHub"}));
    expect_same_diagnosis(expected, actual,
                          "the custom domain does not resolve, the CNAME record and the webhook signature");
  }
};

TEST_F(TablesFile, TheIndexerWritesItAndAnEngineMapsItInsteadOfBuilding) {
  const UpdateReport report = update();  // the first update is a rebuild
  ASSERT_TRUE(fs::exists(file())) << file();
  EXPECT_TRUE(wrote_file(report));
  auto mapped = engine();
  ASSERT_TRUE(mapped);
  EXPECT_EQ(warm_source(*mapped), "file");

  fs::remove(file());
  auto built = engine();
  ASSERT_TRUE(built);
  EXPECT_EQ(warm_source(*built), "index");
  expect_same_answers(*built, *mapped);
}

// Table by table: every rank record, posting list, filter, bitset and spelling of a real index read back
// from the file equals the one built from the index. Every word gets a bitset here.
TEST_F(TablesFile, ItsTablesEqualThoseBuiltFromTheIndex) {
  write_file(kb() / "synonyms.txt", "domain: record, cname\n");
  update();
  write_file(kb() / "articles/dns/domain.md",
             article("dns/domain", "Custom domain expired", "Registrar hold"));
  update();  // an update leaves a gap in the docids
  EngineOptions options;
  options.common_term_min_postings = 1;
  ASSERT_TRUE(store::write_tables_file(generation(), options).ok());
  Xapian::Database db(generation().string());
  auto from_file = store::read_tables_file(db, generation(), options);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  ASSERT_TRUE(from_file->rank_records && from_file->common_terms && from_file->postings_in_memory &&
              from_file->spelling);

  const auto records = store::RankRecords::load(db);
  ASSERT_EQ(from_file->rank_records->offsets.size(), records->offsets.size());
  for (Xapian::docid did = 0; did <= db.get_lastdocid() + 1; ++did)
    EXPECT_EQ(from_file->rank_records->of(did), records->of(did)) << did;

  const auto postings = store::PostingsInMemory::load(db, {}, store::request_filter_prefixes());
  const auto& mapped = *from_file->postings_in_memory;
  ASSERT_TRUE(mapped.loaded());
  EXPECT_EQ(mapped.terms(), postings.terms());
  EXPECT_EQ(mapped.bytes(), postings.bytes());
  auto postings_of = [](const store::PostingsInMemory& p, const store::PostingsInMemory::List& list) {
    std::vector<std::pair<Xapian::docid, Xapian::termcount>> out;
    store::PostingsInMemory::Cursor c(p, list);
    for (bool more = !c.at_end(); more; more = c.next()) out.emplace_back(c.docid(), c.wdf());
    return out;
  };
  const auto common = store::CommonTermBits::load(
      db, {.min_postings = options.common_term_min_postings, .max_bytes = options.common_term_bits_bytes});
  size_t lists = 0, filters = 0, bitsets = 0;
  for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
    const auto* built = postings.find(*t);
    const auto* read = mapped.find(*t);
    ASSERT_EQ(read != nullptr, built != nullptr) << *t;
    if (built) {
      EXPECT_EQ(read->termfreq, built->termfreq) << *t;
      EXPECT_EQ(postings_of(mapped, *read), postings_of(postings, *built)) << *t;
      ++lists;
    }
    const auto& built_filter = postings.filter(*t);
    EXPECT_EQ(mapped.filter(*t).size(), built_filter.size()) << *t;
    if (built_filter.size() > 0) ++filters;
    for (Xapian::docid did = 1; did <= db.get_lastdocid(); ++did)
      EXPECT_EQ(mapped.filter(*t).contains(did), built_filter.contains(did)) << *t << " " << did;
    if (const auto* bits = from_file->common_terms->find(*t)) {
      const auto* built_bits = common.find(*t);
      ASSERT_TRUE(built_bits) << *t;
      for (Xapian::docid did = 0; did <= db.get_lastdocid() + 64; ++did)
        EXPECT_EQ(bits->contains(did), built_bits->contains(did)) << *t << " " << did;
      ++bitsets;
    }
  }
  EXPECT_GT(lists, 20u);
  EXPECT_GT(filters, 2u);
  EXPECT_GT(bitsets, 20u);
  EXPECT_EQ(from_file->common_terms->terms(), common.terms());

  const auto spelling = store::SpellingDictionary::load(db);
  EXPECT_EQ(from_file->spelling->size(), spelling.size());
  for (const std::string typo : {"webhok", "signatur", "domian", "adress", "rejectd", "nosuchwordatall"})
    EXPECT_EQ(from_file->spelling->one_edit(typo), spelling.one_edit(typo)) << typo;
  EXPECT_FALSE(spelling.one_edit("webhok").empty());

  // The engines that map these tables and that build them answer alike.
  auto mapped_engine = engine(options);
  ASSERT_TRUE(mapped_engine);
  EXPECT_EQ(warm_source(*mapped_engine), "file");
  fs::remove(file());
  auto built_engine = engine(options);
  ASSERT_TRUE(built_engine);
  EXPECT_EQ(warm_source(*built_engine), "index");
  expect_same_answers(*built_engine, *mapped_engine);
}

TEST_F(TablesFile, AnUpdateWritesTheFileOfItsRevision) {
  update();
  const fs::path before = file();
  ASSERT_TRUE(fs::exists(before));
  // What a writer killed while writing left (no process has that pid), and a live writer's file.
  const fs::path dead = before.string() + ".tmp-999999999-1";
  const fs::path live = before.string() + ".tmp-" + std::to_string(::getpid()) + "-1";
  write_file(dead, "cut short");
  write_file(live, "being written");
  write_later("articles/dns/domain.md",
              article("dns/domain", "Custom domain expired", "Registrar hold on the domain"));
  update();
  ASSERT_NE(file(), before);
  EXPECT_TRUE(fs::exists(file()));
  EXPECT_FALSE(fs::exists(before));  // a server still on it keeps its mapping
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  auto e = engine();
  ASSERT_TRUE(e);
  EXPECT_EQ(warm_source(*e), "file");
  const auto found = hits(*e, "registrar hold");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].doc_id, "dns/domain");

  // An update that changed nothing committed no revision: the file stays as it is.
  const fs::path unchanged = file();
  const auto written = fs::last_write_time(unchanged);
  EXPECT_FALSE(wrote_file(update()));
  EXPECT_EQ(file(), unchanged);
  EXPECT_EQ(fs::last_write_time(unchanged), written);
}

// A damaged file fails its checksum, one cut short its header's size; a file of another revision under
// this one's name describes another generation. Each is refused with a log line, and the tables are built
// from the index.
TEST_F(TablesFile, ADamagedOrStaleFileIsRefusedWithALogLine) {
  update();
  flip_byte(file(), static_cast<std::streamoff>(fs::file_size(file()) / 2));
  {
    LogCapture log;
    auto e = engine();
    ASSERT_TRUE(e);
    EXPECT_EQ(warm_source(*e), "index");
    EXPECT_TRUE(log.contains("checksum does not match")) << "no log line of the refusal";
  }
  // Cut short (a crash while it was written, the copy of a full disk).
  fs::resize_file(file(), fs::file_size(file()) / 2);
  {
    LogCapture log;
    auto e = engine();
    ASSERT_TRUE(e);
    EXPECT_EQ(warm_source(*e), "index");
    EXPECT_TRUE(log.contains("size does not match its header")) << "no log line of the refusal";
  }

  const fs::path old_file = file();
  const fs::path kept = index_->path() / "old-tables.dat";
  store::write_tables_file(generation());
  fs::copy_file(old_file, kept);
  write_later("articles/dns/domain.md", article("dns/domain", "Custom domain expired", "Registrar hold"));
  update();
  fs::copy_file(kept, file(), fs::copy_options::overwrite_existing);
  {
    LogCapture log;
    auto e = engine();
    ASSERT_TRUE(e);
    EXPECT_EQ(warm_source(*e), "index");
    EXPECT_TRUE(log.contains("describes generation")) << "no log line of the refusal";
    const auto found = hits(*e, "registrar hold");  // the answers are the new revision's
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(found[0].doc_id, "dns/domain");
  }
}

// An engine that had to build its tables from the index writes them as the file, so that the next
// start maps them.
TEST_F(TablesFile, AnEngineThatBuiltTheTablesWritesTheFileForTheNextStart) {
  update();
  fs::remove(file());
  {
    auto e = engine();
    ASSERT_TRUE(e);
    EXPECT_EQ(warm_source(*e), "index");
  }  // the engine waits for its background writer before it goes
  ASSERT_TRUE(fs::exists(file()));
  auto next = engine();
  ASSERT_TRUE(next);
  EXPECT_EQ(warm_source(*next), "file");
}

}  // namespace
}  // namespace errkb::testing
