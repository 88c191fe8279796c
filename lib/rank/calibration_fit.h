// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the fit queries.
#pragma once

// clang-format off
namespace errkb::rank::fit {

inline constexpr double kBias = 0.1605;
inline constexpr double kWeights[] = {2.4817, -0.5173, 0.3623, 2.5069, 2.5446, -1.5052, -1.1462, -0.2714, -0.1772, -0.6587};
inline constexpr double kAnswerThreshold = 0.5924;

}  // namespace errkb::rank::fit
// clang-format on
