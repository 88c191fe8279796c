// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the fit queries.
#pragma once

namespace errkb::rank::fit {

inline constexpr double kBias = 0.2123;
inline constexpr double kWeights[] = {2.6036, -0.6893, 0.1300, 2.5176, 2.2609, -1.6210, -1.1129, -0.2631, -0.1050, -0.6551};
inline constexpr double kAnswerThreshold = 0.6866;

}  // namespace errkb::rank::fit
