// Calibrated confidence: the probability that the top cause is the right one, from a logistic model
// fitted on the labelled eval queries (scripts/fit_calibration.py writes rank/calibration_fit.h from
// tests/eval/calibration/*.tsv). The model reads only what an answer shows: the top cause's `why`
// parts and the causes' scores, so the fit is made on the same features as the API answers carry.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "errkb/answers.h"

namespace errkb::rank {

// In calibration_fit.h's order.
struct AnswerFeatures {
  double code = 0;             // the top cause's code match (0..1)
  double coverage = 0;         // the IDF-weighted share of the query's words it holds (0..1)
  double title = 0;            // share of the query's words in its title (0..1)
  double phrase = 0;           // share of the query's word pairs held as written (0..1)
  double gap = 0;              // its score minus the second cause's (the whole score when alone), at most 3
  double general = 0;          // 1 when it is a general page or a listing (its focus is below 1)
  double catalogue_only = 0;   // 1 when it is only a catalogue's meaning of the code
  double has_code = 0;         // 1 when the query holds a code the grammar read
  double code_missing = 0;     // 1 when the query holds a code and the top cause carries none of its readings
  double guessed_meaning = 0;  // 1 when it is a catalogue's meaning of a guess at the code's family
  double unknown = 0;          // the query's words no passage holds: 0, 0.5 for one, 1 for two or more
  // For a top cause that matched no code: 1 − its coverage, what of the query's words it lacks (an
  // answer found by words alone is only as good as the share of the question it holds).
  double words_missed = 0;
  double relative = 0;  // its BM25 weight relative to the best candidate's (0..1)
  std::array<double, 13> values() const {
    return {code,     coverage,     title,           phrase,  gap,          general, catalogue_only,
            has_code, code_missing, guessed_meaning, unknown, words_missed, relative};
  }
};

// What the query holds beside its words' matches: the codes the grammar read, the words the KB lacks.
struct QueryFacts {
  bool has_code = false;                   // a code
  std::vector<std::string> certain_codes;  // canonicals of the codes' certain readings
  size_t unknown_words = 0;                // words no passage holds (Diagnosis::unknown_words)
};

AnswerFeatures answer_features(const std::vector<Cause>& causes, const QueryFacts& query);

// Whether a catalogue-only cause gives the meaning of a reading the grammar only guessed: the query holds
// a code, none of the codes the cause holds is a certain reading of it ("Code 43" is Device Manager's
// for certain, not NTSTATUS's), and the query's words do not confirm the family either: the cause holds
// less than kConfirmingCoverage of them ("error 87 windows parameter is incorrect" names the message of
// win32:87; "error 8541 when listing a product" shares only common words with any entry of 8541).
inline constexpr double kConfirmingCoverage = 0.2;
bool is_guessed_meaning(const Cause& cause, const QueryFacts& query);

// P(top cause right) under the fitted model.
double top_cause_probability(const AnswerFeatures& features);

// Sets every cause's confidence: the top cause's is top_cause_probability(); the others share the rest
// in proportion to their softmax weights, none above the cause before it. They sum to at most 1.
void calibrate(std::vector<Cause>& causes, const QueryFacts& query);

}  // namespace errkb::rank
