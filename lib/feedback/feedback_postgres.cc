// FeedbackStore on PostgreSQL (libpqxx), for servers that share their feedback: every replica records
// to and learns from the same tables. The tables are those of the SQLite store (feedback_store.cc
// describes them), terms kept as JSON text, so both backends weigh feedback by the same code
// (feedback_rules.h).
//
// Differences from the SQLite store, and why:
// - Diagnoses and empty searches are written at once, not queued: feedback on a diagnosis may come
//   through another server a moment later, which must find it. They are committed with
//   synchronous_commit off (visible to every server at once; a database crash may lose the last few,
//   which only loses the ability to give feedback on them). Feedback is committed with it on: an
//   acknowledged feedback is on the database's disk.
// - No tally cache: another server's feedback must count at the next diagnosis here.
// - A lost connection is Unavailable (the API answers 503; the client retries), and the next call
//   connects again. Feedback whose commit was cut off is reported the same way: retrying it is safe,
//   since a later outcome for the same diagnosis and cause replaces the earlier one.
// Schema migrations are numbered (kMigrations); errkb_schema_migrations records the ones applied. A
// server applies the missing ones at start under an advisory lock, so replicas starting together
// apply each once, and refuses a database newer than itself.
#include <algorithm>
#include <mutex>
#include <pqxx/pqxx>
#include <set>

#include "errkb/feedback.h"
#include "feedback/feedback_rules.h"

namespace errkb::feedback {
namespace {

struct Migration {
  int version;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE diagnoses(
  id TEXT PRIMARY KEY,
  code_terms TEXT NOT NULL,
  symptom_terms TEXT NOT NULL,
  cause_ids TEXT NOT NULL,
  query_text TEXT NOT NULL,
  query_key TEXT NOT NULL,
  cause_count INTEGER NOT NULL,
  top_confidence DOUBLE PRECISION NOT NULL,
  created_ms BIGINT NOT NULL,
  answered INTEGER);
CREATE INDEX diagnoses_unanswered_by_key ON diagnoses(query_key) WHERE )sql" ERRKB_WEAK_DIAGNOSIS R"sql(;
CREATE INDEX diagnoses_created ON diagnoses(created_ms);
CREATE TABLE diagnosis_terms(
  diagnosis_id TEXT NOT NULL REFERENCES diagnoses(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK(kind IN ('c','s')),
  term TEXT NOT NULL);
CREATE INDEX diagnosis_terms_term ON diagnosis_terms(kind, term);
CREATE TABLE feedback(
  id BIGSERIAL PRIMARY KEY,
  diagnosis_id TEXT NOT NULL REFERENCES diagnoses(id),
  cause_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK(outcome IN ('resolved','not_resolved','not_relevant')),
  note TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  UNIQUE(diagnosis_id, cause_id));
CREATE INDEX feedback_cause ON feedback(cause_id, outcome);
CREATE TABLE searches(
  query_text TEXT NOT NULL,
  query_key TEXT NOT NULL,
  created_ms BIGINT NOT NULL);
CREATE INDEX searches_key ON searches(query_key);
CREATE INDEX searches_created ON searches(created_ms);
)sql"},
};

// Any number, the same in every errkb: the lock the migrations are applied under.
constexpr int64_t kMigrationLock = 0x6572726b62;  // "errkb"

// A database host that does not answer fails a connection in seconds, not at TCP's timeout: each
// request that needs the database tries to connect while it is gone. A URL's own value is kept.
std::string with_connect_timeout(std::string url) {
  if (url.find("connect_timeout=") != std::string::npos) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=2";
}

// A connection made on first use and again after it was lost; used under its mutex.
class Connection {
 public:
  Connection(std::string url, bool synchronous_commit)
      : url_(with_connect_timeout(std::move(url))), synchronous_commit_(synchronous_commit) {}
  std::mutex mutex;

  pqxx::connection& get() {
    if (!conn_ || !conn_->is_open()) {
      conn_.reset();
      auto conn = std::make_unique<pqxx::connection>(url_);
      if (!synchronous_commit_) pqxx::nontransaction(*conn).exec0("SET synchronous_commit TO off");
      conn_ = std::move(conn);
    }
    return *conn_;
  }
  void drop() { conn_.reset(); }

 private:
  std::string url_;
  bool synchronous_commit_;
  std::unique_ptr<pqxx::connection> conn_;
};

// Runs `fn` on `connection` under its mutex; database errors become a Status. A connection that
// failed is dropped, so the next call connects again.
template <typename Fn>
Status guarded(Connection& connection, const std::string& what, Fn fn) {
  std::lock_guard lock(connection.mutex);
  try {
    return fn(connection.get());
  } catch (const pqxx::in_doubt_error& e) {
    connection.drop();
    return Status::Unavailable("the feedback database went away while committing " + what +
                               "; it may or may not be stored: send it again");
  } catch (const pqxx::broken_connection& e) {
    connection.drop();
    return Status::Unavailable("the feedback database cannot be reached (" + what + "): " + e.what());
  } catch (const pqxx::sql_error& e) {
    // Class 08: connection exceptions; 57P: the server is shutting down or restarting.
    const std::string& state = e.sqlstate();
    if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0) {
      connection.drop();
      return Status::Unavailable("the feedback database is not available (" + what + "): " + e.what());
    }
    return Status::IOError(what + ": " + e.what());
  } catch (const std::exception& e) {
    connection.drop();
    return Status::IOError(what + ": " + e.what());
  }
}

Status migrate(pqxx::connection& conn) {
  pqxx::work txn(conn);
  txn.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
  txn.exec0(R"sql(CREATE TABLE IF NOT EXISTS errkb_schema_migrations(
                    version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()))sql");
  const int applied = txn.exec1("SELECT coalesce(max(version), 0) FROM errkb_schema_migrations")[0].as<int>();
  const int newest = kMigrations[std::size(kMigrations) - 1].version;
  if (applied > newest)
    return Status::VersionMismatch("the feedback database has schema version " + std::to_string(applied) +
                                   ", newer than this program's " + std::to_string(newest) +
                                   "; upgrade errkb");
  for (const Migration& m : kMigrations) {
    if (m.version <= applied) continue;
    txn.exec(m.sql);
    txn.exec_params("INSERT INTO errkb_schema_migrations(version) VALUES($1)", m.version);
  }
  txn.commit();
  return Status::OK();
}

class PostgresFeedbackStore final : public FeedbackStore {
 public:
  PostgresFeedbackStore(const std::string& url, const FeedbackStoreOptions& options)
      : options_(options),
        records_(url, /*synchronous_commit=*/false),
        feedback_(url, true),
        reader_(url, true) {}

  Status open() {
    return guarded(feedback_, "bringing the schema up to date",
                   [](pqxx::connection& c) { return migrate(c); });
  }

  Status record_diagnosis(const DiagnosisRecord& record) override {
    if (record.diagnosis_id.empty()) return Status::InvalidArgument("diagnosis id is empty");
    return guarded(records_, "recording a diagnosis", [&](pqxx::connection& c) {
      pqxx::nontransaction txn(c);
      const auto inserted = txn.exec_params(
          R"sql(
        INSERT INTO diagnoses(id, code_terms, symptom_terms, cause_ids, query_text, query_key,
                              cause_count, top_confidence, created_ms, answered)
        VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING)sql",
          record.diagnosis_id, to_json_array(record.code_terms), to_json_array(record.symptom_terms),
          to_json_array(record.cause_ids), record.query_text, query_key(record.query_text),
          static_cast<int64_t>(record.cause_ids.size()),
          record.cause_ids.empty() ? 0.0 : record.top_confidence, now_ms(),
          static_cast<int>(record.answered));
      if (inserted.affected_rows() == 0)
        return Status::InvalidArgument("diagnosis id '" + record.diagnosis_id + "' already recorded");
      return prune_now_and_then(txn);
    });
  }

  Status record_unanswered_search(const std::string& query) override {
    return guarded(records_, "recording a search", [&](pqxx::connection& c) {
      pqxx::nontransaction txn(c);
      txn.exec_params("INSERT INTO searches(query_text, query_key, created_ms) VALUES($1, $2, $3)", query,
                      query_key(query), now_ms());
      return prune_now_and_then(txn);
    });
  }

  Status flush() override { return Status::OK(); }  // nothing is queued

  Status record_feedback(const FeedbackEntry& entry, bool* replaced) override {
    return guarded(feedback_, "recording feedback", [&](pqxx::connection& c) {
      pqxx::work txn(c);
      // FOR UPDATE: two servers giving a diagnosis its first feedback at once index its terms once.
      const auto found = txn.exec_params(R"sql(
        SELECT cause_ids, code_terms, symptom_terms,
               EXISTS(SELECT 1 FROM feedback WHERE diagnosis_id = $1),
               EXISTS(SELECT 1 FROM feedback WHERE diagnosis_id = $1 AND cause_id = $2)
          FROM diagnoses WHERE id = $1 FOR UPDATE)sql",
                                         entry.diagnosis_id, entry.cause_id);
      if (found.empty()) return Status::NotFound("unknown diagnosis id '" + entry.diagnosis_id + "'");
      const auto row = found[0];
      const auto causes = from_json_array(row[0].as<std::string>());
      if (std::find(causes.begin(), causes.end(), entry.cause_id) == causes.end())
        return Status::InvalidArgument("cause '" + entry.cause_id + "' was not part of diagnosis '" +
                                       entry.diagnosis_id + "'");
      if (!row[3].as<bool>()) {
        txn.exec_params(R"sql(
          INSERT INTO diagnosis_terms(diagnosis_id, kind, term)
          SELECT $1, 'c', t FROM (SELECT DISTINCT jsonb_array_elements_text($2::jsonb) AS t) codes
          UNION ALL
          SELECT $1, 's', t FROM (SELECT DISTINCT jsonb_array_elements_text($3::jsonb) AS t) symptoms)sql",
                        entry.diagnosis_id, row[1].as<std::string>(), row[2].as<std::string>());
      }
      // A later outcome replaces the earlier one and takes a new id: the latest is the last.
      txn.exec_params(R"sql(
        INSERT INTO feedback(diagnosis_id, cause_id, outcome, note, created_ms) VALUES($1, $2, $3, $4, $5)
        ON CONFLICT (diagnosis_id, cause_id) DO UPDATE
          SET outcome = excluded.outcome, note = excluded.note, created_ms = excluded.created_ms,
              id = nextval(pg_get_serial_sequence('feedback', 'id')))sql",
                      entry.diagnosis_id, entry.cause_id, std::string(outcome_name(entry.outcome)),
                      entry.note, now_ms());
      txn.commit();
      if (replaced) *replaced = row[4].as<bool>();
      return Status::OK();
    });
  }

  std::unordered_map<std::string, FeedbackTally> tallies(
      const std::vector<std::string>& code_terms, const std::vector<std::string>& symptom_terms) override {
    std::set<std::string> codes(code_terms.begin(), code_terms.end());
    std::set<std::string> symptoms(symptom_terms.begin(), symptom_terms.end());
    std::unordered_map<std::string, FeedbackTally> out;
    if (codes.empty() && symptoms.empty()) return out;
    // A read error leaves the tallies empty: feedback only nudges ranking.
    (void)guarded(reader_, "reading feedback", [&](pqxx::connection& c) {
      pqxx::read_transaction txn(c);
      const auto rows = txn.exec_params(R"sql(
        SELECT d.id, d.code_terms, d.symptom_terms, f.cause_id, f.outcome
          FROM feedback f JOIN diagnoses d ON d.id = f.diagnosis_id
         WHERE f.diagnosis_id IN (
           SELECT diagnosis_id FROM diagnosis_terms
            WHERE (kind = 'c' AND term IN (SELECT jsonb_array_elements_text($1::jsonb)))
               OR (kind = 's' AND term IN (SELECT jsonb_array_elements_text($2::jsonb)))))sql",
                                        to_json_array({codes.begin(), codes.end()}),
                                        to_json_array({symptoms.begin(), symptoms.end()}));
      TallyBuilder builder(codes, symptoms);
      for (const auto& r : rows)
        builder.add(r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                    r[3].as<std::string>(), r[4].as<std::string>());
      out = builder.take();
      return Status::OK();
    });
    return out;
  }

  Result<std::vector<Gap>> gaps(size_t limit) override {
    std::vector<Gap> out;
    Status status = guarded(reader_, "reading gaps", [&](pqxx::connection& c) {
      pqxx::read_transaction txn(c);
      const auto queries = txn.exec_params(R"sql(
        SELECT max(query_text), count(*), max(best), min(answered) FROM (
          SELECT query_text, query_key, top_confidence AS best, cause_count AS answered
            FROM diagnoses WHERE )sql" ERRKB_WEAK_DIAGNOSIS R"sql( AND query_key <> ''
          UNION ALL
          SELECT query_text, query_key, 0.0, 0 FROM searches WHERE query_key <> '') weak
        WHERE query_key NOT IN (SELECT d.query_key FROM feedback f JOIN diagnoses d ON d.id = f.diagnosis_id
                                 WHERE f.outcome = 'resolved')
        GROUP BY query_key ORDER BY count(*) DESC, max(best) ASC, query_key LIMIT $1)sql",
                                           static_cast<int64_t>(limit));
      for (const auto& r : queries) {
        Gap gap;
        gap.query = r[0].as<std::string>();
        gap.count = r[1].as<int64_t>();
        gap.best_confidence = r[2].as<double>();
        gap.reason = gap_reason(gap.best_confidence, r[3].as<int64_t>() > 0);
        out.push_back(std::move(gap));
      }
      // Causes that agents often mark not relevant.
      const auto causes = txn.exec_params(R"sql(
        SELECT f.cause_id, sum(CASE WHEN f.outcome = 'not_relevant' THEN 1 ELSE 0 END) AS nr, count(*) AS total,
               (SELECT d.query_text FROM feedback g JOIN diagnoses d ON d.id = g.diagnosis_id
                 WHERE g.cause_id = f.cause_id AND g.outcome = 'not_relevant'
                 ORDER BY g.id DESC LIMIT 1)
          FROM feedback f GROUP BY f.cause_id
        HAVING sum(CASE WHEN f.outcome = 'not_relevant' THEN 1 ELSE 0 END) >= 2
           AND 2 * sum(CASE WHEN f.outcome = 'not_relevant' THEN 1 ELSE 0 END) >= count(*)
        ORDER BY nr DESC, f.cause_id LIMIT $1)sql",
                                          static_cast<int64_t>(limit));
      for (const auto& r : causes) {
        Gap gap;
        gap.cause_id = r[0].as<std::string>();
        gap.count = r[1].as<int64_t>();
        gap.query = r[3].is_null() ? std::string() : r[3].as<std::string>();
        gap.reason = "often not relevant";
        out.push_back(std::move(gap));
      }
      return Status::OK();
    });
    if (!status.ok()) return status;
    return out;
  }

 private:
  // Under the records connection. Forgets unrated diagnoses and empty searches older than the
  // retention, every prune_every records of this server.
  Status prune_now_and_then(pqxx::nontransaction& txn) {
    if (++records_since_prune_ < std::max<size_t>(1, options_.prune_every)) return Status::OK();
    records_since_prune_ = 0;
    const int64_t cutoff = now_ms() - options_.unrated_retention.count();
    txn.exec_params(R"sql(
      DELETE FROM diagnoses WHERE created_ms < $1
        AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.diagnosis_id = diagnoses.id))sql",
                    cutoff);
    txn.exec_params("DELETE FROM searches WHERE created_ms < $1", cutoff);
    return Status::OK();
  }

  const FeedbackStoreOptions options_;
  size_t records_since_prune_ = 0;  // guarded by records_.mutex
  Connection records_;              // diagnoses and searches (synchronous_commit off)
  Connection feedback_;             // feedback and migrations
  Connection reader_;               // tallies and gaps
};

}  // namespace

Result<std::unique_ptr<FeedbackStore>> open_postgresql(const std::string& url,
                                                       const FeedbackStoreOptions& options) {
  auto store = std::make_unique<PostgresFeedbackStore>(url, options);
  if (Status s = store->open(); !s.ok()) return s.With("feedback database " + without_password(url));
  return std::unique_ptr<FeedbackStore>(std::move(store));
}

}  // namespace errkb::feedback
