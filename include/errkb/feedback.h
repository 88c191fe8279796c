// Feedback from agents on diagnoses, stored durably (an acknowledged write is on disk) in SQLite (WAL),
// or in PostgreSQL when several servers share it, and read back by ranking: a cause confirmed for a
// code or symptom set ranks higher next time.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "errkb/status.h"

namespace errkb {

enum class FeedbackOutcome { kResolved, kNotResolved, kNotRelevant };

// An outcome's name in the API and in the store: "resolved", "not_resolved", "not_relevant".
std::string_view outcome_name(FeedbackOutcome outcome);
// The outcome of a name; nullopt for any other text.
std::optional<FeedbackOutcome> parse_outcome(std::string_view name);

// What was asked and answered, remembered so that feedback can name a diagnosis by id.
struct DiagnosisRecord {
  std::string diagnosis_id;
  std::vector<std::string> code_terms;     // canonical codes understood in the request
  std::vector<std::string> symptom_terms;  // normalised (lower-cased, stemmed) prose terms
  std::vector<std::string> cause_ids;      // causes returned, best first
  std::string query_text;                  // the request's text, for the gaps report
  double top_confidence = 0;               // confidence of the first cause (0 when none, or when it is only a
                                           // catalogue's meaning of the code: Cause::catalogue_only)
  bool answered = false;                   // Diagnosis::answered: false puts the query in the gaps report
};

struct FeedbackEntry {
  std::string diagnosis_id;
  std::string cause_id;
  FeedbackOutcome outcome = FeedbackOutcome::kResolved;
  std::string note;
};

// Net evidence from past feedback for one cause, for a request with given codes and terms.
struct FeedbackTally {
  double resolved = 0;  // weighted count of "resolved" for similar requests
  double not_resolved = 0;
  double not_relevant = 0;
};

struct Gap {
  std::string query;
  int64_t count = 0;
  double best_confidence = 0;
  std::string reason;    // "no answer" | "no known causes" | "weak answer" | "often not relevant"
  std::string cause_id;  // for "often not relevant"
};

struct FeedbackStoreOptions {
  // Diagnoses nobody gave feedback on are forgotten after this long (they are recorded on every
  // diagnose call, so the table would otherwise grow without bound); rated ones are kept for good.
  // Also the window of the gaps report.
  std::chrono::milliseconds unrated_retention = std::chrono::hours(24 * 90);
  size_t prune_every = 10000;  // records between two pruning passes
};

class FeedbackStore {
 public:
  virtual ~FeedbackStore() = default;
  // Opens (creating if needed) the SQLite database at `path`, or, for a postgresql:// URL
  // (is_postgresql_url), the PostgreSQL database it names, bringing its schema to this version.
  static Result<std::unique_ptr<FeedbackStore>> Open(const std::filesystem::path& path,
                                                     const FeedbackStoreOptions& options = {});

  // Diagnoses and searches that found nothing are queued and written by the store's own thread,
  // many to a transaction, within 50 ms (synchronous=NORMAL: losing the last few on a crash only
  // loses the ability to give feedback on them). InvalidArgument for an empty id; otherwise the
  // first error of an earlier queued write if there was one (that record is lost), else OK.
  virtual Status record_diagnosis(const DiagnosisRecord& record) = 0;
  // A search that found nothing, remembered for the gaps report.
  virtual Status record_unanswered_search(const std::string& query) = 0;
  // Writes what is queued now; returns the first error of queued writes not yet reported.
  virtual Status flush() = 0;
  // Writes what is queued first (a diagnosis can be rated as soon as it was answered); feedback is
  // written with synchronous=FULL: acknowledged means on disk.
  // NotFound when the diagnosis id is unknown; InvalidArgument when the cause was not in it. A later outcome
  // for the same diagnosis and cause replaces the earlier one (`replaced` set): tallies count the latest.
  virtual Status record_feedback(const FeedbackEntry& entry, bool* replaced = nullptr) = 0;
  // Tallies per cause id of feedback given for requests sharing a code term (weight 1) or, when
  // none is shared, whose symptom terms have a Jaccard similarity >= 0.5 with the given ones
  // (weight = that similarity). Read errors yield an empty map: feedback only nudges ranking.
  virtual std::unordered_map<std::string, FeedbackTally> tallies(
      const std::vector<std::string>& code_terms, const std::vector<std::string>& symptom_terms) = 0;
  // The most frequent queries (compared lower-cased, whitespace collapsed) with no answer (0 causes
  // or an empty search) or a weak one (DiagnosisRecord::answered false; for diagnoses recorded before
  // that was kept, top confidence < 0.3), leaving out queries an agent marked resolved for any of their
  // diagnoses, then causes marked not_relevant in at
  // least 2 feedbacks and in at least half of their feedbacks; at most `limit` of each kind.
  virtual Result<std::vector<Gap>> gaps(size_t limit) = 0;
};

// postgresql:// or postgres:// (libpq's connection URIs), rather than a file path.
bool is_postgresql_url(std::string_view location);
// `location` with the password of a URL replaced by ***, for logs and messages.
std::string without_password(std::string_view location);

// Copies the SQLite feedback database `from` into `to` (created, or overwritten: only with no server on
// it) with SQLite's online backup API: a consistent snapshot while servers go on writing to `from`.
// Diagnoses a server has queued and not yet written (FeedbackStore::record_diagnosis) are not in it;
// acknowledged feedback is. InvalidArgument for a postgresql:// location (pg_dump copies those).
Status copy_feedback_database(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace errkb
