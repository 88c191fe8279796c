// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the unanswerable queries.
#pragma once

// clang-format off
namespace errkb::rank::fit {

inline constexpr double kBias = 1.8767;
inline constexpr double kWeights[] = {1.7662, -0.3074, 0.7303, 1.8580, 2.5546, -1.7399, -0.7292, -0.4843, -0.4009, -1.3344, -0.9775, -1.8785, -1.4379};
inline constexpr double kAnswerThreshold = 0.3559;

}  // namespace errkb::rank::fit
// clang-format on
