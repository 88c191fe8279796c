// Ranking on KB shapes of real third-party documentation: one page per error code with the message as
// its lead, range pages listing many codes, general reference pages that mention codes in passing, and
// vendor catalogues without causes.
#include <string>

#include "kb_fixture.h"
#include "rank/phrases.h"

namespace errkb::testing {
namespace {

std::string code_page(const std::string& code, const std::string& message, const std::string& remarks) {
  return "---\ntitle: Compiler Warning " + code + "\n---\n# Compiler Warning " + code + "\n\n> " + message +
         "\n\n## Remarks\n\n" + remarks + "\n\n## Example\n\nThe following sample generates " + code + ".\n";
}

class RealKbRanking : public KbFixture {
 protected:
  void SetUp() override {
    KbFixture::SetUp();
    std::string long_remarks;
    for (int i = 0; i < 40; ++i)
      long_remarks += "The function or variable is marked deprecated by the library. ";
    write_file(kb() / "articles/errors/c4996.md",
               code_page("C4996", "'function': was declared deprecated", long_remarks));
    write_file(kb() / "articles/errors/c4244.md",
               code_page("C4244", "'conversion' conversion from 'type1' to 'type2', possible loss of data",
                         "A value of a wider type is stored in a narrower one."));
    write_file(kb() / "articles/errors/c4267.md",
               code_page("C4267", "'var' : conversion from 'size_t' to 'type', possible loss of data",
                         "The compiler detected a conversion from size_t to a smaller type."));
    write_file(kb() / "articles/errors/c2077.md",
               code_page("C2077", "non-scalar field initializer 'identifier'",
                         "You attempted to initialize a bit field with a non-scalar value."));
    // Two messages with the same words, one of them as written.
    write_file(
        kb() / "articles/errors/c2011.md",
        code_page("C2011", "'identifier' : 'type' type redefinition",
                  "The identifier was already defined. You may also get this error if you import a header "
                  "file or library more than once into the same file: use include guards or a pragma."));
    write_file(kb() / "articles/errors/c2371.md",
               code_page("C2371", "'identifier' : redefinition; different basic types",
                         "A redefinition of the identifier with another type."));
    // A reference page about a macro, and an error page whose message names it.
    write_file(
        kb() / "articles/reference/iterator-debug-level.md",
        "---\ntitle: _ITERATOR_DEBUG_LEVEL\n---\n# _ITERATOR_DEBUG_LEVEL\n\nThe macro controls whether "
        "checked iterators are enabled and how much debug checking is done.\n");
    write_file(kb() / "articles/errors/lnk2038.md",
               code_page("LNK2038",
                         "mismatch detected for '_ITERATOR_DEBUG_LEVEL': value '0' doesn't match value '2'",
                         "Two objects were built with different settings of the macro."));
    // Many short reference pages that mention C4996 in passing.
    for (int i = 0; i < 80; ++i)
      write_file(kb() / ("articles/reference/func" + std::to_string(i) + ".md"),
                 "---\ntitle: func" + std::to_string(i) + "\n---\n# func" + std::to_string(i) +
                     "\n\nDeprecated alias: using it generates Compiler Warning C4996.\n");
    // A general page on the same words as the C4244 page's lead.
    write_file(kb() / "articles/reference/conversions.md",
               "---\ntitle: Type conversions\n---\n# Type conversions\n\nA conversion from a wider type to a "
               "narrower "
               "type can lose data: the possible loss of data in a conversion from double to int.\n");
    // A range page listing many codes with their messages.
    std::string listing =
        "---\ntitle: Compiler warnings C4200 through C4299\n---\n# Compiler warnings C4200 through C4299\n\n";
    for (int i = 0; i < 30; ++i)
      listing += "- Compiler warning C42" + std::to_string(10 + i) + ": conversion from a type\n";
    listing +=
        "- Compiler warning C4244: 'conversion' conversion from 'type1' to 'type2', possible loss of data\n";
    write_file(kb() / "articles/lists/c4200-c4299.md", listing);
    ASSERT_TRUE(rebuild_index(options()).ok());
    engine_ = engine();
  }
  std::string first(const std::string& q) {
    const auto h = hits(*engine_, q);
    return h.empty() ? "" : h.front().doc_id;
  }
  std::unique_ptr<Engine> engine_;
};

TEST_F(RealKbRanking, ThePageAboutACodeOutranksTheManyThatMentionIt) {
  EXPECT_EQ(first("C4996"), "errors/c4996");
  EXPECT_EQ(first("warning C4996 strcpy"), "errors/c4996");
  EXPECT_EQ(first("C4244"), "errors/c4244");  // not the range page that lists it
}

TEST_F(RealKbRanking, AMessageFindsThePageWhoseLeadItIs) {
  EXPECT_EQ(first("possible loss of data"), "errors/c4244");
  EXPECT_EQ(first("conversion from 'size_t' to"), "errors/c4267");
  // Both leads hold both words; one holds them as asked.
  EXPECT_EQ(first("type redefinition"), "errors/c2011");
  EXPECT_EQ(first("redefinition different types"), "errors/c2371");
}

TEST_F(RealKbRanking, APageTitledWithANameIsAboutIt) {
  // The reference page names no error, the error page names the macro in its message: the title decides.
  EXPECT_EQ(first("_ITERATOR_DEBUG_LEVEL"), "reference/iterator-debug-level");
  EXPECT_EQ(first("iterator debug level"), "reference/iterator-debug-level");
  EXPECT_EQ(first("mismatch detected for '_ITERATOR_DEBUG_LEVEL'"), "errors/lnk2038");
}

TEST_F(RealKbRanking, AFewWordsTakenForALanguageTheKbLacksStillMatch) {
  // CLD2 reads these three words as Galician; the KB has English only, so they are stemmed as English.
  EXPECT_EQ(first("non-scalar field initializer"), "errors/c2077");
}

TEST_F(RealKbRanking, ACatalogueEntryWithoutCausesIsTheCodesMeaningAndAsksForSymptoms) {
  DiagnoseRequest r;
  r.text = "label failed: PH-102";
  auto d = engine_->diagnose(r);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_FALSE(d->causes.empty());
  EXPECT_EQ(d->causes.front().id, "parcelhub:PH-102");
  EXPECT_TRUE(d->causes.front().catalogue_only);
  EXPECT_NE(d->causes.front().cause.find("carrier refuses the label"), std::string::npos);
  EXPECT_TRUE(d->answered);  // the vendor's meaning of a code it certainly is
  EXPECT_EQ(d->answer_note, rank::phrase(rank::Phrase::kMeaningOnly, "en"));
  ASSERT_FALSE(d->ask.empty());
  EXPECT_EQ(d->ask.front().question, rank::phrase(rank::Phrase::kAskSymptoms, "en"));
  // An article with causes is a known cause.
  r.text = "SF-3104";
  auto known = engine_->diagnose(r);
  ASSERT_TRUE(known.ok());
  ASSERT_FALSE(known->causes.empty());
  EXPECT_FALSE(known->causes.front().catalogue_only);
}

// Words no page holds are what the question is about that the KB has never heard of: the answer lists
// them and they lower the confidence.
TEST_F(RealKbRanking, WordsTheKbHasNeverSeenAreListedAndLowerTheConfidence) {
  DiagnoseRequest r;
  r.text = "possible loss of data in a conversion";
  auto known = engine_->diagnose(r);
  ASSERT_TRUE(known.ok()) << known.status().ToString();
  EXPECT_TRUE(known->unknown_words.empty());
  r.text = "possible loss of data in a conversion from Zorblax Quuxfeed";
  auto unknown = engine_->diagnose(r);
  ASSERT_TRUE(unknown.ok()) << unknown.status().ToString();
  EXPECT_EQ(unknown->unknown_words, (std::vector<std::string>{"zorblax", "quuxfeed"}));
  ASSERT_FALSE(known->causes.empty());
  ASSERT_FALSE(unknown->causes.empty());
  EXPECT_EQ(unknown->causes.front().id, known->causes.front().id);
  EXPECT_LT(unknown->causes.front().confidence, known->causes.front().confidence);
  // A word with an apostrophe is one word, as the page's terms have it.
  r.text = "mismatch detected, the value doesn't match";
  auto apostrophe = engine_->diagnose(r);
  ASSERT_TRUE(apostrophe.ok()) << apostrophe.status().ToString();
  EXPECT_TRUE(apostrophe->unknown_words.empty());
}

// A lay description of a symptom uses the right page's words only in part, and its one rare word is
// what that page is about: the short page that keeps repeating it comes before long pages that hold
// more of the question's common words once each.
class LaySymptomRanking : public KbFixture {};

TEST_F(LaySymptomRanking, ThePageAboutTheRareWordComesBeforeLongPagesOfCommonWords) {
  const std::string common =
      "A program writes to a local array and reads past its end; the compiler inserts what was written. ";
  const std::string reference =
      "The stream buffer class holds a sequence of characters for input and output. ";
  for (int i = 0; i < 6; ++i) {
    std::string body = common;
    for (int j = 0; j < 12; ++j) body += reference;
    write_file(kb() / ("articles/reference/class" + std::to_string(i) + ".md"),
               "---\ntitle: basic class " + std::to_string(i) + "\n---\n# basic class " + std::to_string(i) +
                   "\n\n" + body + "\n");
  }
  write_file(
      kb() / "articles/reference/gs.md",
      "---\ntitle: /GS (Buffer Security Check)\n---\n# /GS (Buffer Security Check)\n\nThe compiler "
      "puts a security cookie on the stack of a function with a buffer. On return the cookie is "
      "compared with its saved copy: a changed cookie means a buffer overrun, and the process ends.\n");
  // Pages on other subjects, so that the question's common words are rare enough to count.
  for (int i = 0; i < 100; ++i)
    write_file(kb() / ("articles/other/page" + std::to_string(i) + ".md"),
               "---\ntitle: other subject " + std::to_string(i) + "\n---\n# other subject " +
                   std::to_string(i) + "\n\nThe linker resolves symbols from libraries in order.\n");
  ASSERT_TRUE(rebuild_index(options()).ok());
  auto e = engine();
  const auto h = hits(*e,
                      "program killed after a local array was written past its end, compiler inserted a "
                      "cookie check");
  ASSERT_FALSE(h.empty());
  EXPECT_EQ(h.front().doc_id, "reference/gs");
}

}  // namespace
}  // namespace errkb::testing
