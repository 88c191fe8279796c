// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the unanswerable queries.
#pragma once

// clang-format off
namespace errkb::rank::fit {

inline constexpr double kBias = 1.2313;
inline constexpr double kWeights[] = {2.1983, -0.9477, 0.4979, 2.0468, 2.3058, -2.0297, -0.7914, -0.6983, -0.4311, -1.3030, -1.3472, -2.3763};
inline constexpr double kAnswerThreshold = 0.4154;

}  // namespace errkb::rank::fit
// clang-format on
