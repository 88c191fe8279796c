#include "rank/answer.h"

#include <cstdio>

#include "rank/calibration.h"
#include "rank/calibration_fit.h"
#include "rank/phrases.h"
#include "rank/ranking.h"
#include "rank/reply.h"

namespace errkb::rank {
namespace {

std::string two_decimals(double x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

// Sentences go in the answer's language when the table has it, else in the query's, else English.
std::string sentence_language(const Diagnosis& d) {
  if (has_phrases(d.answer_language)) return d.answer_language;
  if (has_phrases(d.language)) return d.language;
  return "en";
}

}  // namespace

void finish_diagnosis(Diagnosis& d, const AnswerOptions& options) {
  const bool in_language = prefer_language(d.causes, d.language);
  if (d.causes.size() > options.limit) d.causes.resize(options.limit);
  d.answer_language =
      d.causes.empty() || d.causes.front().language.empty() ? d.language : d.causes.front().language;
  if (!d.causes.empty() && !d.language.empty() && !d.causes.front().language.empty() &&
      d.causes.front().language != d.language) {
    d.language_note = phrase(in_language ? Phrase::kLanguageLower : Phrase::kLanguageFallback, d.language,
                             {{"requested", d.language}, {"used", d.answer_language}});
  }
  const QueryFacts facts{options.has_code, options.certain_codes, d.unknown_words.size()};
  calibrate(d.causes, facts);

  const std::string language = sentence_language(d);
  const double threshold = options.answer_threshold >= 0 ? options.answer_threshold : fit::kAnswerThreshold;
  if (d.causes.empty()) {
    d.no_answer_reason = phrase(Phrase::kNoAnswerNothing, language);
  } else if (is_guessed_meaning(d.causes.front(), facts)) {
    d.no_answer_reason = phrase(Phrase::kNoAnswerGuessedMeaning, language);
  } else if (d.causes.front().confidence < threshold) {
    d.no_answer_reason =
        phrase(Phrase::kNoAnswerWeak, language, {{"confidence", two_decimals(d.causes.front().confidence)}});
    // Words the KB has never seen say what it may not cover: the agent can search elsewhere for them.
    if (!d.unknown_words.empty())
      d.no_answer_reason +=
          " " + phrase(Phrase::kUnknownWords, language, {{"words", join(d.unknown_words, ", ")}});
  } else {
    d.answered = true;
    if (d.causes.front().catalogue_only) d.answer_note = phrase(Phrase::kMeaningOnly, language);
  }
  d.ask =
      next_questions(d.causes, options.has_code, language,
                     options.question_min_split >= 0 ? options.question_min_split : kDefaultQuestionMinSplit);
  // The reply speaks the customer's language (the query's), quoting the KB in its own.
  if (options.want_reply && d.answered)
    d.reply = draft_reply(d.causes.front(), has_phrases(d.language) ? d.language : language);
}

}  // namespace errkb::rank
