// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the fit queries.
#pragma once

namespace errkb::rank::fit {

inline constexpr double kBias = -0.6170;
inline constexpr double kWeights[] = {3.0500, 0.6726, -0.2306, 2.4225, 0.5964, -1.7225, -1.4972};
inline constexpr double kAnswerThreshold = 0.5823;

}  // namespace errkb::rank::fit
