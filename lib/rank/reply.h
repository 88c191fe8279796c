// A reply to the customer drafted from a cause: the KB's own text (the cause, the first resolution's
// steps, the prevention, the checks) framed by fixed sentences in the customer's language
// (rank/phrases.h). Nothing is added that the KB does not say.
#pragma once

#include <string>

#include "errkb/answers.h"

namespace errkb::rank {

ReplyDraft draft_reply(const Cause& cause, const std::string& language);

}  // namespace errkb::rank
