// FeedbackStore on a real SQLite file and on a real PostgreSQL server started by the test: validation,
// durability across reopen, tally weighting, gaps; then what only PostgreSQL does: stores of several
// servers sharing one database, a lost connection, versioned migrations.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <pqxx/pqxx>
#include <thread>

#include "errkb/feedback.h"
#include "postgres_cluster.h"
#include "test_util.h"

namespace errkb {
namespace {

DiagnosisRecord diagnosis(std::string id, std::vector<std::string> codes, std::vector<std::string> symptoms,
                          std::vector<std::string> causes, std::string query, double top) {
  DiagnosisRecord r;
  r.diagnosis_id = std::move(id);
  r.code_terms = std::move(codes);
  r.symptom_terms = std::move(symptoms);
  r.cause_ids = std::move(causes);
  r.query_text = std::move(query);
  r.top_confidence = top;
  r.answered = !r.cause_ids.empty() && top >= 0.3;
  return r;
}

// A second, read-only connection to the store's file: what another process would see.
class SqliteFile {
 public:
  explicit SqliteFile(const std::string& path) {
    sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
  }
  ~SqliteFile() { sqlite3_close(db_); }
  int64_t count(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
      n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
  }

 private:
  sqlite3* db_ = nullptr;
};

enum class Backend { kSqlite, kPostgresql };

// One cluster for the tests of this process, a fresh database in it for each store.
testing::PostgresCluster& shared_cluster() {
  static testing::PostgresCluster cluster;
  return cluster;
}

// A count from the store's own database, through a connection of its own: what another server sees.
int64_t count_in(Backend backend, const std::string& location, const char* sql) {
  if (backend == Backend::kSqlite) return SqliteFile(location).count(sql);
  pqxx::connection conn(location);
  return pqxx::nontransaction(conn).exec1(sql)[0].as<int64_t>();
}

// Where a fresh store of `backend` lives (FeedbackStore::Open's argument).
std::string fresh_location(Backend backend, const testing::TempDir& dir) {
  if (backend == Backend::kSqlite) return (dir.path() / "feedback.sqlite").string();
  static int databases = 0;
  testing::PostgresCluster& cluster = shared_cluster();
  if (!cluster.started()) return "";
  const std::string name = "feedback_" + std::to_string(++databases);
  pqxx::connection conn(cluster.url());
  pqxx::nontransaction(conn).exec0("CREATE DATABASE " + name);
  return cluster.url().substr(0, cluster.url().rfind('/') + 1) + name;
}

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgresql";
}

class FeedbackStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    location_ = fresh_location(GetParam(), dir_);
    ASSERT_FALSE(location_.empty()) << shared_cluster().problem();
    auto opened = FeedbackStore::Open(location_, options_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }
  int64_t count(const char* sql) const { return count_in(GetParam(), location_, sql); }

  testing::TempDir dir_{"errkb-feedback"};
  FeedbackStoreOptions options_;
  std::string location_;
  std::unique_ptr<FeedbackStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, FeedbackStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgresql), backend_name);

TEST_P(FeedbackStoreTest, FeedbackNeedsAKnownDiagnosisAndOneOfItsCauses) {
  ASSERT_TRUE(
      store_->record_diagnosis(diagnosis("d1", {"hresult:80070005"}, {"access"}, {"c1", "c2"}, "q", 0.7))
          .ok());
  EXPECT_EQ(store_->record_feedback({"nope", "c1", FeedbackOutcome::kResolved, ""}).code(),
            Status::Code::kNotFound);
  EXPECT_EQ(store_->record_feedback({"d1", "c9", FeedbackOutcome::kResolved, ""}).code(),
            Status::Code::kInvalidArgument);
  EXPECT_TRUE(store_->record_feedback({"d1", "c2", FeedbackOutcome::kResolved, "fixed it"}).ok());
  // The same id twice is a caller bug, reported rather than silently overwriting: by the call
  // (PostgreSQL writes at once) or by the write of the queue (SQLite), once.
  const Status again = store_->record_diagnosis(diagnosis("d1", {}, {}, {}, "q", 0));
  const Status flushed = store_->flush();
  EXPECT_EQ((again.ok() ? flushed : again).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(again.ok() || flushed.ok());
  EXPECT_TRUE(store_->flush().ok());
  EXPECT_TRUE(
      store_->record_feedback({"d1", "c1", FeedbackOutcome::kResolved, ""}).ok());  // the first one stays
  EXPECT_EQ(store_->record_diagnosis(diagnosis("", {}, {}, {}, "q", 0)).code(),
            Status::Code::kInvalidArgument);
}

TEST_P(FeedbackStoreTest, SharedCodeCountsFullyAndSymptomsCountByJaccard) {
  ASSERT_TRUE(
      store_->record_diagnosis(diagnosis("d1", {"ora:942"}, {"tabl", "miss"}, {"c1"}, "a", 0.8)).ok());
  ASSERT_TRUE(
      store_->record_diagnosis(diagnosis("d2", {}, {"slow", "checkout", "timeout"}, {"c2"}, "b", 0.8)).ok());
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("d3", {}, {"slow", "login"}, {"c3"}, "c", 0.8)).ok());
  ASSERT_TRUE(store_->record_feedback({"d1", "c1", FeedbackOutcome::kResolved, ""}).ok());
  ASSERT_TRUE(store_->record_feedback({"d2", "c2", FeedbackOutcome::kNotResolved, ""}).ok());
  ASSERT_TRUE(store_->record_feedback({"d3", "c3", FeedbackOutcome::kNotRelevant, ""}).ok());

  // Code shared: full weight, whatever the symptoms.
  auto by_code = store_->tallies({"ora:942"}, {"other"});
  ASSERT_EQ(by_code.count("c1"), 1u);
  EXPECT_DOUBLE_EQ(by_code["c1"].resolved, 1.0);
  EXPECT_EQ(by_code.count("c2"), 0u);

  // {slow, checkout} vs d2 {slow, checkout, timeout}: 2/3 -> counts with weight 2/3.
  // vs d3 {slow, login}: 1/3 < 0.5 -> does not count.
  auto by_symptoms = store_->tallies({}, {"slow", "checkout"});
  ASSERT_EQ(by_symptoms.count("c2"), 1u);
  EXPECT_NEAR(by_symptoms["c2"].not_resolved, 2.0 / 3.0, 1e-9);
  EXPECT_EQ(by_symptoms.count("c3"), 0u);

  EXPECT_TRUE(store_->tallies({}, {}).empty());
  EXPECT_TRUE(store_->tallies({"http:404"}, {"unrelated"}).empty());
}

TEST_P(FeedbackStoreTest, NewFeedbackChangesCachedTallies) {
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("d1", {"http:503"}, {}, {"c1"}, "a", 0.8)).ok());
  EXPECT_TRUE(store_->tallies({"http:503"}, {}).empty());
  ASSERT_TRUE(store_->record_feedback({"d1", "c1", FeedbackOutcome::kResolved, ""}).ok());
  EXPECT_DOUBLE_EQ(store_->tallies({"http:503"}, {})["c1"].resolved, 1.0);
  // A later outcome for the same diagnosis and cause replaces the earlier one.
  bool replaced = false;
  ASSERT_TRUE(store_->record_feedback({"d1", "c1", FeedbackOutcome::kNotResolved, ""}, &replaced).ok());
  EXPECT_TRUE(replaced);
  EXPECT_DOUBLE_EQ(store_->tallies({"http:503"}, {})["c1"].resolved, 0.0);
  EXPECT_DOUBLE_EQ(store_->tallies({"http:503"}, {})["c1"].not_resolved, 1.0);
  EXPECT_EQ(count("SELECT count(*) FROM feedback"), 1);
}

TEST_P(FeedbackStoreTest, GapsLeaveOutAnsweredQueriesAndThoseAnAgentResolved) {
  DiagnosisRecord weak_but_answered = diagnosis("d1", {}, {"a"}, {"c1"}, "answered at 0.2", 0.2);
  weak_but_answered.answered = true;
  ASSERT_TRUE(store_->record_diagnosis(weak_but_answered).ok());
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("d2", {}, {"b"}, {"c2"}, "label blank", 0.1)).ok());
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("d3", {}, {"b"}, {"c2"}, "Label blank", 0.1)).ok());
  auto before = store_->gaps(10);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].count, 2);
  ASSERT_TRUE(store_->record_feedback({"d3", "c2", FeedbackOutcome::kResolved, ""}).ok());
  auto after = store_->gaps(10);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
}

TEST_P(FeedbackStoreTest, FeedbackSurvivesReopen) {
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("d1", {"errno:13"}, {}, {"c1"}, "a", 0.8)).ok());
  ASSERT_TRUE(store_->record_feedback({"d1", "c1", FeedbackOutcome::kResolved, ""}).ok());
  store_.reset();
  auto reopened = FeedbackStore::Open(location_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_DOUBLE_EQ((*reopened)->tallies({"errno:13"}, {})["c1"].resolved, 1.0);
  // The diagnosis is still known, so more feedback can be given on it.
  EXPECT_TRUE((*reopened)->record_feedback({"d1", "c1", FeedbackOutcome::kNotResolved, ""}).ok());
}

TEST_P(FeedbackStoreTest, GapsListUnansweredWeakAndOftenNotRelevant) {
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("d1", {}, {}, {}, "Printer  on fire", 0)).ok());
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("d2", {}, {}, {}, "printer on FIRE", 0)).ok());
  ASSERT_TRUE(store_->record_unanswered_search("printer on fire").ok());
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("d3", {}, {"label"}, {"c7"}, "label blank", 0.1)).ok());
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("d4", {}, {"dns"}, {"c8"}, "dns good", 0.9)).ok());
  for (const char* id : {"d5", "d6", "d7"}) {
    ASSERT_TRUE(store_->record_diagnosis(diagnosis(id, {}, {"x"}, {"c9"}, "sync stuck", 0.6)).ok());
  }
  ASSERT_TRUE(store_->record_feedback({"d5", "c9", FeedbackOutcome::kNotRelevant, ""}).ok());
  ASSERT_TRUE(store_->record_feedback({"d6", "c9", FeedbackOutcome::kNotRelevant, ""}).ok());
  ASSERT_TRUE(store_->record_feedback({"d7", "c9", FeedbackOutcome::kResolved, ""}).ok());
  ASSERT_TRUE(store_->record_feedback({"d4", "c8", FeedbackOutcome::kNotRelevant, ""}).ok());  // once only

  auto gaps = store_->gaps(10);
  ASSERT_TRUE(gaps.ok()) << gaps.status().ToString();
  ASSERT_EQ(gaps->size(), 3u);
  EXPECT_EQ((*gaps)[0].reason, "no answer");
  EXPECT_EQ((*gaps)[0].count, 3);  // two diagnoses and one search, grouped despite case and spaces
  EXPECT_EQ((*gaps)[1].reason, "weak answer");
  EXPECT_EQ((*gaps)[1].query, "label blank");
  EXPECT_DOUBLE_EQ((*gaps)[1].best_confidence, 0.1);
  EXPECT_EQ((*gaps)[2].reason, "often not relevant");
  EXPECT_EQ((*gaps)[2].cause_id, "c9");
  EXPECT_EQ((*gaps)[2].count, 2);
  EXPECT_EQ((*gaps)[2].query, "sync stuck");

  auto limited = store_->gaps(1);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);  // one of each kind
}

TEST_P(FeedbackStoreTest, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 4, kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!store_->record_diagnosis(diagnosis(id, {"http:500"}, {"x"}, {"c"}, "q", 0.5)).ok()) ++failures;
        if (!store_->record_feedback({id, "c", FeedbackOutcome::kResolved, ""}).ok()) ++failures;
        store_->tallies({"http:500"}, {});
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_DOUBLE_EQ(store_->tallies({"http:500"}, {})["c"].resolved, kThreads * kPerThread);
}

// Diagnoses are written by the store's thread (SQLite; PostgreSQL writes them at once): they reach
// the database without any call that writes the queue, and a rated diagnosis is visible at once.
TEST_P(FeedbackStoreTest, RecordsReachTheDatabaseWithoutAFlush) {
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(
        store_->record_diagnosis(diagnosis("d" + std::to_string(i), {}, {}, {"c1"}, "weak one", 0.1)).ok());
  ASSERT_TRUE(store_->record_feedback({"d19", "c1", FeedbackOutcome::kResolved, ""}).ok());
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("late", {}, {}, {"c1"}, "weak one", 0.1)).ok());
  // Another connection sees "late" once it is written (the SQLite store's thread writes every 50 ms).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (count("SELECT count(*) FROM diagnoses WHERE id = 'late'") == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(count("SELECT count(*) FROM diagnoses"), 21);
}

class FeedbackStoreRetention : public FeedbackStoreTest {
 protected:
  void SetUp() override {
    options_.unrated_retention = std::chrono::milliseconds(0);
    options_.prune_every = 3;
    FeedbackStoreTest::SetUp();
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, FeedbackStoreRetention,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgresql), backend_name);

TEST_P(FeedbackStoreRetention, UnratedDiagnosesAndSearchesAreForgottenRatedOnesKept) {
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("rated", {"http:503"}, {}, {"c1"}, "a", 0)).ok());
  ASSERT_TRUE(store_->record_feedback({"rated", "c1", FeedbackOutcome::kResolved, ""}).ok());
  ASSERT_TRUE(store_->record_diagnosis(diagnosis("unrated", {}, {}, {"c1"}, "b", 0)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));      // both are now older than the retention
  ASSERT_TRUE(store_->record_unanswered_search("nothing").ok());  // third record: prunes

  EXPECT_EQ(store_->record_feedback({"unrated", "c1", FeedbackOutcome::kResolved, ""}).code(),
            Status::Code::kNotFound);
  EXPECT_TRUE(store_->record_feedback({"rated", "c1", FeedbackOutcome::kNotResolved, ""}).ok());
  EXPECT_DOUBLE_EQ(store_->tallies({"http:503"}, {})["c1"].not_resolved, 1.0);  // the latest outcome
  auto gaps = store_->gaps(10);
  ASSERT_TRUE(gaps.ok());
  for (const auto& gap : *gaps) EXPECT_NE(gap.query, "b");
}

// A store written by an earlier version indexed every diagnosis by (top_confidence, query_key); now
// only the weak ones are indexed, by query key. Opening it swaps the index and keeps the rows.
TEST(FeedbackStoreOpen, AnEarlierStoreGetsTheWeakDiagnosesIndexAndKeepsItsRows) {
  testing::TempDir dir("errkb-feedback-migrate");
  const auto path = dir.path() / "feedback.sqlite";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, R"sql(
      CREATE TABLE diagnoses(id TEXT PRIMARY KEY, code_terms TEXT NOT NULL, symptom_terms TEXT NOT NULL,
        cause_ids TEXT NOT NULL, query_text TEXT NOT NULL, query_key TEXT NOT NULL,
        cause_count INTEGER NOT NULL, top_confidence REAL NOT NULL, created_ms INTEGER NOT NULL);
      CREATE INDEX diagnoses_weak ON diagnoses(top_confidence, query_key);
      INSERT INTO diagnoses VALUES('old-weak', '[]', '[]', '["c1"]', 'Label blank', 'label blank', 1, 0.1, 1);
      INSERT INTO diagnoses VALUES('old-good', '[]', '[]', '["c2"]', 'dns good', 'dns good', 1, 0.9, 1);)sql",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto store = FeedbackStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->record_diagnosis(diagnosis("new-weak", {}, {}, {}, "printer on fire", 0)).ok());
  auto gaps = (*store)->gaps(10);
  ASSERT_TRUE(gaps.ok()) << gaps.status().ToString();
  ASSERT_EQ(gaps->size(), 2u);
  EXPECT_EQ((*gaps)[0].query, "printer on fire");
  EXPECT_EQ((*gaps)[1].query, "Label blank");

  SqliteFile file(path.string());
  EXPECT_EQ(file.count("SELECT count(*) FROM sqlite_master WHERE name = 'diagnoses_weak'"), 0);
  EXPECT_EQ(file.count("SELECT count(*) FROM diagnoses"), 3);
  // Only the weak diagnoses are in the new index (INDEXED BY fails if the index cannot serve the query).
  // Rows from before `answered` was kept have it NULL and count as weak by their confidence.
  EXPECT_EQ(file.count("SELECT count(*) FROM diagnoses INDEXED BY diagnoses_unanswered_by_key WHERE "
                       "(cause_count = 0 OR answered = 0 OR (answered IS NULL AND top_confidence < 0.3))"),
            2);
}

TEST(FeedbackStoreOpen, UnwritablePathIsAnError) {
  auto opened = FeedbackStore::Open("/proc/errkb-cannot-exist/feedback.sqlite");
  EXPECT_FALSE(opened.ok());
}

// Servers sharing one PostgreSQL database: a diagnosis answered by one can be rated through another
// at once, and the feedback counts in the next tallies of both (no cache keeps the old ones).
TEST(PostgresqlFeedbackStore, ServersSharingTheDatabaseSeeEachOthersRecordsAtOnce) {
  testing::TempDir dir("errkb-feedback-shared");
  const std::string url = fresh_location(Backend::kPostgresql, dir);
  ASSERT_FALSE(url.empty()) << shared_cluster().problem();
  auto first = FeedbackStore::Open(url);
  auto second = FeedbackStore::Open(url);
  ASSERT_TRUE(first.ok() && second.ok()) << first.status().ToString() << second.status().ToString();
  EXPECT_TRUE((*first)->tallies({"http:502"}, {}).empty());
  ASSERT_TRUE((*first)
                  ->record_diagnosis(diagnosis("d1", {"http:502"}, {"gateway"}, {"c1"}, "bad gateway", 0.8))
                  .ok());
  ASSERT_TRUE((*second)->record_feedback({"d1", "c1", FeedbackOutcome::kResolved, ""}).ok());
  EXPECT_DOUBLE_EQ((*first)->tallies({"http:502"}, {})["c1"].resolved, 1.0);
  EXPECT_DOUBLE_EQ((*second)->tallies({"http:502"}, {})["c1"].resolved, 1.0);
}

// The database goes away: feedback is Unavailable (the API's 503), never acknowledged and lost; once
// it is back, the store connects again and every acknowledged write is there.
TEST(PostgresqlFeedbackStore, LostConnectionIsUnavailableAndLosesNoAcknowledgedWrite) {
  testing::PostgresCluster cluster;
  ASSERT_TRUE(cluster.started()) << cluster.problem();
  auto store = FeedbackStore::Open(cluster.url());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(
      (*store)->record_diagnosis(diagnosis("d1", {"errno:5"}, {}, {"c1", "c2"}, "io error", 0.8)).ok());
  ASSERT_TRUE((*store)->record_feedback({"d1", "c1", FeedbackOutcome::kResolved, ""}).ok());

  ASSERT_TRUE(cluster.stop("immediate"));
  EXPECT_EQ((*store)->record_feedback({"d1", "c2", FeedbackOutcome::kResolved, ""}).code(),
            Status::Code::kUnavailable);
  EXPECT_EQ((*store)->record_diagnosis(diagnosis("d2", {}, {}, {"c1"}, "q", 0.8)).code(),
            Status::Code::kUnavailable);
  EXPECT_EQ((*store)->gaps(10).status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE((*store)->tallies({"errno:5"}, {}).empty());

  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE((*store)->record_feedback({"d1", "c2", FeedbackOutcome::kNotResolved, ""}).ok());
  auto tallies = (*store)->tallies({"errno:5"}, {});
  EXPECT_DOUBLE_EQ(tallies["c1"].resolved, 1.0);
  EXPECT_DOUBLE_EQ(tallies["c2"].not_resolved, 1.0);
  EXPECT_EQ(count_in(Backend::kPostgresql, cluster.url(), "SELECT count(*) FROM feedback"), 2);
}

// Each migration is applied once and recorded; a database migrated by a newer errkb is refused.
TEST(PostgresqlFeedbackStore, MigrationsAreRecordedOnceAndANewerSchemaIsRefused) {
  testing::TempDir dir("errkb-feedback-migrations");
  const std::string url = fresh_location(Backend::kPostgresql, dir);
  ASSERT_FALSE(url.empty()) << shared_cluster().problem();
  std::vector<std::thread> openers;
  std::atomic<int> opened{0};
  for (int i = 0; i < 3; ++i) openers.emplace_back([&] { opened += FeedbackStore::Open(url).ok() ? 1 : 0; });
  for (auto& t : openers) t.join();
  EXPECT_EQ(opened.load(), 3);
  EXPECT_EQ(count_in(Backend::kPostgresql, url, "SELECT count(*) FROM errkb_schema_migrations"), 1);
  EXPECT_EQ(count_in(Backend::kPostgresql, url, "SELECT max(version) FROM errkb_schema_migrations"), 1);
  {
    pqxx::connection conn(url);
    pqxx::nontransaction(conn).exec0("INSERT INTO errkb_schema_migrations(version) VALUES(999)");
  }
  auto refused = FeedbackStore::Open(url);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kVersionMismatch);
  EXPECT_NE(refused.status().message().find("999"), std::string::npos) << refused.status().message();
}

TEST(PostgresqlFeedbackStore, UnreachableDatabaseIsAnErrorWithoutThePassword) {
  const int port = testing::free_loopback_port();
  auto opened = FeedbackStore::Open("postgresql://errkb:s3cret@127.0.0.1:" + std::to_string(port) + "/errkb");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(opened.status().message().find("s3cret"), std::string::npos) << opened.status().message();
}

}  // namespace
}  // namespace errkb
