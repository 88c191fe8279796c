#include "feedback/feedback_rules.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "errkb/text.h"

namespace errkb::feedback {

namespace {

constexpr double kMinJaccard = 0.5;

double jaccard(const std::set<std::string>& a, const std::set<std::string>& b) {
  if (a.empty() || b.empty()) return 0;
  size_t shared = 0;
  for (const auto& t : a) shared += b.count(t);
  return static_cast<double>(shared) / static_cast<double>(a.size() + b.size() - shared);
}

}  // namespace

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string query_key(std::string_view text) { return lower_ascii(collapse_whitespace(text)); }

std::string to_json_array(const std::vector<std::string>& values) { return nlohmann::json(values).dump(); }

std::vector<std::string> from_json_array(const std::string& text) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (!parsed.is_array()) return out;
  for (const auto& v : parsed) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string gap_reason(double best_confidence, bool had_causes) {
  return best_confidence > 0 ? "weak answer" : had_causes ? "no known causes" : "no answer";
}

double TallyBuilder::weight(const std::string& code_terms_json, const std::string& symptom_terms_json) const {
  const auto past_codes = from_json_array(code_terms_json);
  if (std::any_of(past_codes.begin(), past_codes.end(),
                  [&](const std::string& c) { return codes_.count(c) > 0; }))
    return 1.0;
  const auto past_symptoms = from_json_array(symptom_terms_json);
  const double similarity = jaccard(symptoms_, {past_symptoms.begin(), past_symptoms.end()});
  return similarity >= kMinJaccard ? similarity : 0;
}

void TallyBuilder::add(const std::string& diagnosis_id, const std::string& code_terms_json,
                       const std::string& symptom_terms_json, const std::string& cause_id,
                       std::string_view outcome) {
  auto it = weight_of_.find(diagnosis_id);
  if (it == weight_of_.end())
    it = weight_of_.emplace(diagnosis_id, weight(code_terms_json, symptom_terms_json)).first;
  if (it->second <= 0) return;
  FeedbackTally& tally = tallies_[cause_id];
  if (outcome == "resolved")
    tally.resolved += it->second;
  else if (outcome == "not_resolved")
    tally.not_resolved += it->second;
  else
    tally.not_relevant += it->second;
}

}  // namespace errkb::feedback

namespace errkb {

namespace {
constexpr std::pair<FeedbackOutcome, std::string_view> kOutcomeNames[] = {
    {FeedbackOutcome::kResolved, "resolved"},
    {FeedbackOutcome::kNotResolved, "not_resolved"},
    {FeedbackOutcome::kNotRelevant, "not_relevant"},
};
}  // namespace

std::string_view outcome_name(FeedbackOutcome outcome) {
  for (const auto& [value, name] : kOutcomeNames)
    if (value == outcome) return name;
  return kOutcomeNames[0].second;
}

std::optional<FeedbackOutcome> parse_outcome(std::string_view name) {
  for (const auto& [value, known] : kOutcomeNames)
    if (known == name) return value;
  return std::nullopt;
}

}  // namespace errkb
