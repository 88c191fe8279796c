// What the feedback stores (SQLite in feedback_store.cc, PostgreSQL in feedback_postgres.cc) share:
// how a query is keyed, how terms are stored, how past feedback weighs for a request, how a gap is named.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "errkb/feedback.h"

// A diagnosis the gaps report lists: no cause, or no answer (Diagnosis::answered; for rows recorded
// before it was kept, a best cause below 0.3 confidence). Written into the SQL of the partial index and
// of the report's query alike: a database uses a partial index only for a query that repeats its condition.
#define ERRKB_WEAK_DIAGNOSIS \
  "(cause_count = 0 OR answered = 0 OR (answered IS NULL AND top_confidence < 0.3))"

namespace errkb::feedback {

int64_t now_ms();
// Lower-cased, whitespace collapsed: "Error 5 " and "error 5" are one query in the gaps report.
std::string query_key(std::string_view text);
std::string to_json_array(const std::vector<std::string>& values);
std::vector<std::string> from_json_array(const std::string& text);
// "weak answer", "no known causes" or "no answer", for a query's best confidence and whether it had causes.
std::string gap_reason(double best_confidence, bool had_causes);

// Adds up past feedback rows for one request (FeedbackStore::tallies): a past diagnosis sharing a code
// counts fully, else by the Jaccard similarity of its symptom terms when that is at least 0.5.
class TallyBuilder {
 public:
  TallyBuilder(std::set<std::string> codes, std::set<std::string> symptoms)
      : codes_(std::move(codes)), symptoms_(std::move(symptoms)) {}
  // One feedback row: the diagnosis' id and its terms (JSON arrays, as stored), the cause and outcome.
  void add(const std::string& diagnosis_id, const std::string& code_terms_json,
           const std::string& symptom_terms_json, const std::string& cause_id, std::string_view outcome);
  std::unordered_map<std::string, FeedbackTally> take() { return std::move(tallies_); }

 private:
  double weight(const std::string& code_terms_json, const std::string& symptom_terms_json) const;

  std::set<std::string> codes_, symptoms_;
  std::map<std::string, double> weight_of_;  // per diagnosis, computed once
  std::unordered_map<std::string, FeedbackTally> tallies_;
};

// The PostgreSQL store (feedback_postgres.cc) for a postgresql:// URL.
Result<std::unique_ptr<FeedbackStore>> open_postgresql(const std::string& url,
                                                       const FeedbackStoreOptions& options);

}  // namespace errkb::feedback
