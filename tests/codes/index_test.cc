// The grammar and an index together. Teaching from an index (store/catalogue_codes.h): the letters+digits
// codes that passages name in their title become code shapes the queries read, in any case and spelling;
// codes only mentioned in a body do not. And end to end: a query and a page that read the same digits in
// different spellings or families meet (literal readings, short hex, sub-statuses, frames).
#include <gtest/gtest.h>
#include <xapian.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "errkb/codes.h"
#include "errkb/engine.h"
#include "errkb/indexer.h"
#include "errkb/schema.h"
#include "store/catalogue_codes.h"
#include "store/passage_file.h"
#include "test_util.h"

namespace errkb {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

// Indexes root/kb into root/index.
void index_kb(const fs::path& root) {
  IndexerOptions options;
  options.kb_dirs = {root / "kb"};
  options.index_dir = root / "index";
  options.threads = 1;
  auto built = rebuild_index(options);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
}

// The response of a search over the index, filtered by vendor ("" = none).
SearchResponse search_for(Engine& engine, const std::string& q, const std::string& vendor = "") {
  SearchRequest r;
  r.q = q;
  r.vendor = vendor;
  auto found = engine.search(r);
  EXPECT_TRUE(found.ok()) << found.status().ToString();
  return found.ok() ? *found : SearchResponse{};
}

std::string article(const std::string& title, const std::string& body) {
  return "---\ntitle: \"" + title + "\"\nlanguage: en\n---\n# " + title + "\n\n" + body + "\n";
}

std::string first_reading(const CodeGrammar& g, const std::string& text) {
  auto occs = g.find_codes(text);
  return occs.empty() ? "-" : occs[0].interpretations[0].canonical;
}

class CodesInIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path articles = root_ / "kb" / "articles";
    write_file(articles / "lnk2019.md", article("Linker Tools Error LNK2019", "unresolved external symbol"));
    write_file(articles / "lnk4098.md", article("Linker Tools Warning LNK4098", "defaultlib conflicts"));
    write_file(articles / "build.md", article("The build fails on the server",
                                              "The log said error ABC1234 once, then the RTX3080 hung."));
    write_file(articles / "bugcheck-1e1.md",
               article("Bug Check 0x1E1: CRITICAL_INITIALIZATION_FAILURE",
                       "Early kernel initialization failed. Update the firmware."));
    write_file(articles / "bugcheck-7b.md",
               article("Bug Check 0x7B: INACCESSIBLE_BOOT_DEVICE",
                       "Windows lost access to the system partition during startup."));
    write_file(articles / "sql-208.md", article("MSSQLSERVER_208",
                                                "Invalid object name: SQL Server raises Error 208 "
                                                "when a query names a table that does not exist."));
    write_file(articles / "iis-403-14.md",
               article("HTTP Error 403.14 - Forbidden",
                       "The Web server is configured to not list the contents of this "
                       "directory. Add a default document."));
    write_file(articles / "aadsts50020.md",
               article("AADSTS50020: User account from identity provider does not exist in tenant",
                       "The guest user was never invited to the tenant."));
    write_file(articles / "iis-500-0.md", article("HTTP Error 500.0 - Internal Server Error",
                                                  "A module or an ISAPI filter failed on IIS 7.0 or later."));
    write_file(articles / "http-403.md",
               article("HTTP 403 Forbidden on the API", "The token lacks the scope."));
    ASSERT_NO_FATAL_FAILURE(index_kb(root_));
    auto generation = live_generation(root_ / "index");
    ASSERT_TRUE(generation.ok()) << generation.status().ToString();
    generation_ = *generation;
  }

  TempDir dir_{"errkb-teach"};
  const fs::path root_ = dir_.path();
  fs::path generation_;
};

TEST_F(CodesInIndex, TitlesTeachTheirCodeShapes) {
  Xapian::Database db(generation_.string());
  CodeGrammar before;
  EXPECT_EQ(first_reading(before, "lnk2019"), "-");
  EXPECT_EQ(first_reading(before, "LNK4098"), "-");

  CodeGrammar g;
  EXPECT_EQ(store::teach_code_shapes(db, g), 2u)
      << "LNK with four digits, from two titles; AADSTS with five, from the title it opens; none from a body";
  for (const char* spelling : {"LNK2019", "lnk2019", "lnk 2019", "LNK-2019"})
    EXPECT_EQ(first_reading(g, spelling), "code:lnk2019") << spelling;
  EXPECT_EQ(first_reading(g, "lnk4098 on link"), "code:lnk4098");
  EXPECT_EQ(first_reading(g, "LNK1104"), "code:lnk1104") << "the same letters with as many digits";
  // Only mentioned in a body: not a shape of this KB.
  EXPECT_EQ(first_reading(g, "ABC1234"), "-");
  EXPECT_EQ(first_reading(g, "abc 1234"), "-");
  EXPECT_EQ(first_reading(g, "RTX3080"), "-");

  // teach_grammar_from_index teaches the shapes too, with or without the catalogues.
  store::PassageFileReader passages;
  ASSERT_TRUE(passages.open(generation_ / schema::kPassageFileName).ok());
  CodeGrammar full, patterns_only;
  store::teach_grammar_from_index(db, passages, full);
  store::teach_grammar_from_index(db, passages, patterns_only, /*only_patterns=*/true);
  EXPECT_EQ(first_reading(full, "lnk2019"), "code:lnk2019");
  EXPECT_EQ(first_reading(patterns_only, "lnk2019"), "code:lnk2019");
}

// Every spelling finds its page, where the query's code and the page's code are read in different families
// or spellings: before literal readings some of these queries found nothing at all.
TEST_F(CodesInIndex, SpellingsOfOneValueMeetInTheIndex) {
  EngineOptions options;
  options.index_dir = root_ / "index";
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const std::pair<const char*, const char*> cases[] = {
      {"0x000001E1", "bugcheck-1e1"},  // padded: Win32 number and bug check, the page's bug check meets
      {"0x1e1", "bugcheck-1e1"},       // short hex alone, three digits
      {"7Bh", "bugcheck-7b"},          // assembler spelling
      {"0x0000007B", "bugcheck-7b"},
      {"Msg 208", "sql-208"},    // SQL Server's output frame, the page's "Error 208"
      {"403.14", "iis-403-14"},  // IIS sub-status alone
      {"IIS 403.14 forbidden", "iis-403-14"},
      {"500.0", "iis-500-0"},           // read as no code (it could be a quantity): the page's literal word
      {"HTTP 403", "http-403"},         // the plain status prefers the page about it
      {"lnk 2019", "lnk2019"},          // taught shape, spaced
      {"aadsts 50020", "aadsts50020"},  // a shape taught by a title that opens with its code, no cue
      {"AADSTS-50020", "aadsts50020"},
  };
  for (const auto& [query, page] : cases) {
    SearchRequest request;
    request.q = query;
    auto found = (*engine)->search(request);
    ASSERT_TRUE(found.ok()) << query << ": " << found.status().ToString();
    ASSERT_FALSE(found->hits.empty()) << query;
    EXPECT_EQ(found->hits[0].doc_id, page) << query;
  }
}

TEST(SystemCatalogues, ACodeFamilyIsNoVendorInTheFacetOrTheFilter) {
  TempDir dir("errkb-families");
  const fs::path& root = dir.path();
  auto catalogue = [](const std::string& vendor, const std::string& code, const std::string& message) {
    return R"({"vendor": ")" + vendor + R"(", "product": "P", "language": "en", "errors": [{"code": ")" +
           code + R"(", "message": ")" + message +
           R"( access denied", "description": "Access is denied."}]})";
  };
  write_file(root / "kb" / "catalogues" / "hresult.json",
             catalogue("hresult", "0x80070005", "E_ACCESSDENIED"));
  write_file(root / "kb" / "catalogues" / "win32.json", catalogue("win32", "5", "ERROR_ACCESS_DENIED"));
  write_file(root / "kb" / "catalogues" / "errno.json", catalogue("errno", "EACCES", "Permission"));
  write_file(root / "kb" / "catalogues" / "shopflow.json", catalogue("ShopFlow", "SF-3105", "Store"));
  ASSERT_NO_FATAL_FAILURE(index_kb(root));
  EngineOptions engine_options;
  engine_options.index_dir = root / "index";
  auto engine = Engine::Open(engine_options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  SearchResponse found = search_for(**engine, "access denied");
  EXPECT_EQ(found.hits.size(), 4u);
  std::map<std::string, int64_t, std::less<>> expected = {{"Microsoft", 2}, {"ShopFlow", 1}};
  EXPECT_EQ(found.facets["vendor"], expected);
  EXPECT_EQ(search_for(**engine, "access denied", "microsoft").hits.size(), 2u);
  EXPECT_TRUE(search_for(**engine, "access denied", "hresult").hits.empty());
  // The grammar still reads the catalogues' codes as their families.
  auto codes = (*engine)->lookup_code("0x80070005", "");
  ASSERT_TRUE(codes.ok());
  EXPECT_FALSE(codes->catalogue_entries.empty());
}

// A page filed under one vendor that is about another vendor's code passes that vendor's filter too (an
// agent who filters by the product the customer uses finds it), and the facet still counts it once, under
// its own vendor. A standard's code adds no vendor.
TEST(SystemCatalogues, APageAboutAVendorsCodePassesThatVendorsFilter) {
  TempDir dir("errkb-code-vendor");
  const fs::path& root = dir.path();
  write_file(root / "kb" / "catalogues" / "shopflow.json",
             R"({"vendor": "ShopFlow", "language": "en", "code_pattern": "SF-\\d{4}", "errors": [)"
             R"({"code": "SF-2004", "message": "Marketplace token expired"}]})");
  write_file(
      root / "kb" / "articles" / "token.md",
      "---\nid: ebay-token\ntitle: \"eBay sync stops: auth token invalid (SF-2004)\"\nvendor: eBay\n"
      "codes: [SF-2004]\nlanguage: en\n---\n# eBay sync stops\n\n## Symptoms\nOrders stop importing.\n\n"
      "## Cause\nThe eBay token expired.\n");
  write_file(
      root / "kb" / "articles" / "http.md",
      "---\nid: http-503\ntitle: Webhook target answers 503\nvendor: ParcelHub\ncodes: [\"HTTP 503\"]\n"
      "language: en\n---\n# Webhook target answers 503\n\n## Cause\nThe target is down.\n");
  ASSERT_NO_FATAL_FAILURE(index_kb(root));
  EngineOptions engine_options;
  engine_options.index_dir = root / "index";
  auto engine = Engine::Open(engine_options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  std::set<std::string> docs;
  for (const auto& hit : search_for(**engine, "SF-2004", "ShopFlow").hits) docs.insert(hit.doc_id);
  EXPECT_EQ(docs, (std::set<std::string>{"shopflow:SF-2004", "ebay-token"}));
  std::map<std::string, int64_t, std::less<>> expected = {{"ShopFlow", 1}, {"eBay", 1}};
  EXPECT_EQ(search_for(**engine, "SF-2004").facets["vendor"], expected);
  EXPECT_EQ(search_for(**engine, "webhook target", "ParcelHub").hits.size(), 1u);
  EXPECT_TRUE(search_for(**engine, "webhook target", "http").hits.empty());
}

TEST(ReadingVendor, AFamilysMakerACataloguesVendorAndNoneForAStandardOrAGenericReading) {
  auto reading = [](std::string family, std::string ns) {
    CodeInterpretation r;
    r.family = std::move(family);
    r.ns = std::move(ns);
    return r;
  };
  EXPECT_EQ(reading_vendor(reading("hresult", "windows")), "Microsoft");
  EXPECT_EQ(reading_vendor(reading("bugcheck", "windows")), "Microsoft");
  EXPECT_EQ(reading_vendor(reading("vendor", "ShopFlow")), "ShopFlow");
  EXPECT_EQ(reading_vendor(reading("oracle", "oracle")), "oracle");
  EXPECT_EQ(reading_vendor(reading("http", "http")), "");
  EXPECT_EQ(reading_vendor(reading("sqlstate", "sql")), "");
  EXPECT_EQ(reading_vendor(reading("literal", "")), "");
  EXPECT_EQ(reading_vendor(reading("symbol", "")), "");
}

}  // namespace
}  // namespace errkb

namespace errkb {
namespace {

// What the catalogues taught is kept beside the index (schema::kTaughtFileName): a rebuild writes it
// beside its tables file; without it the first start teaches and writes it, the next reads it and
// finds the same codes; a copy cut short or made for
// another catalogue revision is taught again and replaced.
TEST(TaughtCatalogueKept, TheNextStartReadsWhatTheFirstTaught) {
  TempDir dir{"errkb-taught-kept"};
  const fs::path root = dir.path();
  const fs::path source = fs::path(ERRKB_SOURCE_DIR) / "data" / "catalogues";
  fs::create_directories(root / "kb" / "catalogues");
  for (const char* name : {"shopflow.json", "ebay-trading-errors.json"})
    fs::copy_file(source / name, root / "kb" / "catalogues" / name, fs::copy_options::overwrite_existing);
  ASSERT_NO_FATAL_FAILURE(index_kb(root));
  auto generation = live_generation(root / "index");
  ASSERT_TRUE(generation.ok()) << generation.status().ToString();
  Xapian::Database db(generation->string());
  store::PassageFileReader passages;
  ASSERT_TRUE(passages.open(*generation / schema::kPassageFileName).ok());
  const fs::path kept = *generation / schema::kTaughtFileName;
  const std::string texts =
      "ShopFlow error SF-1001 then api_key_invalid; eBay error 21919300; the sync said API KEY INVALID twice";
  auto described = [&](const CodeGrammar& g) {
    std::string out;
    for (const auto& o : g.find_codes(texts))
      for (const auto& r : o.interpretations) out += r.canonical + "|" + r.name + "|" + r.message + "\n";
    return out;
  };

  CodeGrammar taught;
  store::teach_grammar_from_index(db, passages, taught);
  const std::string expected = described(taught);
  ASSERT_NE(expected.find("shopflow:sf-1001|API_KEY_INVALID|The API key is not valid."), std::string::npos)
      << expected;

  EXPECT_TRUE(fs::exists(kept)) << "written by the rebuild, beside its tables file";
  fs::remove(kept);
  CodeGrammar first;
  store::teach_grammar_kept_beside(db, passages, first, *generation, "rev-1");
  ASSERT_TRUE(fs::exists(kept));
  EXPECT_EQ(described(first), expected);
  const auto written = fs::last_write_time(kept);

  CodeGrammar next;
  store::teach_grammar_kept_beside(db, passages, next, *generation, "rev-1");
  EXPECT_EQ(described(next), expected);
  EXPECT_EQ(next.taught_bytes(), first.taught_bytes());
  EXPECT_EQ(fs::last_write_time(kept), written) << "read, not written again";

  fs::resize_file(kept, fs::file_size(kept) / 2);
  CodeGrammar after_cut;
  store::teach_grammar_kept_beside(db, passages, after_cut, *generation, "rev-1");
  EXPECT_EQ(described(after_cut), expected);
  CodeGrammar other_revision;
  store::teach_grammar_kept_beside(db, passages, other_revision, *generation, "rev-2");
  EXPECT_EQ(described(other_revision), expected);
  CodeGrammar read_again;
  store::teach_grammar_kept_beside(db, passages, read_again, *generation, "rev-2");
  EXPECT_EQ(read_again.taught_bytes(), first.taught_bytes());

  // An indexer reads the kept file and, when it has to teach, leaves writing it to the servers.
  const auto kept_for_rev_2 = fs::last_write_time(kept);
  CodeGrammar other_reader;
  store::teach_grammar_kept_beside(db, passages, other_reader, *generation, "rev-3", /*keep=*/false);
  EXPECT_EQ(described(other_reader), expected);
  EXPECT_EQ(fs::last_write_time(kept), kept_for_rev_2);
  CodeGrammar reader;
  store::teach_grammar_kept_beside(db, passages, reader, *generation, "rev-2", /*keep=*/false);
  EXPECT_EQ(reader.taught_bytes(), first.taught_bytes());
}

}  // namespace
}  // namespace errkb
