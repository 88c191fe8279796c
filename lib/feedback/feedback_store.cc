// FeedbackStore on SQLite.
//
// Schema (one file, WAL journal):
//   diagnoses(id PK, code_terms JSON, symptom_terms JSON, cause_ids JSON, query_text, query_key,
//             cause_count, top_confidence, created_ms, answered)  -- answered NULL: recorded before it was
//             kept
//   diagnosis_terms(diagnosis_id, kind 'c'|'s', term)  -- inverted list of the diagnoses that have
//             feedback (filled at their first feedback), so tallies() reads only those that share
//             a code or symptom term with the request, however many diagnoses were never rated
//   feedback(id PK, diagnosis_id, cause_id, outcome, note, created_ms)  -- one row per diagnosis and cause:
//             a later outcome replaces the earlier one
//   searches(query_text, query_key, created_ms)        -- searches that found nothing
// Diagnoses are indexed by id (ids begin with the time, so a new row appends to the index), by
// created_ms for pruning, and only the weak ones (ERRKB_WEAK_DIAGNOSIS) by query_key for the gaps
// report: an index page written per row at a thousand diagnoses a second was the store's main cost.
// Diagnoses without feedback and searches are pruned after FeedbackStoreOptions::unrated_retention.
// query_key is the query lower-cased with whitespace collapsed, so the gaps report groups
// "Error 5 " and "error 5" together.
//
// Two connections: one writer and one reader, each behind its own mutex, so tallies() and gaps()
// do not wait for a feedback fsync (WAL lets one writer and readers work at once). Feedback is
// committed with synchronous=FULL (acknowledged = on disk), diagnoses with synchronous=NORMAL.
//
// Diagnoses and empty searches are queued and written by the store's own thread, many to a
// transaction, every kFlushInterval: written one per request, each commit wrote four pages of WAL,
// and every thousandth one ran SQLite's checkpoint (two fsyncs) inside the request while the others
// queued on the writer, which showed in the slowest diagnoses. Feedback, and the gaps report, first write
// what is queued, so a diagnosis can be rated as soon as it was answered.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "errkb/feedback.h"
#include "feedback/feedback_rules.h"

namespace errkb {
namespace {

using feedback::from_json_array;
using feedback::now_ms;
using feedback::query_key;
using feedback::to_json_array;

constexpr size_t kTallyCacheMax = 4096;
// Queued diagnoses and searches are written at least this often, and at once past kFlushBatch.
constexpr std::chrono::milliseconds kFlushInterval{50};
constexpr size_t kFlushBatch = 512;

// RAII prepared statement with typed binds; errors surface through the owning connection.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  // A statement of a StatementCache: reset and unbound when done, not finalized.
  Statement(sqlite3* db, sqlite3_stmt* cached) : db_(db), stmt_(cached), owned_(false) {}
  ~Statement() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Statement& bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool owned_ = true;
};

// The statements run on every diagnosis or search, prepared once per connection at their first use
// instead of at every call. Keyed by the address of the SQL literal; used under the connection's mutex.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { clear(); }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // nullptr when the SQL does not compile (Statement::ok() is then false and error() says why).
  sqlite3_stmt* get(const char* sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
      return nullptr;
    statements_.emplace(sql, stmt);
    return stmt;
  }
  // Before the connection closes: a connection with unfinalized statements does not close.
  void clear() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    statements_.clear();
  }

 private:
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

Status exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return Status::IOError(msg).With(sql);
  }
  return Status::OK();
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS diagnoses(
  id TEXT PRIMARY KEY,
  code_terms TEXT NOT NULL,
  symptom_terms TEXT NOT NULL,
  cause_ids TEXT NOT NULL,
  query_text TEXT NOT NULL,
  query_key TEXT NOT NULL,
  cause_count INTEGER NOT NULL,
  top_confidence REAL NOT NULL,
  created_ms INTEGER NOT NULL,
  answered INTEGER);
DROP INDEX IF EXISTS diagnoses_weak;
DROP INDEX IF EXISTS diagnoses_weak_by_key;
CREATE INDEX IF NOT EXISTS diagnoses_unanswered_by_key ON diagnoses(query_key) WHERE )sql" ERRKB_WEAK_DIAGNOSIS
                                R"sql(;
CREATE INDEX IF NOT EXISTS diagnoses_created ON diagnoses(created_ms);
CREATE TABLE IF NOT EXISTS diagnosis_terms(
  diagnosis_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('c','s')),
  term TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS diagnosis_terms_term ON diagnosis_terms(kind, term);
CREATE TABLE IF NOT EXISTS feedback(
  id INTEGER PRIMARY KEY,
  diagnosis_id TEXT NOT NULL REFERENCES diagnoses(id),
  cause_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK(outcome IN ('resolved','not_resolved','not_relevant')),
  note TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
DROP INDEX IF EXISTS feedback_diagnosis;
DELETE FROM feedback WHERE id NOT IN (SELECT max(id) FROM feedback GROUP BY diagnosis_id, cause_id);
CREATE UNIQUE INDEX IF NOT EXISTS feedback_diagnosis_cause ON feedback(diagnosis_id, cause_id);
CREATE INDEX IF NOT EXISTS feedback_cause ON feedback(cause_id, outcome);
CREATE TABLE IF NOT EXISTS searches(
  query_text TEXT NOT NULL,
  query_key TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS searches_key ON searches(query_key);
CREATE INDEX IF NOT EXISTS searches_created ON searches(created_ms);
)sql";

// A database written before diagnoses kept `answered` gets the column (NULL in its old rows) before
// kSchema's index on it is created.
Status add_answered_column(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  const char* sql =
      "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'diagnoses'),"
      " (SELECT count(*) FROM pragma_table_info('diagnoses') WHERE name = 'answered')";
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK)
    return Status::IOError(sqlite3_errmsg(db));
  const bool lacks = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) == 1 &&
                     sqlite3_column_int(stmt, 1) == 0;
  sqlite3_finalize(stmt);
  return lacks ? exec(db, "ALTER TABLE diagnoses ADD COLUMN answered INTEGER") : Status::OK();
}

Result<sqlite3*> open_connection(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::IOError("cannot open feedback database " + path.string() + ": " + msg);
  }
  // Another process (or the other connection) may hold the write lock briefly.
  sqlite3_busy_timeout(db, 5000);
  return db;
}

// The code and symptom terms of the diagnoses that have feedback (diagnosis_terms), kept in memory
// beside the table so that a request sharing none of them needs no query. `read` false: the table
// could not be read, and every request queries it.
struct RatedTerms {
  std::unordered_set<std::string> codes;
  std::unordered_set<std::string> symptoms;
  bool read = true;
};

RatedTerms read_rated_terms(sqlite3* db) {
  RatedTerms out;
  Statement rows(db, "SELECT DISTINCT kind, term FROM diagnosis_terms");
  int rc = rows.ok() ? rows.step() : SQLITE_ERROR;
  for (; rc == SQLITE_ROW; rc = rows.step())
    (rows.text(0) == "c" ? out.codes : out.symptoms).insert(rows.text(1));
  out.read = rc == SQLITE_DONE;
  return out;
}

class SqliteFeedbackStore final : public FeedbackStore {
 public:
  SqliteFeedbackStore(sqlite3* writer, sqlite3* reader, const FeedbackStoreOptions& options)
      : writer_(writer),
        reader_(reader),
        options_(options),
        writer_statements_(writer),
        reader_statements_(reader),
        rated_terms_(read_rated_terms(reader)),
        flusher_([this] { flush_loop(); }) {}
  ~SqliteFeedbackStore() override {
    {
      std::lock_guard lock(queue_mutex_);
      stopping_ = true;
    }
    queue_wake_.notify_one();
    flusher_.join();  // its last pass writes what is still queued
    writer_statements_.clear();
    reader_statements_.clear();
    sqlite3_close(reader_);
    sqlite3_close(writer_);
  }

  Status record_diagnosis(const DiagnosisRecord& record) override {
    if (record.diagnosis_id.empty()) return Status::InvalidArgument("diagnosis id is empty");
    return enqueue({record, {}, now_ms()});
  }

  Status record_unanswered_search(const std::string& query) override {
    return enqueue({{}, query, now_ms()});
  }

  Status flush() override {
    write_queue_now();
    return take_deferred_error();
  }

  Status record_feedback(const FeedbackEntry& entry, bool* replaced) override {
    std::lock_guard lock(writer_mutex_);
    write_queued();  // the diagnosis rated may still be queued
    // FULL: the commit returns only once the WAL is synced, so an acknowledged feedback survives
    // a crash or power cut.
    if (auto s = set_synchronous(kFull); !s.ok()) return s;
    if (auto s = exec(writer_, "BEGIN IMMEDIATE"); !s.ok()) return s;
    RatedTerms first_rated;
    Status status = insert_feedback(entry, replaced, first_rated);
    if (!status.ok()) {
      exec(writer_, "ROLLBACK");
      return status;
    }
    if (status = exec(writer_, "COMMIT"); !status.ok()) return status;
    std::lock_guard cache_lock(cache_mutex_);
    tally_cache_.clear();
    ++cache_generation_;
    rated_terms_.codes.merge(first_rated.codes);
    rated_terms_.symptoms.merge(first_rated.symptoms);
    return Status::OK();
  }

  std::unordered_map<std::string, FeedbackTally> tallies(
      const std::vector<std::string>& code_terms, const std::vector<std::string>& symptom_terms) override {
    if (!shares_a_rated_term(code_terms, symptom_terms)) return {};
    std::set<std::string> codes(code_terms.begin(), code_terms.end());
    std::set<std::string> symptoms(symptom_terms.begin(), symptom_terms.end());
    const std::string cache_key =
        to_json_array({codes.begin(), codes.end()}) + "|" + to_json_array({symptoms.begin(), symptoms.end()});
    uint64_t generation;
    {
      std::lock_guard cache_lock(cache_mutex_);
      if (auto it = tally_cache_.find(cache_key); it != tally_cache_.end()) return it->second;
      generation = cache_generation_;
    }
    auto result = compute_tallies(codes, symptoms);
    std::lock_guard cache_lock(cache_mutex_);
    // Feedback committed while we read may be missing from `result`: then it must not be cached.
    if (generation != cache_generation_) return result;
    if (tally_cache_.size() >= kTallyCacheMax) tally_cache_.clear();
    tally_cache_.emplace(cache_key, result);
    return result;
  }

  Result<std::vector<Gap>> gaps(size_t limit) override {
    write_queue_now();
    std::lock_guard lock(reader_mutex_);
    std::vector<Gap> out;
    // Unanswered and weakly answered queries: diagnoses and empty searches, grouped by query key.
    Statement queries(reader_, R"sql(
      SELECT max(query_text), count(*), max(best), min(answered) FROM (
        SELECT query_text, query_key, top_confidence AS best, cause_count AS answered
          FROM diagnoses WHERE )sql" ERRKB_WEAK_DIAGNOSIS R"sql( AND query_key <> ''
        UNION ALL
        SELECT query_text, query_key, 0.0, 0 FROM searches WHERE query_key <> '')
      WHERE query_key NOT IN (SELECT d.query_key FROM feedback f JOIN diagnoses d ON d.id = f.diagnosis_id
                               WHERE f.outcome = 'resolved')
      GROUP BY query_key ORDER BY count(*) DESC, max(best) ASC, query_key LIMIT ?)sql");
    if (!queries.ok()) return Status::IOError(queries.error());
    queries.bind(1, static_cast<int64_t>(limit));
    int rc;
    while ((rc = queries.step()) == SQLITE_ROW) {
      Gap gap;
      gap.query = queries.text(0);
      gap.count = queries.integer(1);
      gap.best_confidence = queries.real(2);
      const bool answered = queries.integer(3) > 0;  // causes, but none known: a catalogue's meaning only
      gap.reason = feedback::gap_reason(gap.best_confidence, answered);
      out.push_back(std::move(gap));
    }
    if (rc != SQLITE_DONE) return Status::IOError("reading gaps: " + queries.error());

    // Causes that agents often mark not relevant.
    Statement causes(reader_, R"sql(
      SELECT f.cause_id, sum(f.outcome = 'not_relevant') AS nr, count(*) AS total,
             (SELECT d.query_text FROM feedback g JOIN diagnoses d ON d.id = g.diagnosis_id
               WHERE g.cause_id = f.cause_id AND g.outcome = 'not_relevant'
               ORDER BY g.id DESC LIMIT 1)
        FROM feedback f GROUP BY f.cause_id
      HAVING nr >= 2 AND 2 * nr >= total
      ORDER BY nr DESC, f.cause_id LIMIT ?)sql");
    if (!causes.ok()) return Status::IOError(causes.error());
    causes.bind(1, static_cast<int64_t>(limit));
    while ((rc = causes.step()) == SQLITE_ROW) {
      Gap gap;
      gap.cause_id = causes.text(0);
      gap.count = causes.integer(1);
      gap.query = causes.text(3);
      gap.reason = "often not relevant";
      out.push_back(std::move(gap));
    }
    if (rc != SQLITE_DONE) return Status::IOError("reading gaps: " + causes.error());
    return out;
  }

 private:
  // A diagnosis to record, or (no diagnosis id) a search that found nothing.
  struct Queued {
    DiagnosisRecord diagnosis;
    std::string search;
    int64_t created_ms = 0;
  };

  Status enqueue(Queued item) {
    bool wake;
    Status deferred;
    {
      std::lock_guard lock(queue_mutex_);
      queue_.push_back(std::move(item));
      wake = queue_.size() == 1 || queue_.size() >= kFlushBatch;  // the first starts the interval
      deferred = std::exchange(deferred_error_, Status::OK());
    }
    if (wake) queue_wake_.notify_one();
    return deferred;
  }

  Status take_deferred_error() {
    std::lock_guard lock(queue_mutex_);
    return std::exchange(deferred_error_, Status::OK());
  }

  // Sleeps while nothing is queued; then writes kFlushInterval after the first record, or at once
  // past kFlushBatch.
  void flush_loop() {
    std::unique_lock lock(queue_mutex_);
    for (;;) {
      queue_wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      queue_wake_.wait_for(lock, kFlushInterval,
                           [this] { return stopping_ || queue_.size() >= kFlushBatch; });
      const bool stop = stopping_;
      lock.unlock();
      write_queue_now();
      if (stop) return;
      lock.lock();
    }
  }

  void write_queue_now() {
    std::lock_guard lock(writer_mutex_);
    write_queued();
  }

  // Under the writer mutex: writes everything queued so far in one transaction. A record that cannot
  // be written is reported by the next record_* or flush() call (the first such error).
  void write_queued() {
    std::vector<Queued> batch;
    {
      std::lock_guard lock(queue_mutex_);
      batch.swap(queue_);
    }
    if (batch.empty()) return;
    Status status = set_synchronous(kNormal);
    if (status.ok()) status = exec(writer_, "BEGIN IMMEDIATE");
    Status first_failure = status;
    if (status.ok()) {
      for (const Queued& item : batch) {
        Status written = item.diagnosis.diagnosis_id.empty()
                             ? insert_search(item.search, item.created_ms)
                             : insert_diagnosis(item.diagnosis, item.created_ms);
        if (written.ok()) written = count_record_and_maybe_prune();
        if (!written.ok() && first_failure.ok()) first_failure = written;
      }
      if (Status committed = exec(writer_, "COMMIT"); !committed.ok()) {
        exec(writer_, "ROLLBACK");
        first_failure = committed.With(std::to_string(batch.size()) + " diagnoses and searches not recorded");
      }
    }
    if (!first_failure.ok()) {
      std::lock_guard lock(queue_mutex_);
      if (deferred_error_.ok()) deferred_error_ = first_failure;
    }
  }

  Status insert_search(const std::string& query, int64_t created_ms) {
    Statement insert(writer_, writer_statements_.get(
                                  "INSERT INTO searches(query_text, query_key, created_ms) VALUES(?,?,?)"));
    if (!insert.ok()) return Status::IOError(insert.error());
    insert.bind(1, query).bind(2, query_key(query)).bind(3, created_ms);
    if (insert.step() != SQLITE_DONE) return Status::IOError("recording a search: " + insert.error());
    return Status::OK();
  }

  // Under the writer mutex. Forgets unrated diagnoses and empty searches older than the retention.
  Status count_record_and_maybe_prune() {
    if (++records_since_prune_ < std::max<size_t>(1, options_.prune_every)) return Status::OK();
    records_since_prune_ = 0;
    const int64_t cutoff = now_ms() - options_.unrated_retention.count();
    Statement diagnoses(writer_, R"sql(
      DELETE FROM diagnoses WHERE created_ms < ?
        AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.diagnosis_id = diagnoses.id))sql");
    Statement searches(writer_, "DELETE FROM searches WHERE created_ms < ?");
    if (!diagnoses.ok() || !searches.ok()) return Status::IOError("pruning: " + diagnoses.error());
    diagnoses.bind(1, cutoff);
    searches.bind(1, cutoff);
    if (diagnoses.step() != SQLITE_DONE || searches.step() != SQLITE_DONE) {
      return Status::IOError(std::string("pruning old diagnoses: ") + sqlite3_errmsg(writer_));
    }
    return Status::OK();
  }

  Status insert_diagnosis(const DiagnosisRecord& record, int64_t created_ms) {
    Statement insert(writer_, writer_statements_.get(R"sql(
      INSERT INTO diagnoses(id, code_terms, symptom_terms, cause_ids, query_text, query_key,
                            cause_count, top_confidence, created_ms, answered)
      VALUES(?,?,?,?,?,?,?,?,?,?))sql"));
    if (!insert.ok()) return Status::IOError(insert.error());
    insert.bind(1, record.diagnosis_id)
        .bind(2, to_json_array(record.code_terms))
        .bind(3, to_json_array(record.symptom_terms))
        .bind(4, to_json_array(record.cause_ids))
        .bind(5, record.query_text)
        .bind(6, query_key(record.query_text))
        .bind(7, static_cast<int64_t>(record.cause_ids.size()))
        .bind(8, record.cause_ids.empty() ? 0.0 : record.top_confidence)
        .bind(9, created_ms)
        .bind(10, static_cast<int64_t>(record.answered));
    int rc = insert.step();
    if (rc == SQLITE_CONSTRAINT)
      return Status::InvalidArgument("diagnosis id '" + record.diagnosis_id + "' already recorded");
    if (rc != SQLITE_DONE) return Status::IOError("recording a diagnosis: " + insert.error());
    return Status::OK();
  }

  // Inside the caller's transaction: checks the diagnosis and the cause, indexes the diagnosis'
  // terms at its first feedback (and puts them in `first_rated`), and inserts the feedback.
  Status insert_feedback(const FeedbackEntry& entry, bool* replaced, RatedTerms& first_rated) {
    Statement find(writer_, R"sql(
      SELECT cause_ids, code_terms, symptom_terms,
             EXISTS(SELECT 1 FROM feedback WHERE diagnosis_id = ?1),
             EXISTS(SELECT 1 FROM feedback WHERE diagnosis_id = ?1 AND cause_id = ?2)
        FROM diagnoses WHERE id = ?1)sql");
    if (!find.ok()) return Status::IOError(find.error());
    find.bind(1, entry.diagnosis_id).bind(2, entry.cause_id);
    int rc = find.step();
    if (rc == SQLITE_DONE) return Status::NotFound("unknown diagnosis id '" + entry.diagnosis_id + "'");
    if (rc != SQLITE_ROW) return Status::IOError("reading a diagnosis: " + find.error());
    auto causes = from_json_array(find.text(0));
    if (std::find(causes.begin(), causes.end(), entry.cause_id) == causes.end()) {
      return Status::InvalidArgument("cause '" + entry.cause_id + "' was not part of diagnosis '" +
                                     entry.diagnosis_id + "'");
    }
    if (find.integer(3) == 0) {
      Statement term(writer_, "INSERT INTO diagnosis_terms(diagnosis_id, kind, term) VALUES(?,?,?)");
      if (!term.ok()) return Status::IOError(term.error());
      auto add_terms = [&](const std::vector<std::string>& terms, std::string_view kind,
                           std::unordered_set<std::string>& rated) -> Status {
        for (const auto& t : std::set<std::string>(terms.begin(), terms.end())) {
          term.bind(1, entry.diagnosis_id).bind(2, kind).bind(3, t);
          if (term.step() != SQLITE_DONE)
            return Status::IOError("recording diagnosis terms: " + term.error());
          term.reset();
          rated.insert(t);
        }
        return Status::OK();
      };
      if (auto s = add_terms(from_json_array(find.text(1)), "c", first_rated.codes); !s.ok()) return s;
      if (auto s = add_terms(from_json_array(find.text(2)), "s", first_rated.symptoms); !s.ok()) return s;
    }
    // A later outcome for the same diagnosis and cause replaces the earlier one (a new row id: the
    // latest is the last).
    Statement insert(writer_, R"sql(
      INSERT OR REPLACE INTO feedback(diagnosis_id, cause_id, outcome, note, created_ms) VALUES(?,?,?,?,?))sql");
    if (!insert.ok()) return Status::IOError(insert.error());
    if (replaced) *replaced = find.integer(4) != 0;
    insert.bind(1, entry.diagnosis_id)
        .bind(2, entry.cause_id)
        .bind(3, outcome_name(entry.outcome))
        .bind(4, entry.note)
        .bind(5, now_ms());
    if (insert.step() != SQLITE_DONE) return Status::IOError("recording feedback: " + insert.error());
    return Status::OK();
  }

  // Whether a rated diagnosis shares a code or symptom term with the request: most requests share none,
  // and for them no statement runs.
  bool shares_a_rated_term(const std::vector<std::string>& codes, const std::vector<std::string>& symptoms) {
    std::lock_guard cache_lock(cache_mutex_);
    if (!rated_terms_.read) return true;
    auto any_in = [](const std::vector<std::string>& terms, const std::unordered_set<std::string>& rated) {
      return std::any_of(terms.begin(), terms.end(), [&](const std::string& t) { return rated.contains(t); });
    };
    return any_in(codes, rated_terms_.codes) || any_in(symptoms, rated_terms_.symptoms);
  }

  std::unordered_map<std::string, FeedbackTally> compute_tallies(const std::set<std::string>& codes,
                                                                 const std::set<std::string>& symptoms) {
    std::unordered_map<std::string, FeedbackTally> out;
    if (codes.empty() && symptoms.empty()) return out;
    std::lock_guard lock(reader_mutex_);
    // Candidate diagnoses: those with feedback that share at least one code or symptom term.
    // json_each over a bound JSON array keeps the statement fixed whatever the number of terms.
    Statement rows(reader_, reader_statements_.get(R"sql(
      SELECT d.id, d.code_terms, d.symptom_terms, f.cause_id, f.outcome
        FROM feedback f JOIN diagnoses d ON d.id = f.diagnosis_id
       WHERE f.diagnosis_id IN (
         SELECT diagnosis_id FROM diagnosis_terms
          WHERE (kind = 'c' AND term IN (SELECT value FROM json_each(?1)))
             OR (kind = 's' AND term IN (SELECT value FROM json_each(?2)))))sql"));
    if (!rows.ok()) return out;
    rows.bind(1, to_json_array({codes.begin(), codes.end()}))
        .bind(2, to_json_array({symptoms.begin(), symptoms.end()}));
    feedback::TallyBuilder builder(codes, symptoms);
    while (rows.step() == SQLITE_ROW)
      builder.add(rows.text(0), rows.text(1), rows.text(2), rows.text(3), rows.text(4));
    out = builder.take();
    return out;
  }

  enum Synchronous { kUnset, kNormal, kFull };

  // Under the writer mutex. Switches the writer's synchronous mode only when it changes, so the
  // PRAGMA does not run on every record.
  Status set_synchronous(Synchronous mode) {
    if (synchronous_ == mode) return Status::OK();
    if (auto s = exec(writer_, mode == kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
        !s.ok()) {
      synchronous_ = kUnset;
      return s;
    }
    synchronous_ = mode;
    return Status::OK();
  }

  sqlite3* writer_;
  sqlite3* reader_;
  const FeedbackStoreOptions options_;
  size_t records_since_prune_ = 0;    // guarded by writer_mutex_
  Synchronous synchronous_ = kUnset;  // guarded by writer_mutex_
  std::mutex writer_mutex_;
  std::mutex reader_mutex_;
  StatementCache writer_statements_;  // guarded by writer_mutex_
  StatementCache reader_statements_;  // guarded by reader_mutex_
  std::mutex cache_mutex_;
  std::unordered_map<std::string, std::unordered_map<std::string, FeedbackTally>> tally_cache_;
  RatedTerms rated_terms_;         // guarded by cache_mutex_
  uint64_t cache_generation_ = 0;  // bumped by every feedback; guarded by cache_mutex_
  std::mutex queue_mutex_;         // taken inside writer_mutex_, never the other way round
  std::condition_variable queue_wake_;
  std::vector<Queued> queue_;  // guarded by queue_mutex_
  Status deferred_error_;      // guarded by queue_mutex_
  bool stopping_ = false;      // guarded by queue_mutex_
  std::thread flusher_;        // last: started once everything above exists
};

}  // namespace

bool is_postgresql_url(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string without_password(std::string_view location) {
  const auto scheme_end = location.find("://");
  const auto at = location.find('@');
  if (!is_postgresql_url(location) || at == std::string_view::npos) return std::string(location);
  const auto colon = location.find(':', scheme_end + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(location);
  return std::string(location.substr(0, colon + 1)) + "***" + std::string(location.substr(at));
}

Result<std::unique_ptr<FeedbackStore>> FeedbackStore::Open(const std::filesystem::path& path,
                                                           const FeedbackStoreOptions& options) {
  if (is_postgresql_url(path.native())) return feedback::open_postgresql(path.native(), options);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  auto writer = open_connection(path);
  if (!writer.ok()) return writer.status();
  Status status = exec(*writer, "PRAGMA journal_mode=WAL");
  if (status.ok()) status = exec(*writer, "PRAGMA foreign_keys=ON");
  if (status.ok()) status = add_answered_column(*writer);
  if (status.ok()) status = exec(*writer, kSchema);
  if (!status.ok()) {
    sqlite3_close(*writer);
    return status.With("opening feedback database " + path.string());
  }
  auto reader = open_connection(path);
  if (!reader.ok()) {
    sqlite3_close(*writer);
    return reader.status();
  }
  return std::unique_ptr<FeedbackStore>(new SqliteFeedbackStore(*writer, *reader, options));
}

}  // namespace errkb
