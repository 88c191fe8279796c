#include <gtest/gtest.h>

#include "errkb/ingest.h"
#include "fixtures.h"

namespace errkb {
namespace {

TEST(Synonyms, GroupsAndErrorsByLine) {
  const auto r = read_synonyms("synonyms.txt", testing::read_fixture("kb/synonyms.txt"));
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].term, "checkout");
  EXPECT_EQ(r.groups[0].synonyms, (std::vector<std::string>{"payment page", "cart checkout"}));
  EXPECT_EQ(r.groups[1].term, "dns");
  EXPECT_EQ(r.groups[1].synonyms, (std::vector<std::string>{"domain name system"}));
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].line, 4);  // "invalid line": one word
  EXPECT_EQ(r.errors[1].line, 5);  // ": no term"
  EXPECT_EQ(r.errors[2].line, 6);  // "ssl, SSL": only itself
  EXPECT_EQ(r.errors[0].path, "synonyms.txt");
}

TEST(Synonyms, CommentsAndBlankLines) {
  const auto r = read_synonyms("s.txt", "\n# only a comment\n  \nerror, failure # trailing comment\n");
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].term, "error");
  EXPECT_EQ(r.groups[0].synonyms, std::vector<std::string>{"failure"});
}

TEST(Synonyms, NonAsciiTermsAreLowerCased) {
  const auto r = read_synonyms("s.txt", "Ошибка: Сбой, Неполадка\nPlată, Achitare\n");
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].term, "ошибка");
  EXPECT_EQ(r.groups[0].synonyms, (std::vector<std::string>{"сбой", "неполадка"}));
  EXPECT_EQ(r.groups[1].term, "plată");
  EXPECT_EQ(r.groups[1].synonyms, std::vector<std::string>{"achitare"});
}

TEST(Synonyms, InvalidUtf8RejectsItsLineOnly) {
  const auto r = read_synonyms("s.txt", "a, b\ncaf\xe9, coffee\n");
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].term, "a");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "s.txt:2: invalid UTF-8 at column 4; save the file as UTF-8");
  EXPECT_TRUE(r.complete);
}

}  // namespace
}  // namespace errkb
