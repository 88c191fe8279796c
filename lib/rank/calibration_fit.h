// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the unanswerable queries.
#pragma once

// clang-format off
namespace errkb::rank::fit {

inline constexpr double kBias = 0.3504;
inline constexpr double kWeights[] = {2.2943, -0.6651, 0.3082, 2.4294, 2.5986, -1.5518, -0.9536, -0.1106, -0.2310, -1.3412, -1.0287};
inline constexpr double kAnswerThreshold = 0.4824;

}  // namespace errkb::rank::fit
// clang-format on
