// Every sentence errkb writes itself (next questions, their reasons, the reply draft, the answer's
// state), in one table with a version in each answer language: en, ro, it, ru. KB text is quoted, never
// translated; these sentences frame it.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace errkb::rank {

enum class Phrase {
  kAskCode,  // ask for the exact error code
  kAskCodeReason,
  kAskSymptoms,  // the KB knows the code's meaning only: ask what happened
  kAskSymptomsReason,
  kAskProduct,  // {products}
  kAskProductReason,
  kAskCheck,     // {check}: a cause's check, as a yes/no question
  kAskCause,     // {cause}: a cause without checks, as a yes/no question
  kAskPointsTo,  // {cause}: a yes points to it
  kOr,           // joins the last two items of a list
  kYes,
  kNo,
  kNoAnswerNothing,  // nothing matched the question
  kMeaningOnly,
  kNoAnswerGuessedMeaning,  // a catalogue's meaning of a guessed reading of the code       // only a
                            // catalogue's meaning of the code
  kNoAnswerWeak,            // {confidence}: the best cause is not likely enough
  kUnknownWords,            // {words}: the query's words the KB has never seen
  kLanguageFallback,        // {requested} {used}: no causes in the requested language
  kLanguageLower,           // {requested} {used}: the best causes are in another language
  kReplyGreeting,
  kReplyCause,  // {cause}
  kReplySteps,
  kReplyPrevention,
  kReplyChecks,    // introduces the checks the customer can report back
  kReplySendBack,  // what to send back if it does not help
  kReplyClosing,
  kCount,  // not a phrase: how many there are
};

// The languages the table has, English first (the fallback).
inline constexpr std::string_view kPhraseLanguages[] = {"en", "ro", "it", "ru"};

// The sentence in `language` ("en", "ro", "it", "ru"; any other gets English), with each "{name}"
// replaced by its value.
std::string phrase(Phrase p, std::string_view language,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> values = {});

// Whether the table has the language's sentences.
bool has_phrases(std::string_view language);

}  // namespace errkb::rank
