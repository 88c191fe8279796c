// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the unanswerable queries.
#pragma once

// clang-format off
namespace errkb::rank::fit {

inline constexpr double kBias = 1.8392;
inline constexpr double kWeights[] = {1.8963, -0.4456, 1.0429, 1.9996, 2.5735, -0.0498, -0.7430, -0.5764, -0.4811, -1.2935, -1.0357, -1.8075, -1.4293};
inline constexpr double kAnswerThreshold = 0.3569;

}  // namespace errkb::rank::fit
// clang-format on
