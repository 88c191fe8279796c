// ProseTerms must make exactly the terms (and spelling words) Xapian's TermGenerator makes with
// STEM_ALL_Z and STOP_ALL, plus the words of identifiers: the query side parses with
// Xapian::QueryParser and has to meet them. (Identifiers: identifier_terms_test.cc.)
#include "store/prose_terms.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "errkb/ingest.h"
#include "store/stopwords.h"
#include "test_util.h"

namespace errkb::store {
namespace {

using TermWdf = std::map<std::string, unsigned>;

TermWdf terms_of(const Xapian::Document& doc) {
  TermWdf out;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) out[*it] = it.get_wdf();
  return out;
}

// The parts of the identifiers in `text`, a word each.
std::string identifier_parts(const std::string& text) {
  std::string parts;
  ProseTerms::for_each_word(text, [&](std::string_view, std::string_view written) {
    ProseTerms::for_each_identifier_part(written, [&](std::string_view part) {
      parts += ' ';
      parts += part;
    });
  });
  return parts;
}

// What TermGenerator makes of `text` and of its identifiers' parts, at wdf scale 2 (where a word counts
// 2 and a part 1, see our_terms): prose copy with `weight`, prefixed copy with wdf 1.
TermWdf reference_terms(const std::string& text, const std::string& language, unsigned weight,
                        const std::string& prefix) {
  Xapian::TermGenerator generator;
  generator.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
  generator.set_stemmer(stemmer_for(language));
  generator.set_stopper(stopper_for(language));
  generator.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
  Xapian::Document doc;
  generator.set_document(doc);
  generator.index_text_without_positions(text, 2 * weight);
  if (!prefix.empty()) generator.index_text_without_positions(text, 2, prefix);
  const std::string parts = identifier_parts(text);
  generator.index_text_without_positions(parts, weight);
  if (!prefix.empty()) generator.index_text_without_positions(parts, 1, prefix);
  return terms_of(doc);
}

TermWdf our_terms(ProseTerms& prose, const std::string& text, const std::string& language, unsigned weight,
                  const std::string& prefix) {
  Xapian::Document doc;
  ProseTerms::add_to(doc, prose.analyse(text, language, nullptr), weight, prefix, 2.0);  // a part weighs half
  return terms_of(doc);
}

TEST(ProseTerms, SameTermsAsTermGeneratorPlusIdentifierPartsOnEdgeCases) {
  const std::vector<std::string> texts = {
      "Payment failed: AT&T customers see \"card declined\" (don't retry more than 3 times).",
      "The U.S.A. and U.K. stores; M&S; P.T.O. then I.B.M.s later",
      "C++ and C# clients, fish+chips, a+++b, version 3.14, 1,000,000 orders; 2026-11-22; 10.0.0.1",
      "naïve café ÉCOLE Straße ŒUVRE Ωmega İstanbul",
      "zero\u200bwidth join\u2060er and it\u2019s o\u201bclock",
      "Платёж не прошёл: ошибка 0x80070005, доступ запрещён. Проверьте настройки.",
      "Plata a eșuat: eroarea apare când coșul are peste 100 de produse; soluția e să ștergeți cache-ul.",
      "Il pagamento è fallito perché la carta è scaduta; l'errore compare all'avvio.",
      "snake_case_names and CamelCaseNames and __dunder__ and x_1",
      "_CRT_SECURE_NO_WARNINGS, WIN32_LEAN_AND_MEAN, getHTTPResponse, std::bad_alloc, "
      "System.IO.FileNotFoundException, 0x8007000E, C++Builder, ÉcoleNormale_supérieure, Ошибка_Доступа",
      std::string(70, 'a') + " short " + std::string(64, 'b') + " " + std::string(65, 'c'),
      "",
      "   ...   ",
      "invalid UTF-8: caf\xe9 \xff\xfe abc \xc3 na\xc3\xafve trailing \xe2\x80",
      "E_ACCESSDENIED ORA-00942 HTTP/1.1 503 Service Unavailable; curl: (7) Failed to connect",
  };
  ProseTerms prose;
  for (const std::string language : {"en", "ro", "it", "ru", "de"}) {
    for (const auto& text : texts) {
      EXPECT_EQ(our_terms(prose, text, language, 3, ""), reference_terms(text, language, 3, ""))
          << language << ": " << text;
      EXPECT_EQ(our_terms(prose, text, language, 2, "XSYM"), reference_terms(text, language, 2, "XSYM"))
          << language << ": " << text;
    }
  }
}

// Every text field of every passage of the demo KB, in its own language.
TEST(ProseTerms, SameTermsAsTermGeneratorPlusIdentifierPartsOnTheDemoKb) {
  auto files = list_kb_files(testing::source_path("data"));
  ASSERT_TRUE(files.ok()) << files.status().message();
  ProseTerms prose;
  size_t compared = 0;
  for (const auto& file : *files) {
    FileReadResult read = read_kb_file(file);
    for (const auto& item : read.items) {
      for (const auto& p : item.passages) {
        std::vector<std::string> fields = {p.title, p.heading, p.symptoms, p.cause, p.prevention, p.body};
        fields.insert(fields.end(), p.checks.begin(), p.checks.end());
        fields.insert(fields.end(), p.resolutions.begin(), p.resolutions.end());
        for (const auto& text : fields) {
          if (text.empty()) continue;
          ASSERT_EQ(our_terms(prose, text, p.language, 2, "S"), reference_terms(text, p.language, 2, "S"))
              << file.rel << " " << p.id << ": " << text;
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 500u);
}

TEST(ProseTerms, SpellingWordsAreTermGeneratorsSpellingWords) {
  testing::TempDir dir("errkb-prose");
  const std::vector<std::string> texts = {
      "Customers see card declined after the checkout page reloads",
      "Card declined again; the checkout page shows error 402 and AT&T's gateway times out",
      "Clienții văd eroarea la plată",
  };
  Xapian::WritableDatabase reference((dir / "reference").string(), Xapian::DB_CREATE);
  Xapian::TermGenerator generator;
  generator.set_database(reference);
  generator.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
  generator.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
  generator.set_stopper(stopper_for("en"));
  generator.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
  generator.set_stemmer(stemmer_for("en"));
  Xapian::Document scratch;
  generator.set_document(scratch);
  for (const auto& t : texts) generator.index_text_without_positions(t);
  reference.commit();

  Xapian::WritableDatabase ours((dir / "ours").string(), Xapian::DB_CREATE);
  ProseTerms prose;
  std::unordered_map<std::string, unsigned> spelling;
  for (const auto& t : texts) prose.analyse(t, "en", &spelling);
  for (const auto& [word, count] : spelling) ours.add_spelling(word, count);
  ours.commit();

  std::map<std::string, unsigned> want, got;
  for (auto it = reference.spellings_begin(); it != reference.spellings_end(); ++it)
    want[*it] = it.get_termfreq();
  for (auto it = ours.spellings_begin(); it != ours.spellings_end(); ++it) got[*it] = it.get_termfreq();
  EXPECT_EQ(got, want);
  EXPECT_EQ(got["declined"], 2u);
  EXPECT_EQ(got.count("the"), 0u);  // stop words are not learned
}

// A language Xapian cannot stem still gets its words indexed (TermGenerator would index none).
TEST(ProseTerms, UnstemmedLanguageKeepsItsWords) {
  ProseTerms prose;
  Xapian::Document doc;
  ProseTerms::add_to(doc, prose.analyse("Płatność odrzucona", "pl", nullptr), 1, "");
  TermWdf want = {{"Zodrzucona", 1}, {"Zpłatność", 1}};
  EXPECT_EQ(terms_of(doc), want);
}

// Word pairs: adjacent words once stop words are skipped, stemmed as the prose terms are, each once.
TEST(ProseTerms, WordPairsAreAdjacentStemsWithoutStopWords) {
  ProseTerms prose;
  const std::vector<std::string> want = {"XWP:type type", "XWP:type redefinit"};
  EXPECT_EQ(prose.word_pairs("'identifier' is a 'type' type redefinition", "en", 64).size(), 3u);
  EXPECT_EQ(prose.word_pairs("'type' type redefinition; types redefinitions", "en", 64),
            (std::vector<std::string>{"XWP:type type", "XWP:type redefinit", "XWP:redefinit type"}));
  EXPECT_EQ(prose.word_pairs("the type of the type, redefinition", "en", 64), want);
  EXPECT_EQ(prose.word_pairs("type type redefinition cannot", "en", 3), want);  // the first 3 words only
  EXPECT_TRUE(prose.word_pairs("the", "en", 64).empty());
  // The same stems as analyse() gives the terms.
  const StemCounts& stems = prose.analyse("redefinition", "en", nullptr);
  ASSERT_EQ(stems.size(), 1u);
  EXPECT_EQ(*stems.front().z_stem, "Zredefinit");
}

// English quoted in Russian text ("database is locked") is stemmed and stopped as English, so that a
// Russian page and an English query meet on its words and on its word pairs; Cyrillic words keep the
// Russian stemmer.
TEST(ProseTerms, LatinWordsOfARussianTextAreEnglish) {
  EXPECT_EQ(stemmer_for("ru")("locked"), stemmer_for("en")("locked"));
  EXPECT_EQ(stemmer_for("ru")("database"), "databas");
  EXPECT_EQ(stemmer_for("ru")("заблокирована"), Xapian::Stem("russian")("заблокирована"));
  EXPECT_NE(stemmer_for("ru")("заблокирована"), "заблокирована");
  EXPECT_EQ(stemmer_for("it")("locked"),
            Xapian::Stem("italian")("locked"));  // a Latin-script language: its own
  ProseTerms prose;
  EXPECT_EQ(prose.word_pairs("SQLite пишет database is locked", "ru", 64),
            prose.word_pairs("sqlite пишет database is locked", "ru", 64));
  const auto english = prose.word_pairs("the database is locked", "en", 64);
  const auto russian = prose.word_pairs("ошибка: database is locked", "ru", 64);
  ASSERT_EQ(english.size(), 1u);
  EXPECT_NE(std::find(russian.begin(), russian.end(), english.front()), russian.end());
}

}  // namespace
}  // namespace errkb::store
