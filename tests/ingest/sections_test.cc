// Section recognition and the rules that split an article into cause passages.
#include <gtest/gtest.h>

#include "errkb/ingest.h"
#include "ingest/article.h"

namespace errkb {
namespace {

using ingest::classify_heading;
using ingest::SectionType;

struct HeadingCase {
  const char* text;
  SectionType type;
  int number;  // 0 = none
};

// Test names show the heading, not the struct's bytes.
void PrintTo(const HeadingCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class ClassifyHeading : public ::testing::TestWithParam<HeadingCase> {};

TEST_P(ClassifyHeading, TypeAndNumber) {
  const HeadingCase& c = GetParam();
  const auto info = classify_heading(c.text);
  EXPECT_EQ(info.type, c.type) << c.text;
  EXPECT_EQ(info.number.value_or(0), c.number) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    FourLanguages, ClassifyHeading,
    ::testing::Values(
        HeadingCase{"Symptoms", SectionType::kSymptoms, 0},
        HeadingCase{"SIMPTOME", SectionType::kSymptoms, 0}, HeadingCase{"Sintomi", SectionType::kSymptoms, 0},
        HeadingCase{"Симптомы", SectionType::kSymptoms, 0}, HeadingCase{"Cause", SectionType::kCause, 0},
        HeadingCase{"Causes", SectionType::kCause, 0},
        HeadingCase{"Cause 2: DNS not propagated", SectionType::kCause, 2},
        HeadingCase{"Root cause", SectionType::kCause, 0}, HeadingCase{"Cauza 1", SectionType::kCause, 1},
        HeadingCase{"Cauză", SectionType::kCause, 0}, HeadingCase{"Cauzele", SectionType::kCause, 0},
        HeadingCase{"Causa 2", SectionType::kCause, 2},
        HeadingCase{"Possibili cause", SectionType::kCause, 0},
        HeadingCase{"Причина 1", SectionType::kCause, 1}, HeadingCase{"ПРИЧИНЫ", SectionType::kCause, 0},
        HeadingCase{"Resolution", SectionType::kResolution, 0},
        HeadingCase{"Solution 3", SectionType::kResolution, 3},
        HeadingCase{"Fix", SectionType::kResolution, 0},
        HeadingCase{"Workaround", SectionType::kResolution, 0},
        HeadingCase{"Method 1: Flush the DNS cache", SectionType::kResolution, 1},
        HeadingCase{"Rezolvare", SectionType::kResolution, 0},
        HeadingCase{"Soluția 2", SectionType::kResolution, 2},
        HeadingCase{"Soluţia", SectionType::kResolution, 0},
        HeadingCase{"Remediere", SectionType::kResolution, 0},
        HeadingCase{"Metoda 1", SectionType::kResolution, 1},
        HeadingCase{"Risoluzione", SectionType::kResolution, 0},
        HeadingCase{"Soluzione 1", SectionType::kResolution, 1},
        HeadingCase{"Rimedio", SectionType::kResolution, 0},
        HeadingCase{"Metodo 2", SectionType::kResolution, 2},
        HeadingCase{"Решение", SectionType::kResolution, 0},
        HeadingCase{"Устранение", SectionType::kResolution, 0},
        HeadingCase{"Способ 2", SectionType::kResolution, 2},
        HeadingCase{"Как исправить ошибку", SectionType::kResolution, 0},
        HeadingCase{"Prevention", SectionType::kPrevention, 0},
        HeadingCase{"Prevenire", SectionType::kPrevention, 0},
        HeadingCase{"Prevenţie", SectionType::kPrevention, 0},
        HeadingCase{"Prevenzione", SectionType::kPrevention, 0},
        HeadingCase{"Профилактика", SectionType::kPrevention, 0},
        HeadingCase{"Как избежать", SectionType::kPrevention, 0},
        HeadingCase{"Checks", SectionType::kChecks, 0}, HeadingCase{"Diagnosis", SectionType::kChecks, 0},
        HeadingCase{"Verificări", SectionType::kChecks, 0},
        HeadingCase{"Verificǎri", SectionType::kChecks, 0},
        HeadingCase{"Diagnosticare", SectionType::kChecks, 0},
        HeadingCase{"Verifiche", SectionType::kChecks, 0}, HeadingCase{"Controlli", SectionType::kChecks, 0},
        HeadingCase{"Проверка", SectionType::kChecks, 0}, HeadingCase{"Диагностика", SectionType::kChecks, 0},
        HeadingCase{"Overview", SectionType::kOther, 0}, HeadingCase{"Common causes", SectionType::kCause, 0},
        HeadingCase{"Что делать", SectionType::kResolution, 0},
        HeadingCase{"Perché succede", SectionType::kCause, 0},
        HeadingCase{"De ce apare", SectionType::kCause, 0},
        HeadingCase{"Causality of events", SectionType::kOther, 0},
        HeadingCase{"Methodology", SectionType::kOther, 0}, HeadingCase{"", SectionType::kOther, 0}));

TEST(ClassifyHeadingRest, TextAfterColonOrDash) {
  EXPECT_EQ(classify_heading("Cause 2: DNS not propagated").rest, "DNS not propagated");
  EXPECT_EQ(classify_heading("Cauza 1 – Parola greșită").rest, "Parola greșită");
  EXPECT_EQ(classify_heading("Причина 2. Старый сертификат").rest, "Старый сертификат");
  EXPECT_EQ(classify_heading("Cause").rest, "");
}

const std::vector<Passage>& passages_of(const FileReadResult& r) {
  static const std::vector<Passage> kNone;
  return r.items.empty() ? kNone : r.items[0].passages;
}

// Passages of `text` read as the Markdown article articles/a.md.
std::vector<Passage> md_passages(std::string_view text) {
  return passages_of(read_markdown_article("articles/a.md", text));
}

TEST(SectionSplitting, InterleavedCausesKeepTheirOwnResolutions) {
  const auto ps = md_passages(
      "# T\n\n## Cause\n\nA.\n\n## Fix\n\nFix A.\n\n## Cause\n\nB.\n\n## Fix\n\n"
      "Fix B.\n\n## Prevention\n\nKeep backups.\n");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].cause, "A.");
  EXPECT_EQ(ps[0].resolutions, (std::vector<std::string>{"Fix A."}));
  EXPECT_EQ(ps[1].cause, "B.");
  EXPECT_EQ(ps[1].resolutions, (std::vector<std::string>{"Fix B."}));
  // Prevention only appears after all causes: it applies to each.
  EXPECT_EQ(ps[0].prevention, "Keep backups.");
  EXPECT_EQ(ps[1].prevention, "Keep backups.");
}

TEST(SectionSplitting, UnnumberedResolutionAfterAllCausesAppliesToEach) {
  const auto ps = md_passages("## Cause 1\n\nA.\n\n## Cause 2\n\nB.\n\n## Resolution\n\nRestart.\n");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].resolutions, (std::vector<std::string>{"Restart."}));
  EXPECT_EQ(ps[1].resolutions, (std::vector<std::string>{"Restart."}));
}

TEST(SectionSplitting, MethodsPairWithCausesByNumber) {
  const auto ps = md_passages(
      "## Cause 1\n\nA.\n\n## Cause 2\n\nB.\n\n## Method 2: Flush\n\nFlush it.\n\n## Method 1\n\nRestart "
      "it.\n");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].resolutions, (std::vector<std::string>{"Restart it."}));
  EXPECT_EQ(ps[1].resolutions, (std::vector<std::string>{"Flush\nFlush it."}));
}

TEST(SectionSplitting, ResolutionWithMethodSubsectionsAndBullets) {
  const auto ps = md_passages(
      "## Cause\n\nThe cache is stale.\n\n## Resolution\n\nTry these in order:\n\n- Clear the cache.\n- "
      "Reindex.\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].resolutions, (std::vector<std::string>{"Clear the cache.", "Reindex."}));
  EXPECT_EQ(ps[0].body, "Try these in order:");  // the intro line is kept, not lost
}

TEST(SectionSplitting, OtherSectionsGoToBodyAndSymptomsToAll) {
  const auto ps = md_passages(
      "Intro text.\n\n## Symptoms\n\nIt fails.\n\n## Cause 1\n\nA.\n\n## Notes\n\n"
      "About A.\n\n## Cause 2\n\nB.\n\n## Background\n\nGeneral.\n");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].symptoms, "It fails.");
  EXPECT_EQ(ps[1].symptoms, "It fails.");
  EXPECT_EQ(ps[0].body, "Intro text.\nNotes\nAbout A.\nBackground\nGeneral.");
  EXPECT_EQ(ps[1].body, "Intro text.\nBackground\nGeneral.");
}

// Code samples stay in their field's text as written, and are also named per field, for the index to weigh
// their words as code.
TEST(SectionSplitting, CodeSamplesAreKeptAndNamedByTheFieldTheyAreIn) {
  const auto ps = md_passages(
      "# T\n\nThe build stops:\n\n```\nerror: cout undeclared\n```\n\n## Cause 1\n\nNo using.\n\n"
      "    using namespace std;\n\n## Cause 2\n\nNo include.\n\n## Resolution\n\nAdd it:\n\n"
      "```cpp\n#include <iostream>\n```\n\n## Example\n\n```cpp\nint main() {}\n```\n");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].symptoms, "The build stops:\nerror: cout undeclared");
  EXPECT_EQ(ps[0].code.symptoms, "error: cout undeclared");
  EXPECT_EQ(ps[1].code.symptoms, "error: cout undeclared");
  EXPECT_EQ(ps[0].cause, "No using.\nusing namespace std;");
  EXPECT_EQ(ps[0].code.cause, "using namespace std;");
  EXPECT_EQ(ps[1].code.cause, "");
  EXPECT_EQ(ps[1].resolutions, (std::vector<std::string>{"Add it:\n#include <iostream>"}));
  EXPECT_EQ(ps[1].code.resolutions, "#include <iostream>");
  EXPECT_EQ(ps[0].body, "Example\nint main() {}");
  EXPECT_EQ(ps[0].code.body, "int main() {}");
  EXPECT_EQ(ps[1].code.body, "int main() {}");
  EXPECT_EQ(ps[0].code.checks, "");
  EXPECT_EQ(ps[0].code.prevention, "");
}

TEST(SectionSplitting, HtmlPreIsACodeSample) {
  const auto r = read_html_article(
      "articles/c.html",
      "<h1>T</h1><h2>Details</h2><p>Run this:</p><pre>sfc /scannow</pre><p>Then reboot.</p>");
  const auto& ps = passages_of(r);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].body, "Details\nRun this:\nsfc /scannow\nThen reboot.");
  EXPECT_EQ(ps[0].code.body, "sfc /scannow");
}

TEST(SectionSplitting, BoldLabelsActAsHeadings) {
  const auto ps = md_passages("**Cause:** The token expired.\n\n**Resolution:** Sign in again.\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].heading, "Cause");
  EXPECT_EQ(ps[0].cause, "The token expired.");
  EXPECT_EQ(ps[0].resolutions, (std::vector<std::string>{"Sign in again."}));
}

TEST(SectionSplitting, BoldLabelsInHtmlParagraphs) {
  const auto r =
      read_html_article("articles/b.html",
                        "<p><strong>Causa 1:</strong> Il token è scaduto.</p><p><b>Soluzione 1</b> - "
                        "Ricollegate l'account.</p><p><strong>Nota</strong> bene.</p>");
  const auto& ps = passages_of(r);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].heading, "Causa 1");
  EXPECT_EQ(ps[0].cause, "Il token è scaduto.");
  // A bold word that is not a section label is ordinary text of the section it is in.
  EXPECT_EQ(ps[0].resolutions, (std::vector<std::string>{"Ricollegate l'account.\nNota bene."}));
}

TEST(SectionSplitting, SectionsWithoutCauseAreOnePassage) {
  const auto ps = md_passages("## Symptoms\n\nSlow.\n\n## Solution\n\nAdd an index.\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].symptoms, "Slow.");
  EXPECT_TRUE(ps[0].cause.empty());
  EXPECT_EQ(ps[0].resolutions, (std::vector<std::string>{"Add an index."}));
}

TEST(SectionSplitting, NumberedCauseWithAListIsNotSplit) {
  const auto ps = md_passages("## Cause 1\n\n- part one\n- part two\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].cause, "- part one\n- part two");
}

TEST(SectionSplitting, HtmlArticleInRomanian) {
  const auto r = read_html_article(
      "articles/ro.html",
      "<html><body><h1>Plata eșuează</h1><h2>Cauze</h2><ul><li>Cardul a expirat.</li><li>Fonduri "
      "insuficiente.</li></ul><h2>Rezolvare</h2><p>Folosiți alt card.</p></body></html>");
  const auto& ps = passages_of(r);
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].title, "Plata eșuează");
  EXPECT_EQ(ps[0].cause, "Cardul a expirat.");
  EXPECT_EQ(ps[1].cause, "Fonduri insuficiente.");
  EXPECT_EQ(ps[1].resolutions, (std::vector<std::string>{"Folosiți alt card."}));
}

TEST(SectionSplitting, PlainTextInItalianAndRussian) {
  const auto it = read_text_article("articles/it.txt",
                                    "Errore di pagamento\n\nCausa 1:\nCarta scaduta.\n\nCausa 2:\nFondi "
                                    "insufficienti.\n\nSoluzione 2:\nUsare un'altra carta.\n");
  const auto& pi = passages_of(it);
  ASSERT_EQ(pi.size(), 2u);
  EXPECT_TRUE(pi[0].resolutions.empty());
  EXPECT_EQ(pi[1].resolutions, (std::vector<std::string>{"Usare un'altra carta."}));

  const auto ru = read_text_article("articles/ru.txt",
                                    "Ошибка оплаты\n\nПРИЧИНА\nКарта просрочена.\n\nРешение\n1. Откройте "
                                    "настройки.\n2. Добавьте новую карту.\n");
  const auto& pr = passages_of(ru);
  ASSERT_EQ(pr.size(), 1u);
  EXPECT_EQ(pr[0].cause, "Карта просрочена.");
  EXPECT_EQ(pr[0].resolutions,
            (std::vector<std::string>{"1. Откройте настройки.\n2. Добавьте новую карту."}));
}

}  // namespace
}  // namespace errkb
