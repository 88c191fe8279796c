#include "rank/ranking.h"

#include <gtest/gtest.h>

#include "rank/answer.h"
#include "rank/calibration.h"
#include "rank/phrases.h"

namespace errkb::rank {

ScoredPassage passage(const std::string& id, const std::string& doc, const std::string& cause, double score,
                      std::vector<std::string> codes = {}) {
  ScoredPassage sp;
  sp.passage.id = id;
  sp.passage.doc_id = doc;
  sp.passage.cause = cause;
  sp.passage.resolutions = {"fix for " + id};
  sp.passage.checks = {"check for " + id};
  sp.code_terms = std::move(codes);
  sp.score = score;
  return sp;
}

TEST(Combine, CodeMatchDominatesTextAndPriors) {
  ScoreParts code_only;
  code_only.code = 1;
  ScoreParts perfect_text;
  perfect_text.coverage = 1;
  perfect_text.relative = 1;
  perfect_text.authority = 1;
  perfect_text.votes = 1;
  perfect_text.freshness = 1;
  perfect_text.language = 1;
  EXPECT_GT(combine(code_only), combine(perfect_text));
  auto why = explain(code_only);
  ASSERT_FALSE(why.empty());
  EXPECT_EQ(why.front().factor, "exact_code");
}

// A passage about the code outranks one that mentions it, which outranks one that carries it only as
// one reading of an ambiguous code; each in proportion to the reading's confidence.
TEST(CodeMatch, AboutTheCodeThenAMentionThenAWeakReading) {
  EXPECT_DOUBLE_EQ(code_match(0.9, CodeHold::kAbout), 0.9);
  EXPECT_DOUBLE_EQ(code_match(0.9, CodeHold::kMention), 0.9 * kCodeMentionFactor);
  EXPECT_DOUBLE_EQ(code_match(0.9, CodeHold::kWeak), 0.9 * kWeakCodeFactor);
  EXPECT_EQ(code_match(0.9, CodeHold::kNone), 0);
  EXPECT_GT(code_match(1, CodeHold::kMention), code_match(1, CodeHold::kWeak));
  EXPECT_GT(code_match(1, CodeHold::kAbout), code_match(1, CodeHold::kDeclared));
  EXPECT_GT(code_match(1, CodeHold::kDeclared), code_match(1, CodeHold::kMention));
}

// The text part mixes coverage and the relative BM25 weight alike, the latter capped at 1.
TEST(TextMatch, CoverageAndTheRelativeWeightCountAlikeTheLatterCapped) {
  EXPECT_DOUBLE_EQ(text_match(1, 1), kCoverageWeight + kRelativeWeight);
  EXPECT_DOUBLE_EQ(text_match(0, 5), kRelativeWeight);
  EXPECT_DOUBLE_EQ(text_match(1, 0), text_match(0, 1));
  EXPECT_DOUBLE_EQ(answer_strength(0.4, 1), 1);
  EXPECT_DOUBLE_EQ(answer_strength(0.8, 0), 0.8);
}

TEST(MergeCauses, SameCauseFromTwoSourcesIsOneCauseWithBothEvidences) {
  std::vector<ScoredPassage> ps = {
      passage("a#1", "a", "The webhook signing secret was rotated and the receiver still uses the old secret",
              3.5, {"shopflow:sf-3104"}),
      passage("t-1#1", "t-1", "Signing secret rotated; receiver kept the old secret value", 2.0,
              {"shopflow:sf-3104"}),
      passage("b#1", "b", "Clock skew on the receiving server rejects the timestamp", 1.8,
              {"shopflow:sf-3104"}),
  };
  auto causes = merge_causes(ps, 5, 1.0);
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0].id, "a#1");
  EXPECT_EQ(causes[0].evidence.size(), 2u);
  EXPECT_EQ(causes[0].resolutions.size(), 2u);
  double sum = 0;
  for (auto& c : causes) sum += c.confidence;
  EXPECT_LE(sum, 1.0 + 1e-9);
  EXPECT_GT(causes[0].confidence, causes[1].confidence);
}

// Sources that share a code confirm each other's cause; sources without a code that say the same in
// words are grouped, but their likeness adds nothing to the score the words already gave them.
TEST(MergeCauses, OnlySourcesSharingACodeConfirmACause) {
  std::vector<ScoredPassage> with_code = {
      passage("a#1", "a", "signing secret rotated receiver old secret", 3.0, {"shopflow:sf-3104"}),
      passage("t-1#1", "t-1", "signing secret rotated receiver old secret value", 2.0, {"shopflow:sf-3104"})};
  auto confirmed = merge_causes(with_code, 5, 1.0);
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_GT(confirmed[0].score, 3.0);

  std::vector<ScoredPassage> without_code = {
      passage("private", "private", "private members accessible member functions friends class", 3.0),
      passage("access", "access", "private members accessible member functions class access", 2.9)};
  auto grouped = merge_causes(without_code, 5, 1.0);
  ASSERT_EQ(grouped.size(), 1u);
  EXPECT_EQ(grouped[0].evidence.size(), 2u);
  EXPECT_DOUBLE_EQ(grouped[0].score, 3.0);

  // A source without the cause's code, grouped by its words alone, confirms nothing either.
  std::vector<ScoredPassage> one_with_code = {
      passage("a#1", "a", "signing secret rotated receiver old secret", 3.0, {"shopflow:sf-3104"}),
      passage("t-2#1", "t-2", "signing secret rotated receiver old secret value", 2.0)};
  auto by_words = merge_causes(one_with_code, 5, 1.0);
  ASSERT_EQ(by_words.size(), 1u);
  EXPECT_EQ(by_words[0].evidence.size(), 2u);
  EXPECT_DOUBLE_EQ(by_words[0].score, 3.0);
}

TEST(MergeCauses, DistinctCausesOfOneArticleStayDistinct) {
  std::vector<ScoredPassage> ps = {passage("a#1", "a", "secret rotated old secret", 2.0),
                                   passage("a#2", "a", "secret rotated old secret again", 1.9)};
  EXPECT_EQ(merge_causes(ps, 5, 1.0).size(), 2u);
}

TEST(MergeCauses, WeakAnswerStrengthGivesLowConfidence) {
  std::vector<ScoredPassage> ps = {passage("a#1", "a", "anything", 1.0)};
  auto causes = merge_causes(ps, 5, 0.1);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_LE(causes[0].confidence, 0.1 + 1e-9);
}

TEST(NextQuestions, WithoutACodeFirstAskForIt) {
  std::vector<ScoredPassage> ps = {passage("a#1", "a", "alpha cause words", 2.0),
                                   passage("b#1", "b", "beta other text", 1.9)};
  auto causes = merge_causes(ps, 5, 1.0);
  auto ask = next_questions(causes, false, "en");
  ASSERT_FALSE(ask.empty());
  EXPECT_NE(ask[0].question.find("exact error code"), std::string::npos);
  EXPECT_LE(ask.size(), 3u);
  auto ro = next_questions(causes, false, "ro");
  EXPECT_NE(ro[0].question.find("codul exact"), std::string::npos);
  auto with_code = next_questions(causes, true, "en");
  ASSERT_FALSE(with_code.empty());
  EXPECT_GT(with_code[0].split, 0.5);  // two near-equal causes: a check splits them well
}

// A catalogue's meaning of a code gives way to a cause of the same code that scores as well but for
// holding the code by a mention; a weaker one, or one of another code, stays after it.
TEST(MergeCauses, ACauseOfTheCodeComesBeforeItsCatalogueMeaning) {
  ScoredPassage meaning = passage("errno:13", "errno:13", "", 3.8, {"errno:13"});
  meaning.passage.kind = SourceKind::kCatalogue;
  meaning.passage.body = "Permission denied";
  ScoredPassage thread =
      passage("se:220#1", "se:220", "the cron job runs as another user", 3.6, {"errno:13"});
  ScoredPassage other = passage("t-1#1", "t-1", "a different problem", 3.7, {"errno:2"});
  auto causes = merge_causes({meaning, other, thread}, 5, 1.0);
  ASSERT_EQ(causes.size(), 3u);
  EXPECT_EQ(causes[0].id, "se:220#1");
  EXPECT_DOUBLE_EQ(causes[0].score, 3.8);
  EXPECT_TRUE(std::any_of(causes[0].why.begin(), causes[0].why.end(),
                          [](const WhyPart& w) { return w.factor == "before_meaning"; }));
  EXPECT_EQ(causes[1].id, "errno:13");
  EXPECT_EQ(causes[2].id, "t-1#1");

  thread.score = 3.3;  // further behind than a mention's share of the code part
  EXPECT_EQ(merge_causes({meaning, other, thread}, 5, 1.0)[0].id, "errno:13");
}

// The meaning answers when the query's code certainly is that catalogue's, with a note that the KB knows
// no cause; for a guessed reading it is no answer.
TEST(FinishDiagnosis, ACatalogueMeaningAnswersForACertainCodeOnly) {
  ScoredPassage meaning = passage("errno:13", "errno:13", "", 3.8, {"errno:13"});
  meaning.passage.kind = SourceKind::kCatalogue;
  Diagnosis certain;
  certain.language = "en";
  certain.causes = merge_causes({meaning}, 5, 1.0);
  Diagnosis guessed = certain;
  finish_diagnosis(certain, {.has_code = true, .certain_codes = {"errno:13"}, .answer_threshold = 0});
  EXPECT_TRUE(certain.answered);
  EXPECT_EQ(certain.answer_note, phrase(Phrase::kMeaningOnly, "en"));
  EXPECT_TRUE(certain.no_answer_reason.empty());
  finish_diagnosis(guessed, {.has_code = true, .certain_codes = {"win32:13"}, .answer_threshold = 0});
  EXPECT_FALSE(guessed.answered);
  EXPECT_EQ(guessed.no_answer_reason, phrase(Phrase::kNoAnswerGuessedMeaning, "en"));
  EXPECT_TRUE(guessed.answer_note.empty());
}

// A guessed reading is confirmed when the query's words hold the meaning's text ("error 87 windows
// parameter is incorrect"), and a meaning found by words alone, for a query without a code, guesses
// no family: both answer on their confidence.
TEST(FinishDiagnosis, WordsThatNameTheMeaningConfirmAGuessedReading) {
  ScoredPassage meaning = passage("win32:87", "win32:87", "", 3.8, {"win32:87"});
  meaning.passage.kind = SourceKind::kCatalogue;
  const auto diagnosis = [&](double coverage) {
    meaning.parts.coverage = coverage;
    Diagnosis d;
    d.language = "en";
    d.causes = merge_causes({meaning}, 5, 1.0);
    return d;
  };
  const AnswerOptions guessed_code{.has_code = true, .certain_codes = {}, .answer_threshold = 0};
  Diagnosis confirmed = diagnosis(kConfirmingCoverage);
  finish_diagnosis(confirmed, guessed_code);
  EXPECT_TRUE(confirmed.answered) << confirmed.no_answer_reason;
  EXPECT_EQ(confirmed.answer_note, phrase(Phrase::kMeaningOnly, "en"));

  Diagnosis unconfirmed = diagnosis(kConfirmingCoverage - 0.01);
  finish_diagnosis(unconfirmed, guessed_code);
  EXPECT_EQ(unconfirmed.no_answer_reason, phrase(Phrase::kNoAnswerGuessedMeaning, "en"));

  Diagnosis by_words = diagnosis(kConfirmingCoverage - 0.01);
  finish_diagnosis(by_words, {.has_code = false, .answer_threshold = 0});
  EXPECT_TRUE(by_words.answered) << by_words.no_answer_reason;
}

// An unanswered question's reason names the words the KB has never seen: the agent can look elsewhere.
TEST(FinishDiagnosis, NoAnswerNamesTheWordsTheKbLacks) {
  Diagnosis d;
  d.language = "en";
  d.causes = merge_causes({passage("a#1", "a", "the cause", 1.0)}, 5, 1.0);
  d.unknown_words = {"etsy", "klarna"};
  finish_diagnosis(d, {.answer_threshold = 1.01});
  EXPECT_FALSE(d.answered);
  EXPECT_NE(d.no_answer_reason.find(phrase(Phrase::kUnknownWords, "en", {{"words", "etsy, klarna"}})),
            std::string::npos)
      << d.no_answer_reason;
}

TEST(MergeCauses, ACatalogueEntryWithoutCausesIsTheCodesMeaningAndAsksForSymptoms) {
  ScoredPassage entry = passage("ebay:70", "ebay:70", "", 3.2, {"ebay:70"});
  entry.passage.kind = SourceKind::kCatalogue;
  entry.passage.title = "70: Title too long";
  entry.passage.body = "The listing title exceeds the maximum length allowed on this site.";
  entry.passage.checks.clear();
  auto causes = merge_causes({entry}, 5, 1.0);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_TRUE(causes[0].catalogue_only);
  EXPECT_EQ(causes[0].title, "70: Title too long");
  EXPECT_EQ(causes[0].cause, entry.passage.body);  // the entry's own meaning is what the agent reads
  auto ask = next_questions(causes, true, "it");
  ASSERT_FALSE(ask.empty());
  EXPECT_NE(ask[0].question.find("stava facendo"), std::string::npos);

  // A catalogue that lists causes, or an article beside the entry, is a known cause.
  ScoredPassage listed = entry;
  listed.passage.cause = "The title has more than 80 characters";
  EXPECT_FALSE(merge_causes({listed}, 5, 1.0)[0].catalogue_only);
  ScoredPassage article = passage("a#1", "a", entry.passage.body, 3.0, {"ebay:70"});
  article.passage.resolutions = entry.passage.resolutions;
  auto merged = merge_causes({entry, article}, 5, 1.0);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_FALSE(merged[0].catalogue_only);
  EXPECT_TRUE(next_questions(merged, true, "en").empty() ||
              next_questions(merged, true, "en")[0].question.find("what they were doing") ==
                  std::string::npos);
}

TEST(FocusPrior, PagesAboutAnErrorOverGeneralPagesAndListings) {
  Passage about;
  about.kind = SourceKind::kArticle;
  EXPECT_EQ(focus_prior(about, 1, 3), 1.0);            // names its code in the title
  EXPECT_EQ(focus_prior(about, 0, 0), kGeneralFocus);  // reference or how-to page
  Passage support = about;
  support.cause = "The token expired.";
  EXPECT_EQ(focus_prior(support, 0, 0), 1.0);  // a support article with a cause section
  Passage lead_only = about;
  lead_only.symptoms = "Explains the function.";  // a page's lead stands for symptoms: not enough
  EXPECT_EQ(focus_prior(lead_only, 0, 0), kGeneralFocus);
  EXPECT_EQ(focus_prior(about, 2, kListingCodes), kListingFocus);  // a range page listing many codes
  Passage entry;
  entry.kind = SourceKind::kCatalogue;
  EXPECT_EQ(focus_prior(entry, 0, 1), 1.0);
  ScoreParts general, focused;
  general.focus = kGeneralFocus;
  focused.focus = 1;
  EXPECT_GT(combine(focused), combine(general));
  EXPECT_EQ(explain(general).back().factor, "focus");
  ScoreParts titled = general;
  titled.title = 1;
  EXPECT_GT(combine(titled), combine(focused));  // a general page titled with the query beats focus alone
  EXPECT_EQ(explain(titled).front().factor, "title");
}

TEST(Priors, VotesFreshnessFeedback) {
  EXPECT_EQ(votes_prior(0), 0);
  EXPECT_GT(votes_prior(10), votes_prior(2));
  EXPECT_EQ(freshness_prior("20260101", "20260601"), 1);
  EXPECT_LT(freshness_prior("20200101", "20260601"), 0.1);
  EXPECT_GT(freshness_prior("20230601", "20260601"), 0.4);  // three years: half way down
  EXPECT_LT(freshness_prior("20230601", "20260601"), 0.6);
  EXPECT_EQ(freshness_prior("2026-1-1", "20260601"), 0);  // not a date key: no prior
  EXPECT_EQ(freshness_prior("2026\xc3\xa9"
                            "10",
                            "20260601"),
            0);  // eight bytes, not all digits
  EXPECT_EQ(freshness_prior("", "20260601"), 0);
  EXPECT_GT(feedback_prior({3, 0, 0}), 0.9);
  EXPECT_LT(feedback_prior({0, 0, 2}), -0.9);
}

// The query's language lifts another language's article that matches the code as well; when the
// best cause matches words only, it just breaks near ties and never lifts an unrelated page.
TEST(PreferLanguage, LiftsWithinTheCodeMarginAndOnlyNearTiesForWords) {
  auto cause = [](const std::string& id, const std::string& language, double score, bool code) {
    Cause c;
    c.id = id;
    c.language = language;
    c.score = score;
    c.evidence.push_back({});
    c.evidence.back().kind = "article";
    if (code) c.why.push_back({"exact_code", 3.0, "matches code ebay:17470"});
    return c;
  };
  std::vector<Cause> by_code = {cause("ru-article", "ru", 3.45, true), cause("en-article", "en", 3.30, true)};
  EXPECT_TRUE(prefer_language(by_code, "en"));
  EXPECT_EQ(by_code.front().id, "en-article");

  std::vector<Cause> by_words = {cause("right-page", "en", 1.49, false),
                                 cause("it-unrelated", "it", 1.30, false)};
  EXPECT_TRUE(prefer_language(by_words, "it"));
  EXPECT_EQ(by_words.front().id, "right-page");

  std::vector<Cause> near_tie = {cause("en-page", "en", 1.49, false), cause("it-page", "it", 1.46, false)};
  prefer_language(near_tie, "it");
  EXPECT_EQ(near_tie.front().id, "it-page");

  // A page in the language that shares only the code, not the words the best cause matched, stays below.
  std::vector<Cause> code_only = {cause("ro-bounce", "ro", 3.17, true), cause("en-dmarc", "en", 2.96, true)};
  code_only[0].why.push_back({"symptoms", 0.20, "words matched: bounc, account, not, exist"});
  code_only[1].why.push_back({"symptoms", 0.10, "words matched: bounc, not"});
  EXPECT_TRUE(prefer_language(code_only, "en"));
  EXPECT_EQ(code_only.front().id, "ro-bounce");
}

}  // namespace errkb::rank
