// The ranking formula and cause merging. Pure functions on plain structs (no Xapian), unit-tested alone.
//
//   score = 3.0·code + 1.0·text + 0.3·title + 0.3·phrase + 0.4·authority + 0.4·focus + 0.05·votes
//           + 0.05·freshness + 0.5·feedback + 0.05·language
//
//   code      0..1  best confidence of a query code reading the passage carries (1 = exact, certain code),
//                   × 1 when its title or heading names the code, 0.95 when it only declares it, 0.85 when
//                   it mentions it, 0.5 for a weak reading (code_match)
//   text      0..1  0.5 × IDF-weighted share of the query's prose terms the passage matches (coverage)
//                   + 0.5 × its BM25 weight relative to the best candidate's (text_match)
//   title     0..1  IDF-weighted share of the query's prose words the passage's title holds (a page titled
//                   with what was asked is about it, whatever its focus)
//   phrase    0..1  IDF-weighted share of the query's adjacent word pairs that the passage's title, heading
//                   or symptoms hold as adjacent words: a message quoted as it is written, not its words
//                   scattered over a page
//   authority 0..1  source kind: article 1.0, catalogue 0.85, accepted answer 0.7, voted answer 0.45-0.6,
//                   unanswered thread 0.2
//   focus     0..1  how much the passage is about one problem (focus_prior): 1 for a page about an error,
//                   lower for a general page that names no code and for one that lists many codes
//   votes     0..1  log-scaled forum score
//   freshness 0..1  1 for content updated in the last year, decaying to 0 over five years
//   feedback -1..1  tanh of (resolved − 0.5·not_resolved − not_relevant) from agents' past feedback
//   language  0/1   the passage is in the query's language (breaks ties toward it)
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "errkb/answers.h"
#include "errkb/feedback.h"
#include "errkb/record.h"

namespace errkb::rank {

struct Weights {
  double code = 3.0;
  double text = 1.0;
  double title = 0.3;
  double phrase = 0.3;
  double authority = 0.4;
  double focus = 0.4;
  double votes = 0.05;
  double freshness = 0.05;
  double feedback = 0.5;
  double language = 0.05;
};

struct ScoreParts {
  double code = 0;
  std::string code_detail;  // "matches hresult:80070005 (E_ACCESSDENIED)"
  double coverage = 0;      // IDF-weighted share of the query's prose words the passage matches
  double relative = 0;      // its BM25 weight relative to the best candidate's (text_match)
  double title = 0;         // IDF-weighted share of the query's words in the title
  double phrase = 0;        // IDF-weighted share of the query's word pairs in the head fields
  std::vector<std::string> matched_words;  // query words the passage matched
  double authority = 0;
  double focus = 0.4;
  double votes = 0;
  double freshness = 0;
  double feedback = 0;
  std::string feedback_detail;
  double language = 0;
};

struct ScoredPassage {
  Passage passage;
  std::vector<std::string> code_terms;  // canonical codes the passage carries
  ScoreParts parts;
  double score = 0;
  std::string snippet;
  // Cause level, filled for diagnose (store/cause_level.cc): the cause's heading without its label
  // ("Cause 2:"), its number, whether its heading names no particular cause ("Cause", "Possible
  // causes"), and the IDF-weighted share of the query's words that the cause's own text (heading,
  // cause, checks, resolutions) holds: what tells an article's causes apart when they share its title
  // and symptoms.
  std::string cause_title;
  int cause_number = 0;
  bool generic_cause = false;
  double own_match = 0;
  std::vector<std::string> own_words;
};

double combine(const ScoreParts& parts, const Weights& w = {});

// How a passage carries a reading of the query's code.
enum class CodeHold {
  kNone,
  kWeak,      // as one reading of an ambiguous code
  kMention,   // certainly, in passing
  kDeclared,  // certainly, and the passage declares it among its codes (front matter, a catalogue entry)
  kAbout,     // certainly, and the passage names it in its title or heading
};
// The code part for a reading of `confidence` (0..1): whole for a passage whose title or heading names
// the code, so that it outranks one that mentions it in passing; a little less for one that only
// declares it (a page declaring several codes is about each less than the page titled by one); less
// again for a mention, and for a weak reading.
inline constexpr double kDeclaredCodeFactor = 0.95;
inline constexpr double kCodeMentionFactor = 0.85;
inline constexpr double kWeakCodeFactor = 0.5;
double code_match(double confidence, CodeHold hold);

// The text part: kCoverageWeight × the IDF-weighted share of the query's prose terms the passage
// matches (`coverage`) + kRelativeWeight × its BM25 weight relative to the best candidate's (at most 1).
// The share counts a word once however often the passage has it and however long the passage is: a long
// page holding many of a question's common words matches as much as the short one that keeps repeating
// its one rare word. BM25 weighs that, and weighs as much: lay descriptions of a symptom, whose words
// the right page only partly uses, are found by the rare word the page is about.
inline constexpr double kCoverageWeight = 0.5;
inline constexpr double kRelativeWeight = 0.5;
double text_match(double coverage, double relative_weight);

// How well a candidate answers the query (0..1; merge_causes' answer_strength): its code part, or its
// coverage of the query's words (near-complete coverage counts as complete; partial coverage counts less).
double answer_strength(double code, double coverage);
std::vector<WhyPart> explain(const ScoreParts& parts, const Weights& w = {});
// A part of the cause's `why`, divided by its weight (0 when absent).
double why_part(const Cause& cause, std::string_view factor, double weight);
// The IDF-weighted share of the query's words the cause holds (its `symptoms` part).
double coverage_of(const Cause& cause);

// An error KB is searched for problems: a passage that names its code in its title, heading or declared
// codes, or has cause, check or resolution sections, or is a catalogue entry or a forum thread, is
// about one (1). A page that names no code and has none of those sections is general documentation
// (kGeneralFocus); one whose passage carries kListingCodes distinct codes or more lists them rather
// than explaining one (kListingFocus), whatever its title. `primary_codes`: codes the passage is about;
// `codes`: distinct codes it carries.
inline constexpr double kGeneralFocus = 0.5;
inline constexpr double kListingFocus = 0.25;
inline constexpr size_t kListingCodes = 12;
double focus_prior(const Passage& p, size_t primary_codes, size_t codes);

double votes_prior(int votes);
// Freshness from a YYYYMMDD key relative to today's YYYYMMDD.
double freshness_prior(std::string_view date_key, std::string_view today_key);
double feedback_prior(const FeedbackTally& tally);

// The first `max_items` of `v`, separated by `sep` (lists of words in `why` and in answer sentences).
std::string join(const std::vector<std::string>& v, const char* sep, size_t max_items = 8);

// Groups passages that describe the same cause (same codes or none, similar cause words) into causes,
// best first, with all their evidence; fills confidence so that the returned causes sum to at most 1.
// `answer_strength` (0..1) scales all confidences: low when nothing matched the query well.
//
// The causes of one article share its title, symptoms and codes, so their passage scores hardly differ.
// Among them the query's words in each cause's own text (own_match) and agents' feedback choose; then a
// cause that names what it is comes before a generic "Cause" section; then the article's own order. The
// article's scores are handed out in that order (why: "cause_order"), so articles keep their places.
std::vector<Cause> merge_causes(const std::vector<ScoredPassage>& passages, size_t limit,
                                double answer_strength);

// Puts first the causes in `language` from the same kind of source as the best cause (an article's
// version in the language, not a forum thread standing in for an article) that score within
// kLanguageMargin of it when the best cause matches the query's code (they match the code as well), or
// within kProseLanguageMargin when it matches words only: there a quarter of a point is the distance
// between the right page and an unrelated one, so the language only breaks near ties. A lifted cause
// holds at least the best cause's share of the query's words: another language's version of the best
// answer says what the query says, a page that only shares its code does not. Returns whether any
// cause is in the language.
inline constexpr double kLanguageMargin = 0.25;
inline constexpr double kProseLanguageMargin = 0.05;
inline constexpr double kCoverageTie = 0.01;  // shares of the query's words this close count as equal
// How far below the best cause another language's cause can be lifted from.
constexpr double language_margin(bool best_matches_code) {
  return best_matches_code ? kLanguageMargin : kProseLanguageMargin;
}
bool prefer_language(std::vector<Cause>& causes, const std::string& language);

// Next questions offered only when their answer splits the top causes' mass at least this evenly.
inline constexpr double kDefaultQuestionMinSplit = 0.25;

// Up to 3 short questions in `language` (rank/phrases.h), each with which answer points to which cause:
// "what is the exact error code?" first when `has_code` is false; "what happened?" when the best answer
// is only a catalogue's meaning of the code; then, among the top causes, the product question and one
// check (or the cause itself) per cause, deduplicated, those splitting the mass below `min_split` left out.
std::vector<NextQuestion> next_questions(const std::vector<Cause>& causes, bool has_code,
                                         const std::string& language,
                                         double min_split = kDefaultQuestionMinSplit);

// Words of a text for similarity: lower-cased, letters/digits only, stop words and short words dropped.
std::vector<std::string> content_words(const std::string& text);

}  // namespace errkb::rank
