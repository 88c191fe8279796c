// errkb-indexer watch as a real process on a real KB folder: saved, new, deleted and moved files and
// a catalogue change reach an engine on the index; other writers run between its batches; SIGTERM
// and SIGINT stop it cleanly.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "child_process.h"
#include "kb_fixture.h"

namespace errkb::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

void append_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

class WatchTest : public KbFixture {
 protected:
  void SetUp() override {
    KbFixture::SetUp();
    update();
    log_ = index_->path() / "watch.log";
    watcher_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{std::string(ERRKB_BINARY_DIR) + "/errkb-indexer", "watch", "--kb",
                                 kb().string(), "--index", index().string(), "--nice", "0", "--settle", "20"},
        log_);
    ASSERT_TRUE(watcher_->started());
    ASSERT_TRUE(poll_until(seconds(60), [&] { return watching() || watcher_->has_exited(); }));
    ASSERT_TRUE(watching()) << watcher_->log_text();
    engine_ = engine();
    ASSERT_NE(engine_, nullptr);
  }

  bool watching() const { return watcher_->log_text().find("watch: watching") != std::string::npos; }
  bool found(const std::string& q, const std::string& doc_id) {
    return contains(doc_ids(*engine_, q), doc_id);
  }
  std::vector<Hit> hits_of(const std::string& q) { return hits(*engine_, q); }
  // Batches the watcher has finished (each ends with its summary line).
  size_t batches_done() const {
    const std::string log = watcher_->log_text();
    size_t n = 0;
    for (size_t at = log.find("watch update:"); at != std::string::npos;
         at = log.find("watch update:", at + 1))
      ++n;
    return n;
  }

  fs::path log_;
  std::unique_ptr<ChildProcess> watcher_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(WatchTest, SavedNewDeletedAndMovedFilesReachTheIndex) {
  EXPECT_FALSE(found("zephyrquill", "webhooks/signature"));
  append_file(kb() / "articles/webhooks/signature.md", "\nA proxy strips the zephyrquill header.\n");
  EXPECT_TRUE(poll_until(seconds(30), [&] { return found("zephyrquill", "webhooks/signature"); }))
      << watcher_->log_text();

  write_file(kb() / "articles/queues/stuck.md",
             "---\nid: queues/stuck\ntitle: Export queue stuck\nlanguage: en\n---\n# Export queue stuck\n\n"
             "## Cause\n\nThe quorvantile worker was stopped.\n\n## Resolution\n\nStart the worker again.\n");
  EXPECT_TRUE(poll_until(seconds(30), [&] { return found("quorvantile", "queues/stuck"); }))
      << watcher_->log_text();

  fs::rename(kb() / "articles/queues/stuck.md", kb() / "articles/queues/stalled.md");
  fs::remove(kb() / "articles/dns/domain.md");
  EXPECT_TRUE(poll_until(seconds(30), [&] { return doc_ids(*engine_, "CNAME").empty(); }))
      << watcher_->log_text();
  EXPECT_TRUE(poll_until(seconds(30), [&] {
    const auto hits = hits_of("quorvantile");
    return hits.size() == 1 && hits[0].doc_id == "queues/stuck";
  })) << watcher_->log_text();

  // A folder moved in whole: its files are read, and it is watched from then on.
  const fs::path outside = index_->path() / "outside";
  write_file(outside / "printers.md",
             "---\nid: printers/spooler\ntitle: Spooler stops\nlanguage: en\n---\n# Spooler stops\n\n"
             "## Cause\n\nThe brantlewick driver crashes.\n\n## Resolution\n\nReinstall the driver.\n");
  fs::rename(outside, kb() / "articles/printers");
  EXPECT_TRUE(poll_until(seconds(30), [&] { return found("brantlewick", "printers/spooler"); }))
      << watcher_->log_text();
  append_file(kb() / "articles/printers/printers.md", "\nA glimmerfoss setting is lost.\n");
  EXPECT_TRUE(poll_until(seconds(30), [&] { return found("glimmerfoss", "printers/spooler"); }))
      << watcher_->log_text();

  EXPECT_TRUE(watcher_->stop_with(SIGTERM, seconds(30)));
  EXPECT_TRUE(watcher_->exited_with(0)) << watcher_->log_text();
  EXPECT_NE(watcher_->log_text().find("watch: stopped by"), std::string::npos);
}

TEST_F(WatchTest, ACatalogueChangeTeachesItsCodes) {
  write_file(kb() / "catalogues/parcelhub.json", catalogue({{"PH-101", "Address rejected"},
                                                            {"PH-102", "Weight over limit"},
                                                            {"PH-103", "Customs form missing"}}));
  EXPECT_TRUE(poll_until(seconds(30), [&] {
    auto lookup = engine_->lookup_code("PH-103", "ParcelHub");
    return lookup.ok() && !lookup->catalogue_entries.empty();
  })) << watcher_->log_text();
  // An article saved afterwards is read with the changed catalogue's codes, as a rebuild reads it.
  write_file(
      kb() / "articles/customs.md",
      "---\nid: customs\ntitle: Label refused\nlanguage: en\nvendor: ParcelHub\n---\n# Label refused\n\n"
      "## Cause\n\nParcelHub answers PH-103 for parcels abroad.\n\n## Resolution\n\nAdd the form.\n");
  std::vector<std::string> codes;
  EXPECT_TRUE(poll_until(seconds(30), [&] {
    const auto hits = hits_of("parcels abroad");
    if (hits.empty() || hits[0].doc_id != "customs") return false;
    codes = hits[0].codes;
    return true;
  })) << watcher_->log_text();

  IndexerOptions rebuilt = options();
  rebuilt.index_dir = index_->path() / "rebuilt";
  ASSERT_TRUE(rebuild_index(rebuilt).ok());
  EngineOptions on_rebuilt;
  on_rebuilt.index_dir = rebuilt.index_dir;
  auto reference = Engine::Open(on_rebuilt);
  ASSERT_TRUE(reference.ok());
  const auto expected = hits(**reference, "parcels abroad");
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(codes, expected[0].codes);

  EXPECT_TRUE(watcher_->stop_with(SIGINT, seconds(30)));
  EXPECT_TRUE(watcher_->exited_with(0)) << watcher_->log_text();
}

TEST_F(WatchTest, OtherWritersRunBetweenBatches) {
  // The writer lock is held per batch, not for the life of the watch.
  auto r = update_index(options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  append_file(kb() / "articles/dns/domain.md", "\nThe velmarine resolver caches the old record.\n");
  EXPECT_TRUE(poll_until(seconds(30), [&] { return found("velmarine", "dns/domain"); }))
      << watcher_->log_text();
  // Committed; the batch ends (and releases the lock) once its summary is written.
  EXPECT_TRUE(poll_until(seconds(30), [&] { return batches_done() == 1; })) << watcher_->log_text();
  auto rebuilt = rebuild_index(options());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  append_file(kb() / "articles/dns/domain.md", "\nA trelliburn proxy rewrites it.\n");
  EXPECT_TRUE(poll_until(seconds(30), [&] { return found("trelliburn", "dns/domain"); }))
      << watcher_->log_text();
  EXPECT_TRUE(watcher_->stop_with(SIGTERM, seconds(30)));
  EXPECT_TRUE(watcher_->exited_with(0)) << watcher_->log_text();
}

}  // namespace
}  // namespace errkb::testing
