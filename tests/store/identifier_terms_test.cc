// Identifiers (constants, macros, class and function names) are indexed as their exact term and as
// their words, and a query finds them either way: "_CRT_SECURE_NO_WARNINGS" and "crt secure no warnings".
#include <gtest/gtest.h>
#include <xapian.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "errkb/codes.h"
#include "errkb/ingest.h"
#include "errkb/schema.h"
#include "store/documents.h"
#include "store/prose_terms.h"
#include "store/stopwords.h"
#include "test_util.h"

namespace errkb::store {
namespace {

// The identifier parts of one written word, joined by spaces ("" = not an identifier).
std::string parts_of(const std::string& written) {
  std::string out;
  ProseTerms::for_each_identifier_part(written, [&](std::string_view part) {
    if (!out.empty()) out += ' ';
    out += part;
  });
  return out;
}

TEST(IdentifierParts, SplitsAtUnderscores) {
  EXPECT_EQ(parts_of("_CRT_SECURE_NO_WARNINGS"), "crt secure no warnings");
  EXPECT_EQ(parts_of("lower_snake_case"), "lower snake case");
  EXPECT_EQ(parts_of("__dunder__"), "dunder");
  EXPECT_EQ(parts_of("x__y"), "x y");
}

TEST(IdentifierParts, SplitsAtCaseChanges) {
  EXPECT_EQ(parts_of("InvalidOperationException"), "invalid operation exception");
  EXPECT_EQ(parts_of("camelCase"), "camel case");
  EXPECT_EQ(parts_of("HTTPServerError"), "http server error");
  EXPECT_EQ(parts_of("getHTTPResponse"), "get http response");
  EXPECT_EQ(parts_of("_DllMainCRTStartup"), "dll main crt startup");
  EXPECT_EQ(parts_of("E_AccessDenied"), "e access denied");
}

TEST(IdentifierParts, KeepsDigitsWithTheirLetters) {
  EXPECT_EQ(parts_of("WIN32_LEAN_AND_MEAN"), "win32 lean and mean");
  EXPECT_EQ(parts_of("Win32Exception"), "win32 exception");
  EXPECT_EQ(parts_of("x86_64"), "x86 64");
}

TEST(IdentifierParts, LeavesOtherWordsWhole) {
  for (const char* word : {"error", "Error", "ERROR", "HTTP", "C4996", "0x8007000E", "0x80070005", "3.14",
                           "AT&T", "don't", "naïve", "Ошибка", "_", "__"})
    EXPECT_EQ(parts_of(word), "") << word;
}

TEST(IdentifierParts, NonAsciiLettersStayInTheirPart) {
  EXPECT_EQ(parts_of("ÉcoleNormale_supérieure"), "école normale supérieure");
  EXPECT_EQ(parts_of("Ошибка_Доступа"), "ошибка доступа");
}

using TermWdf = std::map<std::string, unsigned>;

// The terms of `text` with a word's wdf 2 (a part's then is 1).
TermWdf terms_of(ProseTerms& prose, const std::string& text, const std::string& language = "en") {
  Xapian::Document doc;
  ProseTerms::add_to(doc, prose.analyse(text, language, nullptr), 1, "", 2.0);
  TermWdf out;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) out[*it] = it.get_wdf();
  return out;
}

TEST(IdentifierTerms, ExactTermKeptAndPartsStemmedAndStoppedAtHalfAWord) {
  ProseTerms prose;
  EXPECT_EQ(terms_of(prose, "_CRT_SECURE_NO_WARNINGS"),
            (TermWdf{{"Z_crt_secure_no_warn", 2}, {"Zcrt", 1}, {"Zno", 1}, {"Zsecur", 1}, {"Zwarn", 1}}));
  EXPECT_EQ(terms_of(prose, "WIN32_LEAN_AND_MEAN"),  // "and" is an English stop word
            (TermWdf{{"Zwin32_lean_and_mean", 2}, {"Zlean", 1}, {"Zmean", 1}, {"Zwin32", 1}}));
  EXPECT_EQ(terms_of(prose, "InvalidOperationException"),
            (TermWdf{{"Zinvalidoperationexcept", 2}, {"Zexcept", 1}, {"Zinvalid", 1}, {"Zoper", 1}}));
  // In the passage's language: Italian stems and stop words.
  EXPECT_EQ(terms_of(prose, "ERRORE_DI_CONNESSIONE", "it"),
            (TermWdf{{"Zerrore_di_connession", 2}, {"Zconnession", 1}, {"Zerror", 1}}));
}

TEST(IdentifierTerms, DottedAndNamespacedNamesGiveTheirParts) {
  ProseTerms prose;
  EXPECT_EQ(terms_of(prose, "System.IO.FileNotFoundException"), (TermWdf{{"Zexcept", 1},
                                                                         {"Zfile", 1},
                                                                         {"Zfilenotfoundexcept", 2},
                                                                         {"Zfound", 1},
                                                                         {"Zio", 2},
                                                                         {"Znot", 1},
                                                                         {"Zsystem", 2}}));
  EXPECT_EQ(terms_of(prose, "std::bad_alloc"),
            (TermWdf{{"Zalloc", 1}, {"Zbad", 1}, {"Zbad_alloc", 2}, {"Zstd", 2}}));
}

TEST(IdentifierTerms, PartsAddToTheWordsOfTheSameStem) {
  ProseTerms prose;
  TermWdf terms = terms_of(prose, "Set _ITERATOR_DEBUG_LEVEL to 0 to turn off iterator debugging.");
  EXPECT_EQ(terms["Ziter"], 3u);
  EXPECT_EQ(terms["Zdebug"], 3u);
  EXPECT_EQ(terms["Zlevel"], 1u);
  EXPECT_EQ(terms["Z_iterator_debug_level"], 2u);
}

TEST(IdentifierTerms, PartsCountInTheLength) {
  ProseTerms prose;
  const StemCounts& stems = prose.analyse("define _CRT_SECURE_NO_WARNINGS first", "en", nullptr);
  EXPECT_EQ(ProseTerms::raw_length(stems, 2, ""), (3u + 4) * 2);
  EXPECT_EQ(ProseTerms::raw_length(stems, 2, "S"), (3u + 4) * 3);
}

TEST(IdentifierTerms, PartsAreNotLearnedAsSpellings) {
  ProseTerms prose;
  std::unordered_map<std::string, unsigned> spelling;
  prose.analyse("InvalidOperationException thrown", "en", &spelling);
  EXPECT_EQ(spelling,
            (std::unordered_map<std::string, unsigned>{{"invalidoperationexception", 1}, {"thrown", 1}}));
}

// The Markdown escape of an underscore is gone before the prose is analysed: A\_B is A_B.
TEST(IdentifierTerms, MarkdownEscapedUnderscoresAreUnderscores) {
  testing::TempDir dir("errkb-identifiers");
  testing::write_file(
      dir / "articles" / "crt.md",
      "# Secure CRT\n\nDefine `_CRT_SECURE_NO_WARNINGS` or \\_CRT\\_SECURE\\_NO\\_WARNINGS before "
      "including the headers.\n");
  auto files = list_kb_files(dir.path().string());
  ASSERT_TRUE(files.ok()) << files.status().message();
  ASSERT_EQ(files->size(), 1u);
  FileReadResult read = read_kb_file(files->front());
  ASSERT_EQ(read.items.size(), 1u);
  ASSERT_FALSE(read.items[0].passages.empty());
  const Passage& p = read.items[0].passages[0];
  const std::string text = p.symptoms + "\n" + p.cause + "\n" + p.body;  // the lead is one of them
  EXPECT_NE(text.find("or _CRT_SECURE_NO_WARNINGS before"), std::string::npos) << text;
  ProseTerms prose;
  EXPECT_EQ(terms_of(prose, text)["Z_crt_secure_no_warn"], 2u * 2);
}

// ---- the query side, as the engine parses a query (store/query_analysis.cc) ----

Xapian::Query parse_as_engine(const std::string& prose, const std::string& language = "en") {
  Xapian::QueryParser qp;
  qp.set_stemmer(stemmer_for(language));
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL_Z);
  qp.set_stopper(stopper_for(language));
  qp.set_default_op(Xapian::Query::OP_OR);
  return with_identifier_terms(
      qp.parse_query(prose_for_parser(prose, true), Xapian::QueryParser::FLAG_AUTO_SYNONYMS), prose,
      language);
}

std::vector<std::string> terms_of(const Xapian::Query& q) {
  return {q.get_unique_terms_begin(), q.get_unique_terms_end()};
}

// A flat OR of the words, as the scan plan expects (store/scan_plan.h).
std::vector<std::string> top_level_words(const Xapian::Query& q) {
  std::vector<std::string> out;
  if (q.get_type() != Xapian::Query::OP_OR) return terms_of(q);
  for (size_t i = 0; i < q.get_num_subqueries(); ++i) {
    const Xapian::Query sub = q.get_subquery(i);
    EXPECT_EQ(sub.get_type(), Xapian::Query::LEAF_TERM);
    out.push_back(*sub.get_unique_terms_begin());
  }
  return out;
}

TEST(IdentifierQuery, AnExactNameGetsItsTermBesideItsParts) {
  EXPECT_EQ(top_level_words(parse_as_engine("_CRT_SECURE_NO_WARNINGS")),
            (std::vector<std::string>{"Zcrt", "Zsecur", "Zno", "Zwarn", "Z_crt_secure_no_warn"}));
  EXPECT_EQ(top_level_words(parse_as_engine("InvalidOperationException thrown")),
            (std::vector<std::string>{"Zinvalidoperationexcept", "Zthrown", "Zinvalid", "Zoper", "Zexcept"}));
  EXPECT_EQ(top_level_words(parse_as_engine("WIN32_LEAN_AND_MEAN")),
            (std::vector<std::string>{"Zwin32", "Zlean", "Zmean", "Zwin32_lean_and_mean"}));
}

// A colon that follows no field name would make QueryParser join its neighbours into a phrase.
TEST(IdentifierQuery, AScopedNameIsWordsAndItsIdentifierNotAPhrase) {
  EXPECT_EQ(prose_for_parser("title:webhook std::bad_alloc, vendor:ebay 5.7.1 or 5. 7", true),
            "title:webhook std bad alloc vendor:ebay 5.7.1 or 5 7");
  EXPECT_EQ(prose_for_parser("level 4 warning, line 31", false), "level warning line")
      << "beside a code, short numbers are a log line's positions";
  EXPECT_EQ(top_level_words(parse_as_engine("std::bad_alloc thrown")),
            (std::vector<std::string>{"Zstd", "Zbad", "Zalloc", "Zthrown", "Zbad_alloc"}));
}

TEST(IdentifierQuery, WordsAndNoIdentifiersLeaveTheQueryAsParsed) {
  Xapian::QueryParser qp;
  qp.set_stemmer(stemmer_for("en"));
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL_Z);
  qp.set_default_op(Xapian::Query::OP_OR);
  const Xapian::Query parsed = qp.parse_query("crt secure no warnings");
  EXPECT_EQ(with_identifier_terms(parsed, "crt secure no warnings", "en").get_description(),
            parsed.get_description());
  EXPECT_TRUE(with_identifier_terms(Xapian::Query(), "", "en").empty());
  EXPECT_EQ(terms_of(with_identifier_terms(Xapian::Query(), "getHTTPResponse", "en")),
            (std::vector<std::string>{"Zget", "Zgethttprespons", "Zhttp", "Zrespons"}));
}

// A name written as the words of the whole query, joined as the index holds it.
class JoinedIdentifiers : public ::testing::Test {
 protected:
  std::vector<std::string> added_by_join(const std::string& prose) {
    auto indexed = [&](const std::string& term) { return indexed_.contains(term); };
    const Xapian::Query parsed = parse_as_engine(prose);
    const std::vector<std::string> before = top_level_words(parsed);
    std::vector<std::string> added;
    for (const auto& term : top_level_words(with_joined_identifiers(parsed, prose, "en", indexed)))
      if (std::find(before.begin(), before.end(), term) == before.end()) added.push_back(term);
    return added;
  }
  std::set<std::string> indexed_{"Z_use_math_defin",
                                 "Zwin32_lean_and_mean",
                                 "Zbase_class",
                                 "Zmax_path",
                                 "Z_max_path",
                                 "Zmath",
                                 "Zuse",
                                 "Zinvalidoperationexcept",
                                 "Zutf8"};
};

TEST_F(JoinedIdentifiers, TheWordsOfAnIndexedNameAddItsExactTerm) {
  EXPECT_EQ(added_by_join("use math defines"), std::vector<std::string>{"Z_use_math_defin"});
  EXPECT_EQ(added_by_join("win32 lean and mean"), std::vector<std::string>{"Zwin32_lean_and_mean"});
  EXPECT_EQ(added_by_join("Max Path"), (std::vector<std::string>{"Zmax_path", "Z_max_path"}));
  EXPECT_EQ(added_by_join("invalid operation exception"),
            std::vector<std::string>{"Zinvalidoperationexcept"});
}

TEST_F(JoinedIdentifiers, CamelCaseJoinsOnlyWordsOfLettersWrittenApart) {
  EXPECT_TRUE(added_by_join("utf 8").empty());
  EXPECT_TRUE(added_by_join("/utf-8").empty());
  EXPECT_TRUE(added_by_join("invalid-operation exception").empty());
}

TEST_F(JoinedIdentifiers, OnlyAQueryThatIsTheNameIsJoined) {
  EXPECT_TRUE(added_by_join("base class undefined").empty());   // no name of these three words
  EXPECT_TRUE(added_by_join("use math defines here").empty());  // more than the name
  EXPECT_EQ(added_by_join("max-path").size(), 2u);              // written with a hyphen: the same words
  EXPECT_TRUE(added_by_join("math").empty());                   // one word is a word
  EXPECT_TRUE(added_by_join("use math defines in my project please").empty());  // too long for a name
  EXPECT_TRUE(added_by_join("win32 lean and méan").empty());                    // not the letters of a C name
  EXPECT_TRUE(added_by_join("lean mean").empty());
}

// ---- end to end: passages built as the indexer builds them, matched with the engine's BM25 ----

class IdentifierSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    auto passages = PassageFileWriter::Open(dir_ / "passages.dat", true);
    ASSERT_TRUE(passages.ok()) << passages.status().ToString();
    passages_ = std::move(*passages);
    db_ = Xapian::WritableDatabase((dir_ / "db").string(), Xapian::DB_CREATE);
  }

  void add(const std::string& id, const std::string& title, const std::string& body) {
    static CodeGrammar grammar;
    DocumentBuilder builder(grammar, false, *passages_);
    Item item;
    item.uid = "article:" + id;
    Passage p;
    p.id = id + "#1";
    p.doc_id = id;
    p.language = "en";
    p.title = title;
    p.body = body;
    db_.add_document(builder.build(item, p));
  }

  // Passage ids, best first.
  std::vector<std::string> search(const std::string& query) {
    db_.commit();
    Xapian::Enquire enquire(db_);
    auto indexed = [&](const std::string& term) { return db_.term_exists(term); };
    enquire.set_query(with_joined_identifiers(parse_as_engine(query), query, "en", indexed));
    enquire.set_weighting_scheme(
        Xapian::BM25Weight(schema::kBm25K1OfScaledWdf, 0, 1, 0, schema::kMinNormLength));
    std::vector<std::string> ids;
    Xapian::MSet mset = enquire.get_mset(0, 10);
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      Xapian::Document doc = it.get_document();
      auto t = doc.termlist_begin();
      t.skip_to(std::string(schema::kIdPrefix));
      ids.push_back((*t).substr(schema::kIdPrefix.size()));
    }
    return ids;
  }

  testing::TempDir dir_{"errkb-identifiers"};
  std::unique_ptr<PassageFileWriter> passages_;
  Xapian::WritableDatabase db_;
};

TEST_F(IdentifierSearch, TheWordsOfANameFindThePageAboutIt) {
  add("crt", "Security features in the CRT",
      "Define _CRT_SECURE_NO_WARNINGS before including the headers to turn off the deprecation warnings.");
  add("other", "Checked iterators",
      "Checked iterators make sure the bounds of your containers are not overwritten.");
  EXPECT_EQ(search("crt secure no warnings").front(), "crt#1");
  EXPECT_EQ(search("win32 lean and mean"), std::vector<std::string>{});
}

TEST_F(IdentifierSearch, TheExactNameRanksThePageAboutItAboveScatteredWords) {
  add("scattered", "Debug level of the iterator",
      "The iterator has a debug mode. Set the warning level in the project; the level of debug output "
      "varies.");
  add("macro", "Iterator debugging", "The _ITERATOR_DEBUG_LEVEL macro controls checked iterators.");
  add("other", "Linker options", "The linker reads its options from the command line.");
  const std::vector<std::string> exact = search("_ITERATOR_DEBUG_LEVEL");
  ASSERT_GE(exact.size(), 2u);
  EXPECT_EQ(exact[0], "macro#1");
  // The lower-case words find both pages.
  const std::vector<std::string> words = search("iterator debug level");
  EXPECT_NE(std::find(words.begin(), words.end(), "macro#1"), words.end());
  EXPECT_NE(std::find(words.begin(), words.end(), "scattered#1"), words.end());
}

TEST_F(IdentifierSearch, TheWordsOfANameRankThePageThatHoldsItAboveThePagesOfItsWords) {
  add("constants", "Math constants",
      "Define _USE_MATH_DEFINES before including cmath to get M_PI and the other constants.");
  add("errors", "Math error M6202",
      "Math errors: use of a math function outside its domain. The math library defines what each use "
      "of a math function returns; use errno to tell math errors apart.");
  ASSERT_EQ(search("use math defines").size(), 2u);
  EXPECT_EQ(search("use math defines").front(), "constants#1");
}

TEST_F(IdentifierSearch, ACamelCaseNameIsFoundByItsWords) {
  add("ioe", "InvalidOperationException", "Thrown when a method call is not valid for the object's state.");
  add("other", "Linker options", "The linker reads its options from the command line.");
  EXPECT_EQ(search("invalid operation exception").front(), "ioe#1");
  EXPECT_EQ(search("InvalidOperationException").front(), "ioe#1");
}

}  // namespace
}  // namespace errkb::store
