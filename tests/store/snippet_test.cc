// Snippets: the window with the most query words, matches marked (stemmed and unstemmed), HTML
// escaped, cut at word boundaries with ellipses.
#include "store/snippet.h"

#include <gtest/gtest.h>

namespace errkb::store {
namespace {

SnippetTerms terms_for(std::initializer_list<const char*> words, const Xapian::Stem& stem) {
  std::vector<std::string> terms;
  for (const char* w : words) terms.push_back("Z" + stem(w));
  return SnippetTerms::from_query_terms(terms);
}

TEST(Snippet, MarksStemmedMatches) {
  Xapian::Stem en("english");
  std::string s =
      make_snippet("Payments are declined when the card expired.", terms_for({"payment", "decline"}, en), en);
  EXPECT_EQ(s, "<mark>Payments</mark> are <mark>declined</mark> when the card expired.");
}

TEST(Snippet, ShortStems) {
  Xapian::Stem en("english");
  EXPECT_EQ(make_snippet("Keep going.", terms_for({"go"}, en), en), "Keep <mark>going</mark>.");
}

TEST(Snippet, PicksTheWindowWithMostQueryWords) {
  Xapian::Stem en("english");
  std::string filler;
  for (int i = 0; i < 40; ++i) filler += "lorem ipsum dolor ";
  std::string text = "Refund once. " + filler + "The refund failed because the webhook timed out. " + filler;
  std::string s = make_snippet(text, terms_for({"refund", "webhook"}, en), en, 120);
  EXPECT_NE(s.find("<mark>refund</mark> failed because the <mark>webhook</mark>"), std::string::npos) << s;
  EXPECT_EQ(s.rfind("…", 0), 0u) << s;  // cut at the front
  EXPECT_EQ(s.substr(s.size() - 3), "…") << s;
  EXPECT_LE(s.size(), 120u + 2 * 3 + 2 * 13);  // text, two ellipses, two marks
}

TEST(Snippet, UnstemmedTermsCyrillicAndEscaping) {
  Xapian::Stem ru("russian");
  std::vector<std::string> terms = {"Z" + ru("заказ"), "synchronisation", "XC:http:500"};
  std::string s = make_snippet("<b>Заказы</b> & synchronisation", SnippetTerms::from_query_terms(terms), ru);
  EXPECT_EQ(s, "&lt;b&gt;<mark>Заказы</mark>&lt;/b&gt; &amp; <mark>synchronisation</mark>");
}

TEST(Snippet, MarksAnIdentifierByItsParts) {
  Xapian::Stem en("english");
  std::string filler;
  for (int i = 0; i < 40; ++i) filler += "lorem ipsum dolor ";
  const std::string text = "Secure code. " + filler + "Define _CRT_SECURE_NO_WARNINGS first. " + filler;
  // The identifier holds three of the query's words: its window beats the one with "Secure" alone.
  std::string s = make_snippet(text, terms_for({"crt", "secure", "warnings"}, en), en, 60);
  EXPECT_NE(s.find("<mark>_CRT_SECURE_NO_WARNINGS</mark> first."), std::string::npos) << s;
  EXPECT_EQ(make_snippet("Throws InvalidOperationException.", terms_for({"operation"}, en), en),
            "Throws <mark>InvalidOperationException</mark>.");
  EXPECT_EQ(make_snippet("Uses WIN32_LEAN_AND_MEAN.", terms_for({"win32_lean_and_mean"}, en), en),
            "Uses <mark>WIN32_LEAN_AND_MEAN</mark>.");
  EXPECT_EQ(make_snippet("Uses HTTPS and snake_case.", terms_for({"http", "cases"}, en), en),
            "Uses HTTPS and <mark>snake_case</mark>.");
}

TEST(Snippet, MarksTheQuerysCodesAsOneMatchEach) {
  Xapian::Stem en("english");
  const std::string text =
      "Deliveries fail with SF-3104 after the secret changed; SF-3104 means a bad signature.";
  const size_t first = text.find("SF-3104"), second = text.rfind("SF-3104");
  const std::vector<std::pair<size_t, size_t>> spans = {{first, first + 7}, {second, second + 7}};
  EXPECT_EQ(
      make_snippet(text, terms_for({"secret"}, en), en, kSnippetLength, spans),
      "Deliveries fail with <mark>SF-3104</mark> after the <mark>secret</mark> changed; <mark>SF-3104</mark> "
      "means a bad signature.");
  // The window goes where the code is, as for a query word.
  std::string filler;
  for (int i = 0; i < 40; ++i) filler += "lorem ipsum dolor ";
  const std::string long_text = filler + "Error 0x80070005 (access denied). " + filler;
  const size_t at = long_text.find("0x80070005");
  const std::vector<std::pair<size_t, size_t>> code = {{at, at + 10}};
  EXPECT_NE(make_snippet(long_text, SnippetTerms{}, en, 120, code).find("<mark>0x80070005</mark>"),
            std::string::npos);
  EXPECT_EQ(make_snippet(long_text, SnippetTerms{}, en, 120).find("<mark>"), std::string::npos);
}

TEST(Snippet, NoMatchGivesTheStart) {
  Xapian::Stem en("english");
  EXPECT_EQ(make_snippet("Nothing to see here.", terms_for({"payment"}, en), en, 12), "Nothing to…");
  EXPECT_EQ(make_snippet("", terms_for({"payment"}, en), en), "");
}

}  // namespace
}  // namespace errkb::store
