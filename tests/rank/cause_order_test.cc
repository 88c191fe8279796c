// The order of one article's causes: the query's words in each cause's own text choose, a cause that
// names what it is comes before a generic "Cause" section, the article's order breaks the remaining ties.
#include <gtest/gtest.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "rank/ranking.h"
#include "store/cause_level.h"

namespace errkb::rank {
namespace {

// One cause section of the article "kb-42", all sharing its title and symptoms (and so its score).
ScoredPassage section(int n, const std::string& heading, const std::string& cause,
                      const std::string& resolution, double score = 2.0) {
  ScoredPassage sp;
  sp.passage.id = "kb-42#" + std::to_string(n);
  sp.passage.doc_id = "kb-42";
  sp.passage.kind = SourceKind::kArticle;
  sp.passage.title = "Webhook deliveries fail with SF-3104";
  sp.passage.symptoms = "Deliveries are rejected with a signature mismatch.";
  sp.passage.heading = heading;
  sp.passage.cause = cause;
  sp.passage.resolutions = {resolution};
  sp.score = score;
  return sp;
}

std::vector<std::string> ids_of(const std::vector<Cause>& causes) {
  std::vector<std::string> out;
  for (const auto& c : causes) out.push_back(c.id);
  return out;
}

// The article's sections as the engine describes them for a query of `words` (English stems).
std::vector<Cause> ranked_for(std::vector<ScoredPassage> sections, const std::vector<std::string>& words) {
  const Xapian::Stem stem("english");
  std::vector<std::string> terms;
  std::unordered_map<std::string, double> idf;
  for (const auto& w : words) {
    terms.push_back("Z" + stem(w));
    idf[terms.back()] = 1.0;
  }
  store::describe_causes(sections, terms, idf, stem);
  return merge_causes(sections, 10, 1.0);
}

// Near-equal scores, the later sections a hair higher (longer sections match a little more): the
// article's order must win over such noise.
std::vector<ScoredPassage> three_causes() {
  return {section(1, "Cause 1: The body was re-serialised",
                  "The receiver parses the JSON and serialises it again.",
                  "Verify the signature over the raw request body.", 2.0),
          section(2, "Cause 2: The secret was rotated", "The webhook secret was rotated in ShopFlow only.",
                  "Copy the new secret to every receiver.", 2.01),
          section(3, "Cause 3: A proxy changes the body", "A proxy recompresses the body before it arrives.",
                  "Turn off body rewriting on the proxy.", 2.02)};
}

TEST(CauseOrder, TiesKeepTheArticlesOrder) {
  const auto causes = ranked_for(three_causes(), {});
  EXPECT_EQ(ids_of(causes), (std::vector<std::string>{"kb-42#1", "kb-42#2", "kb-42#3"}));
  // Titles without their labels, the numbers in their own field.
  ASSERT_EQ(causes.size(), 3u);
  EXPECT_EQ(causes[1].title, "The secret was rotated");
  EXPECT_EQ(causes[1].number, 2);
  EXPECT_GT(causes[0].score, causes[1].score);
  EXPECT_GT(causes[1].score, causes[2].score);
}

TEST(CauseOrder, TheQuerysWordsInACausesOwnTextChooseIt) {
  auto causes = ranked_for(three_causes(), {"secret", "rotated"});
  ASSERT_EQ(causes.size(), 3u);
  EXPECT_EQ(causes[0].id, "kb-42#2");
  EXPECT_EQ(causes[0].number, 2);
  // The others keep the article's order behind it, and the first says why it moved.
  EXPECT_EQ(causes[1].id, "kb-42#1");
  EXPECT_EQ(causes[2].id, "kb-42#3");
  bool explained = false;
  for (const auto& w : causes[0].why) explained = explained || w.factor == "cause_order";
  EXPECT_TRUE(explained);

  causes = ranked_for(three_causes(), {"proxy"});
  EXPECT_EQ(causes[0].id, "kb-42#3");
}

TEST(CauseOrder, ASpecificCauseBeforeTheGenericCauseSection) {
  std::vector<ScoredPassage> sections = {
      section(1, "Cause",
              "Several things can make the signature differ; the sections below name them.\n"
              "Each is checked on its own.",
              "Read the sections below."),
      section(2, "Cause 2: The secret was rotated", "The webhook secret was rotated in ShopFlow only.",
              "Copy the new secret to every receiver.")};
  const auto causes = ranked_for(sections, {});
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0].id, "kb-42#2");
  EXPECT_EQ(causes[1].id, "kb-42#1");
}

TEST(CauseOrder, TheArticleKeepsItsPlaceAmongOtherSources) {
  // A better article stays first whatever the order inside the lesser one.
  std::vector<ScoredPassage> sections = three_causes();
  ScoredPassage other =
      section(1, "Cause 1: Clock skew", "The receiver's clock is off.", "Sync the clock.", 3.0);
  other.passage.id = "kb-7#1";
  other.passage.doc_id = "kb-7";
  other.passage.title = "Timestamps rejected";
  sections.push_back(other);
  const auto causes = ranked_for(sections, {"proxy"});
  ASSERT_EQ(causes.size(), 4u);
  EXPECT_EQ(causes[0].id, "kb-7#1");
  EXPECT_EQ(causes[1].id, "kb-42#3");
}

}  // namespace
}  // namespace errkb::rank
