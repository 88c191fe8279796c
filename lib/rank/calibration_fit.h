// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over
// rank::AnswerFeatures, and the answer threshold chosen on the unanswerable queries.
#pragma once

// clang-format off
namespace errkb::rank::fit {

inline constexpr double kBias = 0.4061;
inline constexpr double kWeights[] = {2.3274, -0.6946, 0.3500, 2.4215, 2.5755, -1.5643, -0.8347, -0.1934, -0.2341, -0.9749, -1.0631};
inline constexpr double kAnswerThreshold = 0.4788;

}  // namespace errkb::rank::fit
// clang-format on
