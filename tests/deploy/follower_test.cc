// errkb-indexer follow's rounds (follow_primary_once) against a real xapian-replicate-server: a
// replica switches only to a revision whose passages it has whole, and keeps serving the previous one
// when a round cannot complete.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iterator>

#include "errkb/indexer.h"
#include "errkb/replica.h"
#include "postgres_cluster.h"
#include "test_util.h"

namespace errkb::deploy::test {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A primary index from the demo KB, served by xapian-replicate-server; a replica's options.
class FollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(testing::source_path("data"), dir_ / "kb", fs::copy_options::recursive);
    primary_.kb_dirs = {dir_ / "kb"};
    primary_.index_dir = dir_ / "primary";
    replica_.index_dir = dir_ / "replica";
    replica_.primary_host = "127.0.0.1";
    replica_.primary_port = testing::free_loopback_port();
  }
  void TearDown() override { stop_primary(); }

  void index(bool rebuild, std::optional<bool> replicable = true) {
    primary_.replicable = replicable;
    auto report = rebuild ? rebuild_index(primary_) : update_index(primary_);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
  }
  void serve_primary() {
    const std::vector<std::string> args = {
        "xapian-replicate-server", "-p", std::to_string(replica_.primary_port), primary_.index_dir.string()};
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawnp(&server_, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  }
  void stop_primary() {
    if (server_ <= 0) return;
    ::kill(server_, SIGKILL);
    ::waitpid(server_, nullptr, 0);
    server_ = 0;
  }
  // A round, retried while the server just started does not accept connections yet.
  Result<ReplicaRound> round() {
    for (int attempt = 0;; ++attempt) {
      auto r = follow_primary_once(replica_);
      if (r.ok() || r.status().code() != Status::Code::kUnavailable || attempt == 100) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  fs::path live() const { return dir_ / "replica" / read_text(dir_ / "replica" / "current").substr(5, 10); }

  testing::TempDir dir_{"errkb-follower"};
  IndexerOptions primary_;
  ReplicaOptions replica_;
  pid_t server_ = 0;
};

TEST_F(FollowerTest, EachRevisionIsANewGenerationWithItsPassagesWhole) {
  ASSERT_NO_FATAL_FAILURE(index(false));
  ASSERT_NO_FATAL_FAILURE(serve_primary());
  auto first = round();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->switched);
  const fs::path primary_passages = dir_ / "primary" / "gen-000001" / "passages.dat";
  EXPECT_EQ(read_text(first->generation / "passages.dat"), read_text(primary_passages));

  auto again = round();  // nothing new: no new generation
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->switched);
  EXPECT_EQ(again->generation, first->generation);

  testing::write_file(
      dir_ / "kb" / "articles" / "deploy" / "probe.md",
      "---\nid: deploy/probe\ntitle: Probe fails with ZQX-4242\nlanguage: en\ncodes: [\"ZQX-4242\"]\n"
      "---\n# Probe fails with ZQX-4242\n\n## Cause 1: No quorum\nToo few nodes answered.\n");
  ASSERT_NO_FATAL_FAILURE(index(false));
  auto updated = round();
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_TRUE(updated->switched);
  EXPECT_EQ(updated->uuid, first->uuid);
  EXPECT_GT(updated->revision, first->revision);
  EXPECT_EQ(read_text(updated->generation / "passages.dat"), read_text(primary_passages));
  EXPECT_EQ(live(), updated->generation);

  ASSERT_NO_FATAL_FAILURE(index(true));  // a new database: copied whole
  auto rebuilt = round();
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_NE(rebuilt->uuid, first->uuid);
  EXPECT_EQ(read_text(rebuilt->generation / "passages.dat"),
            read_text(dir_ / "primary" / "gen-000002" / "passages.dat"));
}

TEST_F(FollowerTest, AnUnreachablePrimaryLeavesTheServedGenerationAsItIs) {
  ASSERT_NO_FATAL_FAILURE(index(false));
  ASSERT_NO_FATAL_FAILURE(serve_primary());
  auto first = round();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  stop_primary();
  ASSERT_NO_FATAL_FAILURE(index(false, std::nullopt));
  auto failed = follow_primary_once(replica_);
  EXPECT_EQ(failed.status().code(), Status::Code::kUnavailable) << failed.status().ToString();
  EXPECT_EQ(live(), first->generation);
}

TEST_F(FollowerTest, APrimaryWithoutThePassageCopyIsRefusedAndTurningItOffDropsIt) {
  ASSERT_NO_FATAL_FAILURE(index(false, std::nullopt));  // never turned on
  ASSERT_NO_FATAL_FAILURE(serve_primary());
  auto refused = round();
  EXPECT_EQ(refused.status().code(), Status::Code::kInvalidArgument) << refused.status().ToString();
  EXPECT_FALSE(fs::exists(dir_ / "replica" / "current"));

  ASSERT_NO_FATAL_FAILURE(index(false, true));  // turned on: the next update copies the whole file
  auto followed = round();
  ASSERT_TRUE(followed.ok()) << followed.status().ToString();
  EXPECT_TRUE(followed->switched);

  ASSERT_NO_FATAL_FAILURE(index(false, false));  // off again: the copy goes
  auto dropped = round();
  EXPECT_EQ(dropped.status().code(), Status::Code::kInvalidArgument) << dropped.status().ToString();
  EXPECT_EQ(live(), followed->generation);
}

}  // namespace
}  // namespace errkb::deploy::test
