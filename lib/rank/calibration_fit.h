// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the fit queries.
#pragma once

namespace errkb::rank::fit {

inline constexpr double kBias = -0.1204;
inline constexpr double kWeights[] = {2.6141,  0.2583,  0.0827, 2.5032, 0.3030,
                                      -1.6786, -2.5004, 0.2667, -0.3882};
inline constexpr double kAnswerThreshold = 0.5249;

}  // namespace errkb::rank::fit
