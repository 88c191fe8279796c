// Forum readers: JSON Lines threads and Stack Exchange Posts.xml.
#include <gtest/gtest.h>

#include "errkb/ingest.h"
#include "errkb/text.h"
#include "fixtures.h"

namespace errkb {
namespace {

using testing::errors_of;
using testing::fixture_root;
using testing::read_fixture;

const Item* find_item(const FileReadResult& r, const std::string& uid) {
  for (const auto& item : r.items) {
    if (item.uid == uid) return &item;
  }
  return nullptr;
}

class ForumJsonl : public ::testing::Test {
 protected:
  void SetUp() override {
    result_ = read_forum_jsonl("forums/shop-community.jsonl", read_fixture("kb/forums/shop-community.jsonl"));
  }
  FileReadResult result_;
};

TEST_F(ForumJsonl, GoodLinesAreReadAndBadLinesReportedByNumber) {
  EXPECT_FALSE(result_.complete);
  ASSERT_EQ(result_.errors.size(), 3u) << errors_of(result_);
  EXPECT_EQ(result_.errors[0].line, 4);
  EXPECT_NE(result_.errors[0].message.find("broken JSON"), std::string::npos);
  EXPECT_EQ(result_.errors[1].to_string(), "forums/shop-community.jsonl:5: missing \"id\"");
  EXPECT_EQ(result_.errors[2].to_string(),
            "forums/shop-community.jsonl:6: posts[1]: \"votes\" must be a number, not string");
  ASSERT_EQ(result_.items.size(), 4u);
  EXPECT_NE(find_item(result_, "forum:t-1007"), nullptr);  // after the broken lines
}

TEST_F(ForumJsonl, AcceptedAndWellVotedAnswersArePassages) {
  const Item* item = find_item(result_, "forum:t-1001");
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->container, "forums/shop-community.jsonl");
  ASSERT_EQ(item->passages.size(), 2u);  // accepted (5 votes) and 2 votes; the 0-vote reply is not
  const Passage& accepted = item->passages[0];
  EXPECT_EQ(accepted.id, "t-1001#1");
  EXPECT_EQ(accepted.doc_id, "t-1001");
  EXPECT_EQ(accepted.kind, SourceKind::kForum);
  EXPECT_TRUE(accepted.accepted);
  EXPECT_EQ(accepted.votes, 5);
  EXPECT_EQ(accepted.author, "support-bot");
  EXPECT_EQ(accepted.created, "2026-01-10T10:00:00Z");
  // HTML bodies are stripped to text; the question is the symptoms.
  EXPECT_EQ(accepted.symptoms, "Customers get 10486 at the end of PayPal checkout.");
  EXPECT_EQ(
      accepted.cause,
      "Error 10486 means the buyer's funding source was declined.\n- Ask the buyer to choose another card.");
  EXPECT_EQ(accepted.resolutions, std::vector<std::string>{accepted.cause});
  EXPECT_EQ(accepted.title, "PayPal checkout fails with error 10486");
  EXPECT_EQ(accepted.url, "https://community.example.com/t/1001");
  EXPECT_EQ(accepted.vendor, "PayPal");
  EXPECT_EQ(accepted.product, "Checkout");
  EXPECT_EQ(accepted.language, "en");
  EXPECT_EQ(accepted.tags, (std::vector<std::string>{"paypal", "checkout"}));
  const Passage& voted = item->passages[1];
  EXPECT_EQ(voted.id, "t-1001#2");
  EXPECT_FALSE(voted.accepted);
  EXPECT_EQ(voted.votes, 2);
  EXPECT_EQ(voted.author, "ion");
}

TEST_F(ForumJsonl, UnansweredThreadKeepsTheQuestionAsBody) {
  const Item* item = find_item(result_, "forum:t-1002");
  ASSERT_NE(item, nullptr);
  ASSERT_EQ(item->passages.size(), 1u);
  EXPECT_EQ(item->passages[0].body, "Images load on desktop but not on phones.");
  EXPECT_TRUE(item->passages[0].cause.empty());
  EXPECT_TRUE(item->passages[0].resolutions.empty());
}

TEST_F(ForumJsonl, BestAnswerWithOneVoteWhenNoneQualifies) {
  const Item* item = find_item(result_, "forum:t-1003");
  ASSERT_NE(item, nullptr);
  ASSERT_EQ(item->passages.size(), 1u);
  EXPECT_EQ(item->passages[0].votes, 1);
  EXPECT_EQ(item->passages[0].author, "dev1");
}

TEST_F(ForumJsonl, LanguageFromTheRecord) {
  const Item* item = find_item(result_, "forum:t-1007");
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->passages.at(0).language, "it");
}

TEST(ForumJsonlLines, SignatureIsPerLine) {
  const std::string a = R"({"id":"x","title":"T","posts":[{"body":"q","is_question":true}]})";
  const std::string b = R"({"id":"y","title":"U","posts":[{"body":"q","is_question":true}]})";
  const std::string b2 = R"({"id":"y","title":"U2","posts":[{"body":"q","is_question":true}]})";
  const auto r1 = read_forum_jsonl("f.jsonl", a + "\n" + b + "\n");
  const auto r2 = read_forum_jsonl("f.jsonl", a + "\n" + b2 + "\n");
  ASSERT_EQ(r1.items.size(), 2u);
  ASSERT_EQ(r2.items.size(), 2u);
  EXPECT_EQ(r1.items[0].signature, r2.items[0].signature);
  EXPECT_NE(r1.items[1].signature, r2.items[1].signature);
}

// Gumbo decodes a character reference past U+10FFFF into a lone UTF-8 lead byte; the post's text is
// valid UTF-8 all the same (a fuzzer's find).
TEST(ForumJsonlLines, AnHtmlReferenceToNoCharacterLeavesValidText) {
  const std::string line =
      R"({"id":"t","title":"T","posts":[{"body":"Il costo &#555555555555555555555555555555555555; fine","is_question":true}]})";
  const auto r = read_forum_jsonl("f.jsonl", line + "\n");
  ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
  const Passage& p = r.items[0].passages[0];
  EXPECT_TRUE(is_valid_utf8(p.body)) << p.body;
  EXPECT_EQ(p.body, "Il costo \uFFFD fine");
}

TEST(ForumJsonlLines, DuplicateThreadIdAndInvalidUtf8) {
  const auto r = read_forum_jsonl("forums/bad.jsonl", read_fixture("malformed/bad-utf8.jsonl"));
  ASSERT_EQ(r.items.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_NE(r.errors[0].message.find("invalid UTF-8"), std::string::npos);

  const std::string line = R"({"id":"x","posts":[{"body":"q","is_question":true}]})";
  const auto d = read_forum_jsonl("f.jsonl", line + "\n\n" + line + "\n");
  ASSERT_EQ(d.items.size(), 1u);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0].line, 3);
  EXPECT_NE(d.errors[0].message.find("duplicate thread id"), std::string::npos);
}

TEST(StackExchangePosts, ThreadsFromRows) {
  const auto r = read_stackexchange_posts(fixture_root() / "kb/forums/se/Posts.xml", "forums/se/Posts.xml");
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.items.size(), 2u);
  const Item& q1 = r.items[0];
  EXPECT_EQ(q1.uid, "forum:se:1");
  ASSERT_EQ(q1.passages.size(), 1u);  // the accepted answer; the 0-score answer is not a passage
  const Passage& p = q1.passages[0];
  EXPECT_EQ(p.id, "se:1#1");
  EXPECT_EQ(p.doc_id, "se:1");
  EXPECT_EQ(p.title, "502 Bad Gateway after deploying a theme");
  EXPECT_EQ(p.symptoms, "Our storefront returns HTTP 502 Bad Gateway after a deploy.");
  EXPECT_EQ(p.cause, "The upstream PHP-FPM pool was restarting; raise pm.max_children.");
  EXPECT_TRUE(p.accepted);
  EXPECT_EQ(p.votes, 4);
  EXPECT_EQ(p.tags, (std::vector<std::string>{"nginx", "deploy"}));
  EXPECT_TRUE(p.url.empty());
  EXPECT_TRUE(p.vendor.empty());
  const Item& q2 = r.items[1];
  EXPECT_EQ(q2.uid, "forum:se:2");
  ASSERT_EQ(q2.passages.size(), 1u);
  EXPECT_EQ(q2.passages[0].body, "Why does the sitemap return 404?");
  EXPECT_EQ(q2.passages[0].tags, (std::vector<std::string>{"seo", "sitemap"}));  // "|a|b|" form
}

TEST(StackExchangePosts, TruncatedFileKeepsWhatWasRead) {
  const auto r = read_stackexchange_posts(fixture_root() / "malformed/se-truncated/Posts.xml",
                                          "forums/se-truncated/Posts.xml");
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].path, "forums/se-truncated/Posts.xml");
  EXPECT_EQ(r.errors[0].line, 6);
  EXPECT_NE(r.errors[0].message.find("XML"), std::string::npos);
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].uid, "forum:se:1");
  // Answer 3 was complete before the break: it is the thread's passage.
  ASSERT_EQ(r.items[0].passages.size(), 1u);
  EXPECT_TRUE(r.items[0].passages[0].accepted);
}

TEST(StackExchangePosts, MissingFileIsAnError) {
  const auto r = read_stackexchange_posts(fixture_root() / "no-such-dir/Posts.xml", "forums/x/Posts.xml");
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.items.empty());
  EXPECT_EQ(r.errors.size(), 1u);
}

}  // namespace
}  // namespace errkb
