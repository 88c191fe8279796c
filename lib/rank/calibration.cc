#include "rank/calibration.h"

#include <algorithm>
#include <cmath>

#include "rank/calibration_fit.h"
#include "rank/ranking.h"

namespace errkb::rank {
namespace {

static_assert(std::size(fit::kWeights) == std::tuple_size_v<decltype(AnswerFeatures{}.values())>,
              "calibration_fit.h has one weight per feature");

}  // namespace

bool is_guessed_meaning(const Cause& cause, const QueryFacts& query) {
  const auto& certain = query.certain_codes;
  return cause.catalogue_only && query.has_code &&
         std::none_of(cause.codes.begin(), cause.codes.end(),
                      [&](const std::string& c) {
                        return std::find(certain.begin(), certain.end(), c) != certain.end();
                      }) &&
         coverage_of(cause) < kConfirmingCoverage;
}

AnswerFeatures answer_features(const std::vector<Cause>& causes, const QueryFacts& query) {
  AnswerFeatures f;
  if (causes.empty()) return f;
  const Cause& top = causes.front();
  const Weights w;
  f.code = why_part(top, "exact_code", w.code);
  f.coverage = coverage_of(top);
  f.relative = why_part(top, "word_weight", w.text * kRelativeWeight);
  f.title = why_part(top, "title", w.title);
  f.phrase = why_part(top, "phrase", w.phrase);
  f.gap = std::clamp(top.score - (causes.size() > 1 ? causes[1].score : 0.0), 0.0, 3.0);
  f.general =
      std::any_of(top.why.begin(), top.why.end(), [](const WhyPart& p) { return p.factor == "focus"; }) ? 1
                                                                                                        : 0;
  f.catalogue_only = top.catalogue_only ? 1 : 0;
  f.has_code = query.has_code ? 1 : 0;
  f.code_missing = query.has_code && f.code <= 0 ? 1 : 0;
  f.guessed_meaning = is_guessed_meaning(top, query) ? 1 : 0;
  f.unknown = std::min<double>(query.unknown_words, 2) / 2;
  f.words_missed = f.code > 0 ? 0 : std::max(0.0, 1 - f.coverage);
  return f;
}

double top_cause_probability(const AnswerFeatures& features) {
  double z = fit::kBias;
  const auto values = features.values();
  for (size_t i = 0; i < values.size(); ++i) z += fit::kWeights[i] * values[i];
  return 1 / (1 + std::exp(-z));
}

void calibrate(std::vector<Cause>& causes, const QueryFacts& query) {
  if (causes.empty()) return;
  const double top = top_cause_probability(answer_features(causes, query));
  // The softmax of merge_causes (its temperature) shares what the top cause leaves among the others.
  constexpr double kTemperature = 0.2;
  double total = 0;
  for (size_t i = 1; i < causes.size(); ++i)
    total += std::exp((causes[i].score - causes[1].score) / kTemperature);
  causes[0].confidence = top;
  for (size_t i = 1; i < causes.size(); ++i) {
    const double share = (1 - top) * std::exp((causes[i].score - causes[1].score) / kTemperature) / total;
    causes[i].confidence = std::min(share, causes[i - 1].confidence);
  }
}

}  // namespace errkb::rank
