// What turns ranked causes into an answer an agent can act on: the causes in the query's language
// first when the KB has them, calibrated confidences, the answered / no_answer state with its reason,
// the next questions and, when asked for, a reply draft. Pure: the engine calls it on the merged causes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "errkb/answers.h"

namespace errkb::rank {

struct AnswerOptions {
  size_t limit = 5;                        // causes returned
  bool has_code = false;                   // the query holds a code the grammar read
  std::vector<std::string> certain_codes;  // canonicals of its certain readings
  bool want_reply = false;                 // DiagnoseRequest::reply
  double answer_threshold = -1;            // < 0: fit::kAnswerThreshold
  double question_min_split = -1;          // < 0: kDefaultQuestionMinSplit
};

// `d.causes`: merged best first, possibly more than `limit` (the language's causes may come from further
// down); `d.language`: the query's. Fills causes (cut to limit), confidences, answered, no_answer_reason,
// answer_language, language_note, ask and reply.
void finish_diagnosis(Diagnosis& d, const AnswerOptions& options);

}  // namespace errkb::rank
