// errkb-indexer killed with SIGKILL at seeded random moments of `update` and of `rebuild`. After each
// kill the index opens at a whole revision (every document's passage is readable), the next `update`
// succeeds, and the index then holds exactly what a fresh rebuild of the KB holds.
//
// The KB flips between two versions (articles changed, added and removed, catalogue entries too), so
// that every run has work to do. The moment of a kill is an amount of the run's progress (bytes it has
// read and written, /proc/PID/io), drawn from a seeded generator between none and a whole run's:
// ERRKB_CRASH_SEED=<n> replays a run.
#include <gtest/gtest.h>
#include <xapian.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "child_process.h"
#include "errkb/indexer.h"
#include "errkb/schema.h"
#include "store/documents.h"
#include "store/index_dir.h"
#include "store/passage_file.h"
#include "test_util.h"

namespace errkb::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr int kKills = 24;
constexpr int kArticles = 240;
constexpr int kCatalogueEntries = 300;

// Words for the generated text, so that every article holds different terms.
constexpr const char* kWords[] = {"printer", "spooler",     "queue",   "driver",   "network", "socket",
                                  "timeout", "certificate", "expired", "database", "locked",  "replica",
                                  "mailbox", "quota",       "payment", "gateway",  "refused", "signature",
                                  "webhook", "domain",      "record",  "cache",    "disk",    "volume",
                                  "mount",   "kernel",      "module",  "firmware"};

std::string words(uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i) out += ' ';
    out += kWords[rng() % std::size(kWords)];
  }
  return out;
}

// A version of the KB: path -> content. Version 1 changes every third article and catalogue entry,
// drops every seventh article and adds every eleventh.
std::map<std::string, std::string> kb_version(int version) {
  std::map<std::string, std::string> files;
  for (int i = 0; i < kArticles; ++i) {
    if ((version == 0 && i % 11 == 5) || (version == 1 && i % 7 == 3)) continue;
    const uint64_t text_seed =
        static_cast<uint64_t>(i) * 2 + (i % 3 == 0 ? static_cast<uint64_t>(version) : 0);
    const std::string id = "gen/a" + std::to_string(i);
    files["articles/gen/a" + std::to_string(i) + ".md"] =
        "---\nid: " + id + "\ntitle: Generated problem " + std::to_string(i) + " " + words(text_seed, 4) +
        "\nlanguage: en\nvendor: Crashco\ncodes: [CR-" + std::to_string(1000 + i) + "]\n---\n# Problem " +
        std::to_string(i) + "\n\n## Symptoms\n\n" + words(text_seed + 1000, 60) +
        ".\n\n## Cause 1: " + words(text_seed + 2000, 5) + "\n\n" + words(text_seed + 3000, 80) +
        ".\n\n## Resolution 1\n\n" + words(text_seed + 4000, 40) +
        ".\n\n## Cause 2: " + words(text_seed + 5000, 5) + "\n\n" + words(text_seed + 6000, 80) +
        ".\n\n## Resolution 2\n\n" + words(text_seed + 7000, 40) + ".\n";
  }
  std::string catalogue = "{\"vendor\":\"Crashco\",\"product\":\"Engine\",\"language\":\"en\",\"errors\":[";
  for (int i = 0; i < kCatalogueEntries; ++i) {
    if (version == 1 && i % 13 == 0) continue;
    const uint64_t text_seed =
        100000 + static_cast<uint64_t>(i) * 2 + (i % 3 == 0 ? static_cast<uint64_t>(version) : 0);
    if (catalogue.back() != '[') catalogue += ",";
    catalogue += "{\"code\":\"CR-" + std::to_string(1000 + i) + "\",\"name\":\"E" + std::to_string(i) +
                 "\",\"severity\":\"Error\",\"message\":\"" + words(text_seed, 6) + "\",\"description\":\"" +
                 words(text_seed + 1, 30) + "\",\"resolution\":\"" + words(text_seed + 2, 20) + "\"}";
  }
  files["catalogues/crashco.json"] = catalogue + "]}";
  return files;
}

// What an index holds, to compare with a fresh rebuild's: items with their signatures and passage
// counts, and the KB files it remembers.
struct IndexContent {
  std::map<std::string, std::string> items;  // uid -> "signature/passages"
  std::vector<std::string> file_keys;
  bool operator==(const IndexContent&) const = default;
};

std::string index_summary(const IndexContent& c) {
  return std::to_string(c.items.size()) + " items, " + std::to_string(c.file_keys.size()) + " files";
}

// The live generation's content; fails the test when a document's passage cannot be read or the file
// states name an item the index lacks (a revision that is not whole).
IndexContent whole_revision(const fs::path& index_dir) {
  IndexContent content;
  auto gen = store::current_generation(index_dir);
  EXPECT_TRUE(gen.ok()) << gen.status().ToString();
  if (!gen.ok()) return content;
  try {
    Xapian::Database db(gen->string());
    store::PassageFileReader passages;
    Status opened = passages.open(*gen / schema::kPassageFileName);
    EXPECT_TRUE(opened.ok()) << opened.ToString();
    if (!opened.ok()) return content;
    const std::string item_prefix(schema::kItemPrefix);
    for (auto t = db.allterms_begin(item_prefix); t != db.allterms_end(item_prefix); ++t) {
      Xapian::Document doc = db.get_document(*db.postlist_begin(*t));
      content.items[(*t).substr(item_prefix.size())] =
          doc.get_value(schema::kSlotSignature) + "/" + std::to_string(t.get_termfreq());
    }
    size_t unreadable = 0;
    for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
      store::StoredPassage passage;
      if (!store::read_passage(passages, db.get_document(*d), passage)) ++unreadable;
    }
    EXPECT_EQ(unreadable, 0u) << "documents whose passage cannot be read in " << gen->string();
    const std::string file_prefix(schema::kMetaFilePrefix);
    for (auto k = db.metadata_keys_begin(file_prefix); k != db.metadata_keys_end(file_prefix); ++k) {
      const std::string state = db.get_metadata(*k);
      if (state.empty()) continue;
      content.file_keys.push_back(*k);
      for (const auto& uid : nlohmann::json::parse(state).value("items", std::vector<std::string>()))
        EXPECT_TRUE(content.items.count(uid))
            << "the file state of " << *k << " names " << uid << ", not indexed";
    }
  } catch (const Xapian::Error& e) {
    ADD_FAILURE() << "the index does not open: " << e.get_description();
  }
  return content;
}

uint64_t passage_file_size(const fs::path& index_dir) {
  auto gen = store::current_generation(index_dir);
  return gen.ok() ? fs::file_size(*gen / schema::kPassageFileName) : 0;
}

// Folders of the index directory other than the live generation and the one before it.
std::vector<std::string> leftovers(const fs::path& index_dir) {
  auto gen = store::current_generation(index_dir);
  std::vector<std::string> generations, others;
  for (const auto& e : fs::directory_iterator(index_dir)) {
    if (!e.is_directory()) continue;
    const std::string name = e.path().filename().string();
    (name.rfind(schema::kGenerationPrefix, 0) == 0 ? generations : others).push_back(name);
  }
  std::sort(generations.begin(), generations.end());
  // Generations above the live one are leftovers of killed rebuilds; below it, one stays for readers.
  for (const auto& g : generations)
    if (gen.ok() && g > gen->filename().string()) others.push_back(g);
  return others;
}

class CrashConsistency : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int version : {0, 1}) {
      write_version(version);
      IndexerOptions o = options();
      o.index_dir = dir_ / ("reference-" + std::to_string(version));
      auto r = rebuild_index(o);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      references_[version] = whole_revision(o.index_dir);
      reference_passage_bytes_[version] = passage_file_size(o.index_dir);
    }
    ASSERT_NE(references_[0], references_[1]);
    write_version(0);
    ASSERT_TRUE(run_to_end("update"));
    ASSERT_EQ(whole_revision(index()), references_[0]);
  }

  fs::path kb() const { return dir_ / "kb"; }
  fs::path index() const { return dir_ / "index"; }
  IndexerOptions options() const {
    IndexerOptions o;
    o.kb_dirs = {kb()};
    o.index_dir = index();
    o.threads = 2;
    return o;
  }

  // Writes what differs from the KB's version on disk, removes what the version lacks.
  void write_version(int version) {
    const auto files = kb_version(version);
    for (const auto& [path, content] : kb_version(1 - version))
      if (!files.count(path)) fs::remove(kb() / path);
    for (const auto& [path, content] : files) {
      std::ifstream in(kb() / path, std::ios::binary);
      const std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (old != content) write_file(kb() / path, content);
    }
  }

  std::unique_ptr<ChildProcess> start(const std::string& command) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{std::string(ERRKB_BINARY_DIR) + "/errkb-indexer", command, "--kb",
                                 kb().string(), "--index", index().string(), "--threads", "2", "--quiet"},
        dir_ / "indexer.log");
  }
  bool run_to_end(const std::string& command) {
    auto child = start(command);
    const bool ended = child->wait_exit(seconds(600));
    EXPECT_TRUE(ended && child->exited_with(0)) << command << ": status " << child->status() << "\n"
                                                << child->log_text();
    return ended && child->exited_with(0);
  }
  // A whole run's progress: the most bytes it was seen to have read and written.
  uint64_t progress_of_a_whole_run(const std::string& command) {
    auto child = start(command);
    uint64_t most = 0;
    poll_until(std::chrono::seconds(600), [&] {
      most = std::max(most, child->io_bytes());
      return child->has_exited();
    });
    EXPECT_TRUE(child->exited_with(0)) << child->log_text();
    return most;
  }

  // Kills `command` kKills times, each at a seeded amount of progress, flipping the KB's version before
  // each run; checks the index after each kill and after the update that follows. Returns how many
  // kills landed while the run was still going.
  int kill_repeatedly(const std::string& command) {
    const uint64_t seed = crash_seed();
    std::mt19937_64 rng(seed);
    write_version(1);
    const uint64_t whole_run = progress_of_a_whole_run(command);
    EXPECT_GT(whole_run, 0u);
    int version = 1, landed = 0;
    for (int kill = 0; kill < kKills && !HasFatalFailure(); ++kill) {
      SCOPED_TRACE("ERRKB_CRASH_SEED=" + std::to_string(seed) + ", kill " + std::to_string(kill));
      version = 1 - version;
      write_version(version);
      const uint64_t moment = std::uniform_int_distribution<uint64_t>(0, whole_run)(rng);
      auto child = start(command);
      poll_until(std::chrono::seconds(600),
                 [&] { return child->has_exited() || child->io_bytes() >= moment; });
      EXPECT_TRUE(child->stop_with(SIGKILL, seconds(60)));
      if (child->killed_by(SIGKILL))
        ++landed;
      else
        EXPECT_TRUE(child->exited_with(0)) << child->log_text();

      (void)whole_revision(index());
      if (!run_to_end("update")) break;
      const IndexContent after = whole_revision(index());
      EXPECT_EQ(after, references_[version])
          << index_summary(after) << " against a rebuild's " << index_summary(references_[version]);
      EXPECT_EQ(leftovers(index()), std::vector<std::string>());
    }
    current_version_ = version;
    std::cout << command << ": " << landed << " of " << kKills << " kills landed before the run ended (seed "
              << seed << ")\n";
    return landed;
  }

  TempDir dir_{"errkb-crash"};
  IndexContent references_[2];
  uint64_t reference_passage_bytes_[2] = {0, 0};
  int current_version_ = 0;
};

TEST_F(CrashConsistency, UpdateKilledAtRandomMomentsLeavesAWholeRevisionAndTheNextUpdateCompletesIt) {
  const int landed = kill_repeatedly("update");
  EXPECT_GE(landed, 20) << "kills that landed before the update ended, of " << kKills;
  // Killed updates leave records no document refers to; the next rebuild writes a passage file without them.
  EXPECT_GT(passage_file_size(index()), reference_passage_bytes_[current_version_]);
  ASSERT_TRUE(run_to_end("rebuild"));
  EXPECT_EQ(passage_file_size(index()), reference_passage_bytes_[current_version_]);
  EXPECT_EQ(whole_revision(index()), references_[current_version_]);
}

TEST_F(CrashConsistency, RebuildKilledAtRandomMomentsLeavesAWholeRevisionAndNothingBehind) {
  const int landed = kill_repeatedly("rebuild");
  EXPECT_GE(landed, 20) << "kills that landed before the rebuild ended, of " << kKills;
}

}  // namespace
}  // namespace errkb::testing
