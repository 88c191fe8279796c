// Hostile inputs to single readers: each is read in bounded time and stack, and what is wrong is an
// error at its line, never a crash, an exception or undefined behaviour.
#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <string>

#include "errkb/ingest.h"
#include "fixtures.h"
#include "test_util.h"

namespace errkb {
namespace {

using testing::errors_of;
using testing::repeat;

// Linear-time cases are given sizes a quadratic reader needs minutes for; this bound is far above
// what a linear one takes, even under sanitizers.
constexpr auto kLinearBound = std::chrono::seconds(20);

template <typename Fn>
auto timed(Fn fn) {
  const auto start = std::chrono::steady_clock::now();
  auto result = fn();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kLinearBound);
  return result;
}

TEST(HostileReaders, ForumVotesBeyondIntAreClampedNotUndefined) {
  const std::string text =
      "{\"id\":\"t1\",\"title\":\"Printer offline\",\"posts\":[{\"body\":\"The printer shows offline.\","
      "\"is_question\":true},{\"body\":\"Restart the spooler "
      "service.\",\"votes\":1e308,\"accepted\":true}]}\n"
      "{\"id\":\"t2\",\"title\":\"Scanner offline\",\"posts\":[{\"body\":\"The scanner shows offline.\","
      "\"is_question\":true},{\"body\":\"Reinstall the "
      "driver.\",\"votes\":-2147483649,\"accepted\":true}]}\n";
  FileReadResult r = read_forum_jsonl("forums/votes.jsonl", text);
  ASSERT_EQ(r.items.size(), 2u) << errors_of(r);
  EXPECT_EQ(r.items[0].passages.at(0).votes, INT_MAX);
  EXPECT_EQ(r.items[1].passages.at(0).votes, INT_MIN);
}

// Reads `first_line` followed by a good thread: the first line alone is rejected, with one error on
// line 1 whose message contains `fragment`, and the good thread is still read.
FileReadResult expect_first_line_rejected_alone(const std::string& first_line, std::string_view fragment) {
  const std::string text =
      first_line + "\n{\"id\":\"t2\",\"title\":\"Kept\",\"posts\":[{\"body\":\"Still read.\"}]}\n";
  FileReadResult r = read_forum_jsonl("forums/hostile.jsonl", text);
  EXPECT_EQ(r.items.size(), 1u) << errors_of(r);
  EXPECT_FALSE(r.complete);
  if (r.errors.size() != 1u) {
    ADD_FAILURE() << "expected one error, got:\n" << errors_of(r);
    return r;
  }
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_NE(r.errors[0].message.find(fragment), std::string::npos) << r.errors[0].message;
  return r;
}

TEST(HostileReaders, ForumLineNestedDeepIsRejectedAlone) {
  expect_first_line_rejected_alone("{\"id\":\"t1\",\"posts\":" + repeat("[", 200000), "nested deeper than");
}

TEST(HostileReaders, ForumNumberBeyondDoubleIsRejectedAlone) {
  const FileReadResult r = expect_first_line_rejected_alone(
      "{\"id\":\"t1\",\"posts\":[{\"body\":\"x\",\"votes\":1e400}]}", "number 1e400");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message.rfind("number 1e400", 0), 0u) << r.errors[0].message;
}

TEST(HostileReaders, ForumIdOverTheTermLimitIsRejectedAlone) {
  expect_first_line_rejected_alone("{\"id\":\"" + repeat("t", 300) + "\",\"posts\":[{\"body\":\"x\"}]}",
                                   "bytes long (at most");
}

TEST(HostileReaders, CsvQuoteOpenedInTheMiddleLosesOnlyItsRow) {
  const std::string text =
      "code,message\nA-1,\"broken\nA-2,fine\nA-3,has \"quoted\" word\nA-4,last\nA-5,\"never "
      "closed\nA-6,after\n";
  FileReadResult r = read_catalogue_csv("catalogues/acme.csv", text);
  std::vector<std::string> codes;
  for (const Item& item : r.items) codes.push_back(item.passages.at(0).codes.at(0));
  EXPECT_EQ(codes, (std::vector<std::string>{"A-2", "A-3", "A-4", "A-6"})) << errors_of(r);
  ASSERT_EQ(r.errors.size(), 2u) << errors_of(r);
  EXPECT_EQ(r.errors[0].to_string(),
            "catalogues/acme.csv:2: quoted field opened here closes on line 4 followed by more text: a quote "
            "is missing");
  EXPECT_EQ(r.errors[1].to_string(), "catalogues/acme.csv:6: quoted field opened here is never closed");
  EXPECT_FALSE(r.complete);
}

TEST(HostileReaders, CsvWithAQuoteOnEveryLineIsReadInLinearTime) {
  const std::string text = "code,message\n" + repeat("X,\"a\n", 200000);
  FileReadResult r = timed([&] { return read_catalogue_csv("catalogues/acme.csv", text); });
  EXPECT_FALSE(r.complete);
}

TEST(HostileReaders, SynonymLinesOverTheBoundsAreRejectedAloneInLinearTime) {
  std::string group = "first";
  for (int i = 0; i < 100; ++i) group += ", w" + std::to_string(i);
  const std::string text =
      "a, b\n" + repeat("x, ", 400000) + "\n" + group + "\n" + repeat("y", 300) + ": z\nc: d\n";
  SynonymsResult r = timed([&] { return read_synonyms("synonyms.txt", text); });
  ASSERT_EQ(r.groups.size(), 2u);
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].to_string(), "synonyms.txt:2: the line is 1200000 bytes long (at most 4096)");
  EXPECT_EQ(r.errors[1].to_string(), "synonyms.txt:3: a group of 101 words (at most 32)");
  EXPECT_NE(r.errors[2].to_string().find("synonyms.txt:4: the word \"yyy"), std::string::npos);
  EXPECT_TRUE(r.complete);
}

// Posts.xml is streamed from a file.
FileReadResult read_posts_xml(const std::string& content) {
  testing::TempDir dir("errkb-posts");
  testing::write_file(dir / "Posts.xml", content);
  return read_stackexchange_posts(dir / "Posts.xml", "forums/Posts.xml");
}

std::string posts_row(const std::string& id, const std::string& body) {
  return "<row Id=\"" + id + "\" PostTypeId=\"1\" Score=\"3\" Title=\"Spooler " + id + "\" Body=\"" + body +
         "\" />\n";
}

TEST(HostileReaders, PostsXmlWithAHugeBodyIsReadInLinearTime) {
  for (const std::string& filler :
       {repeat("word ", 1500000), repeat("line&#xA;", 800000), repeat("raw\n", 1500000)}) {
    const std::string xml = "<?xml version=\"1.0\"?>\n<posts>\n" + posts_row("1", "Restart the spooler") +
                            posts_row("2", filler) + posts_row("3", "Reinstall the driver") + "</posts>\n";
    FileReadResult r = timed([&] { return read_posts_xml(xml); });
    EXPECT_GE(r.items.size(), 1u) << errors_of(r);
  }
}

TEST(HostileReaders, PostsXmlEntityExpansionIsRejectedFast) {
  std::string laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE posts [\n<!ENTITY l0 \"lol\">\n";
  for (int i = 1; i < 10; ++i)
    laughs +=
        "<!ENTITY l" + std::to_string(i) + " \"" + repeat("&l" + std::to_string(i - 1) + ";", 10) + "\">\n";
  laughs += "]>\n<posts>\n" + posts_row("1", "&l9;") + "</posts>\n";
  const std::string quadratic = "<?xml version=\"1.0\"?>\n<!DOCTYPE posts [<!ENTITY a \"" +
                                repeat("a", 50000) + "\">]>\n<posts>\n" +
                                posts_row("1", repeat("&a;", 50000)) + "</posts>\n";
  for (const std::string& xml : {laughs, quadratic}) {
    FileReadResult r = timed([&] { return read_posts_xml(xml); });
    EXPECT_FALSE(r.errors.empty());
    EXPECT_FALSE(r.complete);
  }
}

TEST(HostileReaders, PostsXmlElementWithTooManyAttributesIsRejectedFast) {
  std::string row = "<row Id=\"2\" PostTypeId=\"1\" Body=\"x\"";
  for (int i = 0; i < 100000; ++i) row += "\n a" + std::to_string(i) + "=\"x\"";
  const std::string xml =
      "<?xml version=\"1.0\"?>\n<posts>\n" + posts_row("1", "Restart the spooler") + row + "/>\n</posts>\n";
  FileReadResult r = timed([&] { return read_posts_xml(xml); });
  EXPECT_EQ(r.items.size(), 1u);  // the row before
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "forums/Posts.xml:10002: an element with more than 10000 attributes");
}

TEST(HostileReaders, EbayXmlShapesAreReadInLinearTimeOrRejectedFast) {
  const std::string error = "<Errors><ErrorCode>1</ErrorCode><ShortMessage>Bad</ShortMessage></Errors>";
  std::string many = "<R>";
  for (int i = 0; i < 50000; ++i)
    many += "<Errors><ErrorCode>" + std::to_string(i) + "</ErrorCode><LongMessage>Message " +
            std::to_string(i) + "</LongMessage></Errors>";
  many += "</R>";
  FileReadResult r = timed([&] { return read_catalogue_xml("catalogues/ebay.xml", many); });
  EXPECT_EQ(r.items.size(), 50000u) << errors_of(r);

  const std::string entities = "<?xml version=\"1.0\"?><!DOCTYPE R [<!ENTITY a \"" + repeat("a", 50000) +
                               "\">]>\n<R>" + "<Errors><ErrorCode>1</ErrorCode><LongMessage>" +
                               repeat("&a;", 50000) + "</LongMessage></Errors></R>";
  r = timed([&] { return read_catalogue_xml("catalogues/ebay.xml", entities); });
  ASSERT_NO_FATAL_FAILURE(testing::expect_file_refused(r, 2, "entity declarations are not accepted"));

  std::string attributes = "<R>\n<Errors";
  for (int i = 0; i < 100000; ++i) attributes += " a" + std::to_string(i) + "='x'";
  attributes += ">" + error.substr(8) + "</R>";
  r = timed([&] { return read_catalogue_xml("catalogues/ebay.xml", attributes); });
  ASSERT_NO_FATAL_FAILURE(testing::expect_file_refused(r, 2, "more than 10000 attributes"));

  const std::string deep = "<R>" + repeat("<a>", 100000) + error + "</R>";
  r = timed([&] { return read_catalogue_xml("catalogues/ebay.xml", deep); });
  EXPECT_FALSE(r.errors.empty());
}

TEST(HostileReaders, FrontMatterQuoteNotClosedOnItsLineIsAnErrorThere) {
  const std::string text =
      "---\nid: quotes\ntitle: \"broken\nlanguage: en\ncodes: [E1]\n---\n# Title\n\nBody.\n";
  FileReadResult r = read_markdown_article("articles/q.md", text);
  ASSERT_NO_FATAL_FAILURE(testing::expect_file_refused(r, 3, "a quoted value is not closed on its line"));
  // Closed quotes, escapes and doubled single quotes are fine.
  const std::string good =
      "---\nid: quotes\ntitle: \"a \\\"b\\\" c\"\nproduct: 'it''s'\nurl: https://x.example/a:b\n---\n# "
      "T\n\nBody.\n";
  r = read_markdown_article("articles/q.md", good);
  ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.items[0].passages.at(0).product, "it's");
}

TEST(HostileReaders, MarkdownNestedDeepIsReadAsFlatText) {
  for (const std::string& nesting : {repeat("> ", 30000), repeat("- ", 30000), repeat("1. ", 20000)}) {
    const std::string text = "# Deep quote\n\n## Cause\n\n" + nesting + "The spooler service is stopped.\n";
    FileReadResult r = timed([&] { return read_markdown_article("articles/deep.md", text); });
    ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
    std::string all;
    for (const Passage& p : r.items[0].passages) all += p.cause + p.body;
    EXPECT_NE(all.find("spooler service is stopped"), std::string::npos) << nesting.substr(0, 6);
  }
}

TEST(HostileReaders, MarkdownInlineNestedDeepIsRead) {
  const std::string text =
      "# Deep emphasis\n\n" + repeat("*a _b [", 20000) + "spooler" + repeat("](u) b_ a*", 20000) + "\n";
  FileReadResult r = timed([&] { return read_markdown_article("articles/inline.md", text); });
  ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
}

TEST(HostileReaders, HtmlNestedDeepIsRejectedWithItsLine) {
  const std::string text = "<html><body>\n<h1>Deep</h1>\n" + repeat("<div>", 100000) + "text";
  FileReadResult r = timed([&] { return read_html_article("articles/deep.html", text); });
  ASSERT_NO_FATAL_FAILURE(testing::expect_file_refused(r, 3, "nested deeper than 256 levels"));
}

TEST(HostileReaders, HtmlWithManyUnclosedTagsIsReadInLittleTimeAndMemory) {
  for (const char* tag : {"<b>", "<ul>", "<table>", "<p><i>", "<li><span>"}) {
    const std::string text = "<h1>Unclosed</h1><p>Printer offline.</p>" + repeat(tag, 30000);
    FileReadResult r = timed([&] { return read_html_article("articles/unclosed.html", text); });
    EXPECT_TRUE(r.items.size() == 1u || !r.errors.empty()) << tag;
  }
}

TEST(HostileReaders, ForumPostBodyNestedDeepIsReadWithoutItsTags) {
  const std::string text = "{\"id\":\"t1\",\"title\":\"Deep\",\"posts\":[{\"body\":\"" +
                           repeat("<div>", 100000) + "Restart the spooler\",\"is_question\":true}]}\n";
  FileReadResult r = timed([&] { return read_forum_jsonl("forums/deep.jsonl", text); });
  ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
  EXPECT_NE(r.items[0].passages.at(0).body.find("Restart the spooler"), std::string::npos);
}

}  // namespace
}  // namespace errkb
