#include <gtest/gtest.h>

#include "rank/ranking.h"

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
  perfect_text.text = 1;
  perfect_text.authority = 1;
  perfect_text.votes = 1;
  perfect_text.freshness = 1;
  perfect_text.language = 1;
  EXPECT_GT(combine(code_only), combine(perfect_text));
  auto why = explain(code_only);
  ASSERT_FALSE(why.empty());
  EXPECT_EQ(why.front().factor, "exact_code");
}

TEST(MergeCauses, SameCauseFromTwoSourcesIsOneCauseWithBothEvidences) {
  std::vector<ScoredPassage> ps = {
      passage("a#1", "a", "The webhook signing secret was rotated and the receiver still uses the old secret", 3.5,
              {"shopflow:sf-3104"}),
      passage("t-1#1", "t-1", "Signing secret rotated; receiver kept the old secret value", 2.0, {"shopflow:sf-3104"}),
      passage("b#1", "b", "Clock skew on the receiving server rejects the timestamp", 1.8, {"shopflow:sf-3104"}),
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
  std::vector<ScoredPassage> ps = {passage("a#1", "a", "alpha cause words", 2.0), passage("b#1", "b", "beta other text", 1.9)};
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

TEST(Priors, VotesFreshnessFeedback) {
  EXPECT_EQ(votes_prior(0), 0);
  EXPECT_GT(votes_prior(10), votes_prior(2));
  EXPECT_EQ(freshness_prior("20260101", "20260601"), 1);
  EXPECT_LT(freshness_prior("20200101", "20260601"), 0.1);
  EXPECT_GT(freshness_prior("20230601", "20260601"), 0.4);  // three years: half way down
  EXPECT_LT(freshness_prior("20230601", "20260601"), 0.6);
  EXPECT_EQ(freshness_prior("2026-1-1", "20260601"), 0);     // not a date key: no prior
  EXPECT_EQ(freshness_prior("2026\xc3\xa9" "10", "20260601"), 0);  // eight bytes, not all digits
  EXPECT_EQ(freshness_prior("", "20260601"), 0);
  EXPECT_GT(feedback_prior({3, 0, 0}), 0.9);
  EXPECT_LT(feedback_prior({0, 0, 2}), -0.9);
}

}  // namespace errkb::rank
