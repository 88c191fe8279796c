// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the unanswerable queries.
#pragma once

// clang-format off
namespace errkb::rank::fit {

inline constexpr double kBias = 0.3727;
inline constexpr double kWeights[] = {2.3372, -0.6855, 0.3482, 2.4442, 2.5779, -1.5522, -0.8308, -0.1753, -0.2311, -0.9701, -1.0606};
inline constexpr double kAnswerThreshold = 0.4719;

}  // namespace errkb::rank::fit
// clang-format on
