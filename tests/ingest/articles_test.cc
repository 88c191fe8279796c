// Article readers on the fixture KB: front matter, headings in four languages, HTML, plain text,
// and malformed files.
#include <gtest/gtest.h>

#include "errkb/ingest.h"
#include "fixtures.h"

namespace errkb {
namespace {

using testing::errors_of;
using testing::expect_file_refused;
using testing::read_fixture;

FileReadResult read_md(const std::string& rel) {
  return read_markdown_article(rel, read_fixture("kb/" + rel));
}

// Passages of the one item read from a fixture article; none, after a failure, when there is not exactly one.
std::vector<Passage> md_passages(const std::string& rel) {
  const FileReadResult r = read_md(rel);
  EXPECT_EQ(r.items.size(), 1u) << errors_of(r);
  return r.items.size() == 1 ? r.items[0].passages : std::vector<Passage>{};
}

TEST(MarkdownArticle, FrontMatterFieldsReachEveryPassage) {
  const FileReadResult r = read_md("articles/en/custom-domain-dns.md");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.items.size(), 1u);
  const Item& item = r.items[0];
  EXPECT_EQ(item.uid, "article:custom-domain-not-resolving");
  EXPECT_EQ(item.container, "articles/en/custom-domain-dns.md");
  EXPECT_EQ(item.signature.size(), 16u);
  ASSERT_EQ(item.passages.size(), 2u);
  for (const Passage& p : item.passages) {
    EXPECT_EQ(p.doc_id, "custom-domain-not-resolving");
    EXPECT_EQ(p.kind, SourceKind::kArticle);
    EXPECT_EQ(p.title, "Custom domain shows DNS_PROBE_FINISHED_NXDOMAIN");
    EXPECT_EQ(p.language, "en");
    EXPECT_EQ(p.vendor, "Shoply");
    EXPECT_EQ(p.product, "Storefront");
    EXPECT_EQ(p.url, "https://help.example.com/kb/custom-domain-dns");
    EXPECT_EQ(p.updated, "2026-03-02");
    EXPECT_EQ(p.codes, (std::vector<std::string>{"DNS_PROBE_FINISHED_NXDOMAIN", "ERR_NAME_NOT_RESOLVED"}));
    EXPECT_EQ(p.tags, (std::vector<std::string>{"dns", "domains"}));  // comma string form
    EXPECT_NE(p.symptoms.find("DNS_PROBE_FINISHED_NXDOMAIN"), std::string::npos);
    EXPECT_EQ(p.prevention, "Lower the TTL of the records a day before moving a domain.");
    EXPECT_EQ(p.body, "After connecting a custom domain, the storefront does not open under the new name.");
  }
  EXPECT_EQ(item.passages[0].id, "custom-domain-not-resolving#1");
  EXPECT_EQ(item.passages[1].id, "custom-domain-not-resolving#2");
}

TEST(MarkdownArticle, NumberedResolutionsPairWithTheirCauses) {
  const auto ps = md_passages("articles/en/custom-domain-dns.md");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].heading, "Cause 1: DNS records not propagated yet");
  EXPECT_EQ(ps[0].cause, "New or changed DNS records take up to 48 hours to reach every resolver.");
  EXPECT_EQ(
      ps[0].resolutions,
      (std::vector<std::string>{"Wait for propagation and check again with dig +trace www.example.com."}));
  EXPECT_EQ(ps[1].heading, "Cause 2: Wrong CNAME target");
  // The "### Details" sub-heading stays inside its cause.
  EXPECT_NE(ps[1].cause.find("Some registrars append the zone name"), std::string::npos);
  // A numbered step list is one resolution, steps on their own lines.
  ASSERT_EQ(ps[1].resolutions.size(), 1u);
  EXPECT_EQ(ps[1].resolutions[0],
            "1. Open the DNS zone at your registrar.\n2. Change the www CNAME target to shops.shoply.app.\n"
            "3. Save and wait 15 minutes.");
}

TEST(MarkdownArticle, CausesListSplitsIntoPassagesAndSharesResolutions) {
  const FileReadResult r = read_md("articles/en/payment-declined.md");
  ASSERT_EQ(r.items.size(), 1u);
  const Item& item = r.items[0];
  EXPECT_EQ(item.uid, "article:en/payment-declined");  // no front-matter id: path under articles/
  ASSERT_EQ(item.passages.size(), 3u);
  EXPECT_EQ(item.passages[0].cause, "the card issuer blocks online payments for the card;");
  EXPECT_EQ(item.passages[1].cause, "the 3-D Secure challenge timed out;");
  EXPECT_EQ(item.passages[2].cause, "the billing address does not match the one the bank has on file.");
  for (const Passage& p : item.passages) {
    EXPECT_EQ(p.title, "Card payments declined with code 05");
    EXPECT_EQ(p.heading, "Causes");
    // Bullet items of a resolution section are separate resolutions; unnumbered after all causes: shared.
    EXPECT_EQ(p.resolutions,
              (std::vector<std::string>{"Ask the customer to contact the card issuer.",
                                        "Enable 3-D Secure retries in the payment settings."}));
    ASSERT_EQ(p.checks.size(), 1u);
    EXPECT_EQ(p.body, "The payment gateway returns \"Do not honor\" (05) when:");
    EXPECT_EQ(p.language, "en");  // detected: no front matter
  }
}

TEST(MarkdownArticle, NoSectionsIsOnePassageWithBody) {
  const FileReadResult r = read_md("articles/en/no-sections.md");
  ASSERT_EQ(r.items.size(), 1u);
  ASSERT_EQ(r.items[0].passages.size(), 1u);
  const Passage& p = r.items[0].passages[0];
  EXPECT_EQ(p.id, "en/no-sections#1");
  EXPECT_EQ(p.title, "Exporting orders to CSV");
  EXPECT_TRUE(p.cause.empty());
  EXPECT_TRUE(p.resolutions.empty());
  // A short lead under the page's heading says what the page is about: it stands for the symptoms.
  EXPECT_NE(p.symptoms.find("Large exports are split"), std::string::npos);
  EXPECT_EQ(p.body.find("Large exports are split"), std::string::npos);
}

TEST(MarkdownArticle, RomanianSectionsWithDiacriticVariants) {
  const FileReadResult r = read_md("articles/ro/eroare-smtp-535.md");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.items.size(), 1u);
  const auto& ps = r.items[0].passages;
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].heading, "Cauza 1: Parola contului de e-mail a fost schimbată");
  EXPECT_EQ(ps[1].heading, "Cauza 2 – Autentificarea în doi pași este activă");
  EXPECT_EQ(ps[0].resolutions.size(), 1u);
  EXPECT_NE(ps[0].resolutions[0].find("Introduceți parola nouă"), std::string::npos);
  // "Soluţia 2" (cedilla ţ) pairs with "Cauza 2"; its numbered steps are one resolution.
  ASSERT_EQ(ps[1].resolutions.size(), 1u);
  EXPECT_EQ(ps[1].resolutions[0].rfind("1. Creați o parolă de aplicație", 0), 0u);
  for (const auto& p : ps) {
    EXPECT_EQ(p.language, "ro");
    EXPECT_NE(p.symptoms.find("535 5.7.8"), std::string::npos);
    EXPECT_NE(p.prevention.find("parolă de aplicație"), std::string::npos);  // "Prevenție"
    EXPECT_EQ(p.codes, (std::vector<std::string>{"535", "5.7.8"}));
    EXPECT_EQ(p.tags, (std::vector<std::string>{"email", "smtp"}));
  }
}

TEST(MarkdownArticle, ItalianSectionsAndChecks) {
  const auto ps = md_passages("articles/it/sincronizzazione-ebay.md");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].heading, "Causa 1: Token di accesso scaduto");
  EXPECT_EQ(ps[0].cause, "Il token OAuth dell'account eBay è scaduto dopo 18 mesi.");
  EXPECT_NE(ps[0].resolutions.at(0).find("Ricollegate"), std::string::npos);
  EXPECT_NE(ps[1].resolutions.at(0).find("Scegliete"), std::string::npos);
  for (const auto& p : ps) {
    EXPECT_EQ(p.title, "Sincronizzazione eBay: errore 21919300");
    EXPECT_EQ(p.vendor, "eBay");
    EXPECT_EQ(p.language, "it");
    ASSERT_EQ(p.checks.size(), 1u);  // "Verifiche" after all causes applies to both
    EXPECT_NE(p.checks[0].find("scadenza del token"), std::string::npos);
  }
}

TEST(MarkdownArticle, RussianSectionsAndMethods) {
  const auto ps = md_passages("articles/ru/oshibka-ssl.md");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].title, "Ошибка SSL_ERROR_BAD_CERT_DOMAIN на витрине");
  EXPECT_EQ(ps[0].heading, "Причина 1: Сертификат выпущен для другого домена");
  EXPECT_EQ(ps[1].heading, "Причина 2. Старый сертификат в кэше CDN");
  EXPECT_EQ(ps[0].resolutions,
            (std::vector<std::string>{"Перевыпустите сертификат для обоих вариантов домена."}));
  EXPECT_EQ(ps[1].resolutions, (std::vector<std::string>{"Очистите кэш CDN и подождите десять минут."}));
  for (const auto& p : ps) {
    EXPECT_EQ(p.language, "ru");
    EXPECT_EQ(p.symptoms, "Браузер показывает предупреждение о небезопасном соединении.");
    EXPECT_EQ(p.prevention, "Всегда добавляйте оба варианта домена при выпуске сертификата.");
  }
}

TEST(HtmlArticle, HeadingsListsAndTitle) {
  const std::string rel = "articles/html/template-blank.html";
  const FileReadResult r = read_html_article(rel, read_fixture("kb/" + rel));
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.items.size(), 1u);
  ASSERT_EQ(r.items[0].passages.size(), 1u);
  const Passage& p = r.items[0].passages[0];
  EXPECT_EQ(r.items[0].uid, "article:html/template-blank");
  EXPECT_EQ(p.title, "Store page is blank after editing the theme");
  EXPECT_EQ(p.heading, "Cause");
  EXPECT_EQ(p.cause, "An unclosed tag in product.liquid breaks the whole template.");
  EXPECT_EQ(p.symptoms,
            "The storefront shows a white page; the console logs Liquid error: unknown tag 'endform'.");
  ASSERT_EQ(p.resolutions.size(), 1u);  // <ol>: one procedure
  EXPECT_EQ(p.resolutions[0],
            "1. Open Themes > Edit code.\n2. Restore the previous version of product.liquid.");
  EXPECT_NE(p.prevention.find("Edit a duplicate theme first."), std::string::npos);
  EXPECT_NE(p.prevention.find("{% endform %}"), std::string::npos);  // <pre> kept
  EXPECT_EQ(p.body, "Editors sometimes save a template that fails to render.");
  EXPECT_EQ(p.url, "https://help.example.com/kb/template-blank");  // <link rel="canonical">
  EXPECT_EQ(p.language, "en");                                     // <html lang="en">
  for (const std::string& field : {p.title, p.cause, p.symptoms, p.body, p.prevention}) {
    EXPECT_EQ(field.find("analytics"), std::string::npos);    // <script> skipped
    EXPECT_EQ(field.find("font-family"), std::string::npos);  // <style> skipped
  }
}

TEST(TextArticle, KeywordLinesAreHeadings) {
  const std::string rel = "articles/txt/shipping-label.txt";
  const FileReadResult r = read_text_article(rel, read_fixture("kb/" + rel));
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.items.size(), 1u);
  const auto& ps = r.items[0].passages;
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].title, "Shipping label purchase fails with error 4011");
  EXPECT_EQ(ps[0].heading, "CAUSE 1");
  EXPECT_EQ(ps[0].cause, "The recipient postcode does not match the city.");
  EXPECT_EQ(ps[0].resolutions,
            (std::vector<std::string>{"Correct the postcode in the order.", "Retry the label purchase."}));
  EXPECT_EQ(ps[1].heading, "Cause 2: Missing house number");
  EXPECT_EQ(ps[1].cause, "The carrier requires a house number in street line 1.");
  EXPECT_EQ(ps[1].resolutions,
            (std::vector<std::string>{"Add the house number to street line 1 and retry."}));
  EXPECT_EQ(ps[0].symptoms, "Buying a label returns \"4011 Address validation failed\".");
}

TEST(TextArticle, CauseLineWithSentenceKeepsTheSentence) {
  const FileReadResult r = read_text_article("articles/t.txt",
                                             "Checkout error\n\nCause: the session cookie expired before the "
                                             "payment page loaded.\n\nFix: reload the page.\n");
  ASSERT_EQ(r.items.size(), 1u);
  ASSERT_EQ(r.items[0].passages.size(), 1u);
  const Passage& p = r.items[0].passages[0];
  EXPECT_EQ(p.heading, "Cause");
  EXPECT_EQ(p.cause, "the session cookie expired before the payment page loaded.");
  EXPECT_EQ(p.resolutions, (std::vector<std::string>{"reload the page."}));
}

// Emphasis closing the sentence is dropped from it; the heading still ends where the sentence begins,
// not inside its first character.
TEST(TextArticle, CauseLineWhoseSentenceEndsInEmphasisKeepsAWholeHeading) {
  const FileReadResult r =
      read_text_article("articles/t.txt", "Network error\n\nCause: \xC3\xA9thernet cable is unplugged.*\n");
  ASSERT_EQ(r.items.size(), 1u);
  ASSERT_EQ(r.items[0].passages.size(), 1u);
  const Passage& p = r.items[0].passages[0];
  EXPECT_EQ(p.heading, "Cause");
  EXPECT_EQ(p.cause, "\xC3\xA9thernet cable is unplugged.");
}

TEST(MalformedArticle, BadYamlFrontMatterIsRejectedWithItsLine) {
  const FileReadResult r =
      read_markdown_article("articles/bad.md", read_fixture("malformed/bad-front-matter.md"));
  EXPECT_TRUE(r.items.empty());
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].path, "articles/bad.md");
  EXPECT_GE(r.errors[0].line, 3);  // the broken flow list opens on line 3; yaml-cpp notices later
  EXPECT_LE(r.errors[0].line, 5);
  EXPECT_NE(r.errors[0].message.find("bad YAML front matter"), std::string::npos);
}

TEST(MalformedArticle, UnclosedFrontMatter) {
  const FileReadResult r =
      read_markdown_article("articles/u.md", read_fixture("malformed/unclosed-front-matter.md"));
  EXPECT_TRUE(r.items.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "articles/u.md:1: front matter opened with '---' is never closed");
}

TEST(MalformedArticle, InvalidUtf8NamesLineAndOffset) {
  const FileReadResult r = read_markdown_article("articles/latin1.md", read_fixture("malformed/latin1.md"));
  ASSERT_NO_FATAL_FAILURE(expect_file_refused(r, 5, "invalid UTF-8"));
  EXPECT_NE(r.errors[0].message.find("0xE9"), std::string::npos);
}

TEST(MalformedArticle, Utf16IsAnUnknownEncoding) {
  const FileReadResult r = read_text_article("articles/w.txt", read_fixture("malformed/utf16.txt"));
  EXPECT_TRUE(r.items.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("UTF-16"), std::string::npos);
}

TEST(MalformedArticle, EmptyFileIsAnError) {
  for (auto reader : {read_markdown_article, read_html_article, read_text_article}) {
    const FileReadResult r = reader("articles/empty", " \n\n");
    EXPECT_TRUE(r.items.empty());
    EXPECT_FALSE(r.complete);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].to_string(), "articles/empty: empty article");
  }
}

TEST(MalformedArticle, NulBytesAreNotText) {
  const FileReadResult r = read_text_article("articles/n.txt", std::string("Title\n\nA\0B\0", 11));
  EXPECT_TRUE(r.items.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].message.find("NUL byte"), std::string::npos);
}

TEST(HtmlArticle, LangAttributeGivesTheLanguage) {
  const FileReadResult r =
      read_html_article("articles/x.html",
                        "<html lang=\"ro-RO\"><body><h1>Titlu</h1><h2>Cauza</h2><p>Short.</p></body></html>");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].passages.at(0).language, "ro");
  EXPECT_EQ(r.items[0].passages.at(0).title, "Titlu");
}

TEST(MarkdownArticle, SignatureFollowsTheBytes) {
  const std::string text = read_fixture("kb/articles/en/no-sections.md");
  const auto a = read_markdown_article("articles/x.md", text);
  const auto b = read_markdown_article("articles/x.md", text);
  const auto c = read_markdown_article("articles/x.md", text + "\nOne more line.\n");
  ASSERT_EQ(a.items.size(), 1u);
  EXPECT_EQ(a.items[0].signature, b.items[0].signature);
  EXPECT_NE(a.items[0].signature, c.items[0].signature);
}

TEST(MarkdownArticle, Utf8ByteOrderMarkIsAccepted) {
  const FileReadResult r =
      read_markdown_article("articles/bom.md", "\xEF\xBB\xBF# Title\n\n## Cause\n\nA reason.\n");
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].passages[0].title, "Title");
  EXPECT_EQ(r.items[0].passages[0].cause, "A reason.");
}

}  // namespace
}  // namespace errkb
