// The sentences errkb writes itself exist in every answer language, with the same placeholders.
#include "rank/phrases.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace errkb::rank {
namespace {

std::set<std::string> placeholders(const std::string& pattern) {
  std::set<std::string> out;
  static const std::regex kPlaceholder(R"(\{[a-z_]+\})");
  for (std::sregex_iterator it(pattern.begin(), pattern.end(), kPlaceholder), end; it != end; ++it)
    out.insert(it->str());
  return out;
}

TEST(Phrases, EveryPhraseInEveryLanguageWithTheSamePlaceholders) {
  for (int i = 0; i < static_cast<int>(Phrase::kCount); ++i) {
    const Phrase p = static_cast<Phrase>(i);
    const std::string english = phrase(p, "en");
    ASSERT_FALSE(english.empty()) << "phrase " << i << " has no row";
    for (std::string_view language : kPhraseLanguages) {
      EXPECT_TRUE(has_phrases(language));
      const std::string text = phrase(p, language);
      EXPECT_FALSE(text.empty()) << "phrase " << i << " in " << language;
      EXPECT_EQ(placeholders(text), placeholders(english))
          << "phrase " << i << " in " << language << ": " << text;
      // Translated, not the English copied ("no" is also Italian).
      const bool same_word = p == Phrase::kNo && language == "it";
      if (language != "en" && !same_word) {
        EXPECT_NE(text, english) << "phrase " << i << " is English in " << language;
      }
    }
  }
}

TEST(Phrases, ValuesFillTheirPlaceholdersAndOtherLanguagesGetEnglish) {
  EXPECT_EQ(phrase(Phrase::kAskCheck, "it", {{"check", "il certificato è scaduto"}}),
            "Il cliente può confermare questo: il certificato è scaduto?");
  EXPECT_EQ(phrase(Phrase::kYes, "de"), phrase(Phrase::kYes, "en"));
  EXPECT_FALSE(has_phrases("de"));
  // A value holding braces is not read as a placeholder.
  EXPECT_EQ(phrase(Phrase::kAskCause, "en", {{"cause", "{check}"}}),
            "Does this match the customer's case: {check}?");
}

}  // namespace
}  // namespace errkb::rank
