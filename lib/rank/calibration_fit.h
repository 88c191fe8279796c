// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the unanswerable queries.
#pragma once

// clang-format off
namespace errkb::rank::fit {

inline constexpr double kBias = 1.8481;
inline constexpr double kWeights[] = {1.8869, -0.4341, 1.0514, 1.9844, 2.5934, -0.0560, -0.7708, -0.5802, -0.4773, -1.2861, -1.0263, -1.8333, -1.4388};
inline constexpr double kAnswerThreshold = 0.3498;

}  // namespace errkb::rank::fit
// clang-format on
