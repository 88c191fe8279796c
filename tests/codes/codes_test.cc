// The error-code grammar. Most behaviour is pinned by tests/codes/cases.tsv (one case a line:
// text, expected canonical readings, context vendor, note); the tests below cover what a table
// cannot say well: time on a 10 MB line, interpret(), teaching, patterns, JSON and spans.
#include "errkb/codes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "errkb/api_json.h"

namespace errkb {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      out.push_back(n == 'n' ? '\n' : n == 't' ? '\t' : n);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Thread CPU time: a machine shared with builds stretches wall time, not the work done.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string fixture(const std::string& name) {
  return std::string(ERRKB_SOURCE_DIR) + "/tests/codes/" + name;
}

// The grammar as the cases expect it: built-ins plus tests/codes/catalogue.tsv and the code shapes of
// tests/codes/shapes.txt (as a KB's titles teach them).
CodeGrammar taught_grammar() {
  CodeGrammar g;
  std::ifstream shapes(fixture("shapes.txt"));
  EXPECT_TRUE(shapes.good()) << "missing shapes.txt";
  for (std::string shape; std::getline(shapes, shape);) {
    if (!shape.empty() && shape[0] != '#') {
      EXPECT_TRUE(g.add_code_shape(shape)) << shape;
    }
  }
  std::ifstream in(fixture("catalogue.tsv"));
  EXPECT_TRUE(in.good()) << "missing catalogue.tsv";
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, '\t');
    if (f.size() < 4) continue;
    g.add_catalogue_code({f[0], f[1], f[2], f[3]});
  }
  return g;
}

// "a|b,c": occurrences separated by ',', readings of one occurrence by '|', best first.
std::string render(const std::vector<CodeOccurrence>& occs) {
  std::string out;
  for (size_t i = 0; i < occs.size(); ++i) {
    if (i) out += ",";
    for (size_t k = 0; k < occs[i].interpretations.size(); ++k) {
      if (k) out += "|";
      out += occs[i].interpretations[k].canonical;
    }
  }
  return out.empty() ? "-" : out;
}

TEST(CodeCases, EveryLineOfCasesTsv) {
  CodeGrammar g = taught_grammar();
  std::ifstream in(fixture("cases.tsv"));
  ASSERT_TRUE(in.good()) << "missing cases.tsv";
  std::string line;
  int lineno = 0, cases = 0, negatives = 0, ambiguous = 0, failures = 0;
  std::ostringstream report;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, '\t');
    if (f.size() < 2) {
      report << "cases.tsv:" << lineno << ": malformed line\n";
      ++failures;
      continue;
    }
    const std::string text = unescape(f[0]);
    const std::string expected = f[1].empty() ? "-" : f[1];
    CodeContext ctx;
    if (f.size() > 2 && !f[2].empty()) {
      auto vp = split(f[2], ';');
      ctx.vendor = vp[0];
      if (vp.size() > 1) ctx.product = vp[1];
    }
    ++cases;
    if (expected == "-") ++negatives;
    if (expected.find('|') != std::string::npos) ++ambiguous;
    const auto occs = g.find_codes(text, ctx);
    const std::string got = render(occs);
    if (got != expected) {
      ++failures;
      report << "cases.tsv:" << lineno << ": " << text << "\n    expected " << expected << "\n    got      "
             << got << "\n";
    }
    // Invariants of every answer: ordered, non-overlapping spans inside the text, raw = the span,
    // canonical terms in lower case without spaces, certain readings only when unambiguous.
    size_t last_end = 0;
    for (const auto& o : occs) {
      EXPECT_LE(last_end, o.begin) << "line " << lineno;
      EXPECT_LT(o.begin, o.end) << "line " << lineno;
      EXPECT_LE(o.end, text.size()) << "line " << lineno;
      EXPECT_EQ(o.raw, text.substr(o.begin, o.end - o.begin)) << "line " << lineno;
      EXPECT_FALSE(o.interpretations.empty()) << "line " << lineno;
      for (const auto& r : o.interpretations) {
        for (char c : r.canonical) {
          EXPECT_FALSE(c == ' ' || (c >= 'A' && c <= 'Z')) << "line " << lineno << ": " << r.canonical;
        }
      }
      last_end = o.end;
    }
  }
  EXPECT_EQ(failures, 0) << failures << " of " << cases << " cases failed:\n" << report.str();
  EXPECT_GE(cases, 250);
  EXPECT_GE(negatives, 60);
  EXPECT_GE(ambiguous, 10);
}

TEST(CodeGrammarTest, TenMegabyteLineIsLinear) {
  CodeGrammar g = taught_grammar();
  // One line, no newline: prose, numbers that are not codes, and one code every ~100 bytes.
  const std::string unit =
      "Customer says the sync failed again at 10:30 with error 0x80070005 after upgrading to v2.3.1, "
      "paid $500 for 500 MB; ";
  std::string text;
  size_t units = 0;
  while (text.size() < 10u * 1024 * 1024) {
    text += unit;
    ++units;
  }
  const double t0 = cpu_seconds();
  const auto occs = g.find_codes(text);
  const double secs = cpu_seconds() - t0;
  EXPECT_EQ(occs.size(), units);
  EXPECT_LT(secs, 10.0) << "10 MB took " << secs << " s";

  // Adversarial shapes (one giant token, runs of joiners, a cue or a stop line repeated without
  // end): time must grow linearly. 10 MB may not take much more than ten times 1 MB.
  auto seconds_for = [&](const std::string& piece, size_t bytes, size_t* found) {
    std::string s;
    s.reserve(bytes + piece.size());
    while (s.size() < bytes) s += piece;
    const double start = cpu_seconds();
    *found = g.find_codes(s).size();
    return cpu_seconds() - start;
  };
  for (const std::string& piece :
       {std::string("a-1"), std::string("1."), std::string("error "), std::string("0x"),
        std::string("ERROR 1045 ("), std::string("STOP: 0x7B (0x1,"), std::string("inaccessible boot "),
        std::string("ORA-"), std::string("0x7B "), std::string("1603 "), std::string("error 5 ")}) {
    size_t small_found = 0, big_found = 0;
    // Best of two for the small input, so that a busy machine does not fake a blow-up; quadratic
    // growth would be ~100 times, linear is ~10.
    const double small =
        std::min(seconds_for(piece, 1u << 20, &small_found), seconds_for(piece, 1u << 20, &small_found));
    const double big = seconds_for(piece, 10u << 20, &big_found);
    EXPECT_LT(big, 25 * small + 1.0) << "'" << piece << "': 1 MB " << small << " s, 10 MB " << big << " s";
    EXPECT_LT(big, 30.0) << "'" << piece << "'";
    EXPECT_GE(big_found, small_found) << "'" << piece << "'";
    EXPECT_LE(big_found, kMaxCodeOccurrences) << "'" << piece << "'";
  }
}

TEST(CodeGrammarTest, InterpretReadsOneCodeAsTyped) {
  CodeGrammar g;
  auto r = g.interpret("0x80070005");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].canonical, "hresult:80070005");
  EXPECT_EQ(r[0].family, "hresult");
  EXPECT_EQ(r[0].name, "E_ACCESSDENIED");
  EXPECT_TRUE(r[0].certain);
  ASSERT_TRUE(r[0].value.has_value());
  EXPECT_EQ(*r[0].value, 0x80070005ll);
  EXPECT_EQ(r[1].canonical, "win32:5");
  EXPECT_EQ(r[1].name, "ERROR_ACCESS_DENIED");
  EXPECT_EQ(r[2].canonical, "hex:80070005");
  EXPECT_EQ(r[2].family, "literal");
  bool has_facility = false;
  for (const auto& [k, v] : r[0].parts) has_facility = has_facility || (k == "facility" && v == "7");
  EXPECT_TRUE(has_facility);

  for (const char* spelling :
       {"80070005", "0X80070005", "0x80070005L", "-2147024891", "2147942405", "E_ACCESSDENIED"}) {
    auto s = g.interpret(spelling);
    ASSERT_FALSE(s.empty()) << spelling;
    EXPECT_EQ(s[0].canonical, "hresult:80070005") << spelling;
  }
  EXPECT_EQ(g.interpret("ORA-942")[0].canonical, "ora:942");
  EXPECT_EQ(g.interpret("ORA-00942")[0].canonical, "ora:942");
  EXPECT_EQ(g.interpret("STOP 0x0000007B")[0].canonical, "bugcheck:7b");

  // "error 5" and a bare "5" are ambiguous: every plausible reading, none certain, Win32 first.
  for (const char* typed : {"error 5", "5"}) {
    auto five = g.interpret(typed);
    ASSERT_GE(five.size(), 4u) << typed;
    EXPECT_EQ(five[0].canonical, "win32:5");
    EXPECT_EQ(five[1].canonical, "errno:5");
    EXPECT_EQ(five[1].name, "EIO");
    for (const auto& x : five) {
      EXPECT_FALSE(x.certain) << x.canonical;
      EXPECT_NE(x.family, "http");
    }
  }
  // Context decides the order.
  auto linux_five = g.interpret("error 5", CodeContext{"Linux", ""});
  EXPECT_EQ(linux_five[0].canonical, "errno:5");
  auto sqlite_five = g.interpret("error 5", CodeContext{"", "SQLite"});
  EXPECT_EQ(sqlite_five[0].canonical, "sqlite:5");
  EXPECT_TRUE(g.interpret("hello world").empty());

  // One plausible family but nothing that names the code: not certain.
  auto exit137 = g.interpret("exit code 137");
  ASSERT_EQ(exit137.size(), 2u);
  EXPECT_EQ(exit137[0].canonical, "win32:137");
  EXPECT_FALSE(exit137[0].certain);
  EXPECT_EQ(exit137[1].canonical, "num:137");

  // Canonical terms typed back read as themselves.
  for (const char* canonical :
       {"hresult:80070005", "win32:5", "ntstatus:c0000022", "bugcheck:7b", "ora:942", "tns:12154",
        "sqlstate:42p01", "http:503", "ebay:21919300", "kb:5005565", "code:abc-1234",
        "symbol:err_connection_refused", "exception:java.lang.outofmemoryerror", "hex:7b", "num:208",
        "http:403.14", "event:1000"}) {
    auto back = g.interpret(canonical);
    ASSERT_EQ(back.size(), 1u) << canonical;
    EXPECT_EQ(back[0].canonical, canonical);
  }
  EXPECT_EQ(g.interpret("HRESULT:80070005")[0].canonical, "hresult:80070005");
  EXPECT_TRUE(g.interpret("acme:x1").empty()) << "an untaught vendor prefix is no canonical term";
  g.add_catalogue_code({"Acme", "X1", "", ""});
  EXPECT_EQ(g.interpret("acme:x1")[0].canonical, "acme:x1");
}

TEST(CodeGrammarTest, CatalogueCodesMeetProseSpellings) {
  CodeGrammar g;
  struct Case {
    const char* vendor;
    const char* code;
    const char* prose;
    const char* canonical;
  };
  const Case cases[] = {
      {"win32", "5", "Windows error 5", "win32:5"},
      {"hresult", "0x80070005", "failed with 0x80070005", "hresult:80070005"},
      {"ntstatus", "0xC0000022", "status 0xC0000022", "ntstatus:c0000022"},
      {"bugcheck", "0x7B", "STOP 0x0000007B", "bugcheck:7b"},
      {"errno", "13", "errno 13", "errno:13"},
      {"http", "503", "HTTP 503", "http:503"},
      {"sqlstate", "28000", "SQLSTATE 28000", "sqlstate:28000"},
      {"curl", "7", "curl: (7) Failed to connect", "curl:7"},
      {"sqlite", "5", "SQLITE_BUSY", "sqlite:5"},
      {"sqlite", "261", "SQLITE_BUSY_RECOVERY", "sqlite:261"},
      {"mysql", "1045", "ERROR 1045 (28000): Access denied", "mysql:1045"},
      {"ebay", "21919300", "eBay error 21919300", "ebay:21919300"},
      {"eBay", "21919300", "<ErrorCode>21919300</ErrorCode>", "ebay:21919300"},
      {"oracle", "ORA-00942", "ORA-942", "ora:942"},
      {"oracle", "TNS-12154", "TNS-12154", "tns:12154"},
      {"ShopFlow", "SF-2001", "SF-2001", "shopflow:sf-2001"},
  };
  for (const auto& c : cases) {
    auto readings = g.interpret_catalogue_code(c.vendor, c.code);
    ASSERT_FALSE(readings.empty()) << c.vendor << " " << c.code;
    EXPECT_EQ(readings[0].canonical, c.canonical) << c.vendor << " " << c.code;
    if (std::string(c.vendor) == "ShopFlow") g.add_catalogue_code({c.vendor, c.code, "", ""});
    auto occs = g.find_codes(c.prose);
    ASSERT_FALSE(occs.empty()) << c.prose;
    EXPECT_EQ(occs[0].interpretations[0].canonical, c.canonical) << c.prose;
  }
  EXPECT_EQ(g.interpret_catalogue_code("Shop Flow", "AB 12")[0].canonical, "shopflow:ab12");
  // Catalogues write Windows values in several ways; all meet on one canonical.
  for (const char* written :
       {"0x80070005", "80070005", "0X80070005", "-2147024891", "2147942405", "E_ACCESSDENIED"})
    EXPECT_EQ(g.interpret_catalogue_code("hresult", written)[0].canonical, "hresult:80070005") << written;
  for (const char* written : {"0xC0000022", "C0000022", "c0000022", "STATUS_ACCESS_DENIED", "-1073741790"})
    EXPECT_EQ(g.interpret_catalogue_code("ntstatus", written)[0].canonical, "ntstatus:c0000022") << written;
  for (const char* written : {"0x7B", "0x0000007B", "7B", "INACCESSIBLE_BOOT_DEVICE"})
    EXPECT_EQ(g.interpret_catalogue_code("bugcheck", written)[0].canonical, "bugcheck:7b") << written;
  EXPECT_EQ(g.interpret_catalogue_code("win32", "ERROR_ACCESS_DENIED")[0].canonical, "win32:5");
  EXPECT_EQ(g.interpret_catalogue_code("errno", "EACCES")[0].canonical, "errno:13");
  EXPECT_EQ(g.interpret_catalogue_code("curl", "CURLE_COULDNT_CONNECT")[0].canonical, "curl:7");
  EXPECT_EQ(g.interpret_catalogue_code("sqlite", "SQLITE_BUSY")[0].canonical, "sqlite:5");
  EXPECT_EQ(g.interpret_catalogue_code("sqlstate", "42P01")[0].canonical, "sqlstate:42p01");
  EXPECT_EQ(g.interpret_catalogue_code("oracle", "PLS-00201")[0].canonical, "pls:201");
  EXPECT_EQ(g.interpret_catalogue_code("mysql", "1045")[0].name, "ER_ACCESS_DENIED_ERROR");
  EXPECT_EQ(g.interpret_catalogue_code("eBay", "21919300", "QUANTITY_INVALID")[0].name, "QUANTITY_INVALID");
  // A system vendor whose code does not parse still gets a stable term in its namespace.
  EXPECT_EQ(g.interpret_catalogue_code("http", "5xx")[0].canonical, "http:5xx");
  EXPECT_EQ(g.interpret_catalogue_code("Acme", "X-9", "ACME_X")[0].name, "ACME_X");
}

TEST(CodeGrammarTest, TeachingNamesVendorsAndNumbers) {
  CodeGrammar g;
  // Before teaching: the lower-case words are prose, the vendor code is generic.
  EXPECT_TRUE(g.find_codes("the pc shows inaccessible boot device on start").empty());
  EXPECT_EQ(render(g.find_codes("sync stops with SF-2001")), "code:sf-2001");
  EXPECT_EQ(render(g.find_codes("got 21919300 when revising", CodeContext{"eBay", ""})), "-");

  g.add_catalogue_code({"bugcheck", "0x7B", "INACCESSIBLE_BOOT_DEVICE", "lost the boot device"});
  g.add_catalogue_code({"ShopFlow", "SF-2001", "SYNC_TOKEN_EXPIRED", "token expired"});
  g.add_catalogue_code({"eBay", "21919300", "", "Quantity invalid"});
  auto occs = g.find_codes("the pc shows Inaccessible Boot Device on start");
  ASSERT_EQ(occs.size(), 1u);
  EXPECT_EQ(occs[0].raw, "Inaccessible Boot Device");
  EXPECT_EQ(occs[0].interpretations[0].canonical, "bugcheck:7b");
  EXPECT_EQ(render(g.find_codes("sync stops with SF-2001")), "shopflow:sf-2001");
  EXPECT_EQ(render(g.find_codes("sync stops with SYNC_TOKEN_EXPIRED")), "shopflow:sf-2001");
  EXPECT_EQ(render(g.find_codes("ShopFlow error 2001")), "shopflow:2001|num:2001");
  // A bare number equal to a taught code counts only when its vendor is in context.
  EXPECT_EQ(render(g.find_codes("got 21919300 when revising", CodeContext{"eBay", ""})),
            "ebay:21919300|num:21919300");
  EXPECT_EQ(render(g.find_codes("eBay said 21919300 when revising")), "ebay:21919300|num:21919300");
  EXPECT_EQ(render(g.find_codes("order 21919300 was shipped")), "-");
  // What the catalogue says is what explain shows.
  auto ebay = g.find_codes("eBay error 21919300");
  ASSERT_EQ(ebay.size(), 1u);
  EXPECT_EQ(ebay[0].interpretations[0].message, "Quantity invalid");
  // A catalogue that explains a code vouches for it, though the entry has no symbolic name.
  for (const auto& text : {"eBay error 21919300", "eBay said 21919300 when revising"}) {
    auto found = g.find_codes(text);
    ASSERT_EQ(found.size(), 1u) << text;
    EXPECT_TRUE(found[0].interpretations[0].certain) << text;
  }
  auto in_context = g.find_codes("got 21919300 when revising", CodeContext{"eBay", ""});
  ASSERT_EQ(in_context.size(), 1u);
  EXPECT_TRUE(in_context[0].interpretations[0].certain);
}

TEST(CodeGrammarTest, VendorPatternsComeFromData) {
  CodeGrammar g;
  EXPECT_EQ(g.add_vendor_pattern("Acme", "ACME-(").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(g.add_vendor_pattern("", "X").code(), Status::Code::kInvalidArgument);
  ASSERT_TRUE(g.add_vendor_pattern("Acme", "ACM[0-9]{3}[A-Z]").ok());
  auto occs = g.find_codes("label failed with ACM123X, retry later; XACM123Y is not one");
  ASSERT_EQ(occs.size(), 1u);
  EXPECT_EQ(occs[0].raw, "ACM123X");
  EXPECT_EQ(occs[0].interpretations[0].canonical, "acme:acm123x");
  // A pattern that also matches a generic spelling takes its place.
  ASSERT_TRUE(g.add_vendor_pattern("ParcelHub", "PH-[0-9]{3}").ok());
  auto ph = g.find_codes("carrier answered PH-101 twice");
  ASSERT_EQ(ph.size(), 1u);
  EXPECT_EQ(ph[0].interpretations[0].canonical, "parcelhub:ph-101");
}

// tests/codes/vendor_patterns.tsv: which patterns a vendor may declare, and what the grammar then reads.
TEST(CodeGrammarTest, VendorPatternsOfVendorPatternsTsv) {
  std::ifstream in(fixture("vendor_patterns.tsv"));
  ASSERT_TRUE(in.good()) << "missing vendor_patterns.tsv";
  int lineno = 0, cases = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, '\t');
    ASSERT_GE(f.size(), 2u) << "vendor_patterns.tsv:" << lineno << ": malformed line";
    const std::string& pattern = f[0];
    const std::string& outcome = f[1];
    const std::string text = f.size() > 2 ? f[2] : "the disk said error while the connection timed out";
    const std::string codes = f.size() > 3 ? f[3] : "-";
    CodeGrammar g;
    const Status s = g.add_vendor_pattern("Acme", pattern);
    if (outcome == "accepted") {
      EXPECT_TRUE(s.ok()) << "vendor_patterns.tsv:" << lineno << ": " << pattern << ": " << s.ToString();
    } else {
      EXPECT_EQ(s.code(), Status::Code::kInvalidArgument)
          << "vendor_patterns.tsv:" << lineno << ": " << pattern;
      EXPECT_NE(s.message().find(outcome), std::string::npos)
          << "vendor_patterns.tsv:" << lineno << ": " << pattern << ": expected \"" << outcome << "\" in \""
          << s.message() << "\"";
    }
    EXPECT_EQ(render(g.find_codes(text)), codes) << "vendor_patterns.tsv:" << lineno << ": " << pattern;
    ++cases;
  }
  EXPECT_GE(cases, 10);
}

TEST(CodeGrammarTest, SpansIncludeTheCueTheyNeeded) {
  CodeGrammar g;
  auto occs = g.find_codes("Setup says error 5 and HTTP 503; then 0x80070005 and ORA-00942.");
  ASSERT_EQ(occs.size(), 4u);
  EXPECT_EQ(occs[0].raw, "error 5");
  EXPECT_EQ(occs[1].raw, "HTTP 503");
  EXPECT_EQ(occs[2].raw, "0x80070005");
  EXPECT_EQ(occs[3].raw, "ORA-00942");
  auto curl = g.find_codes("curl: (7) Failed to connect; SQLite error (5): database is locked");
  ASSERT_EQ(curl.size(), 2u);
  EXPECT_EQ(curl[0].raw, "curl: (7)");
  EXPECT_EQ(curl[1].raw, "SQLite error (5)");
  auto stop = g.find_codes("*** STOP: 0x0000007B (0xFFFFF880009A9928,0xFFFFFFFFC0000034,0x0,0x0)");
  ASSERT_EQ(stop.size(), 1u);
  EXPECT_EQ(stop[0].raw, "STOP: 0x0000007B");
  auto mysql = g.find_codes("ERROR 1045 (28000): Access denied for user 'root'@'localhost'");
  ASSERT_EQ(mysql.size(), 2u);
  EXPECT_EQ(mysql[0].raw, "ERROR 1045");
  EXPECT_EQ(mysql[1].raw, "28000");
}

TEST(CodeGrammarTest, JsonCarriesEveryField) {
  CodeGrammar g;
  auto json = nlohmann::json::parse(codes_to_json(g.find_codes("failed: 0x80070005 and error 5")));
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 2u);
  const auto& first = json[0];
  EXPECT_EQ(first["raw"], "0x80070005");
  EXPECT_EQ(first["begin"], 8);
  EXPECT_EQ(first["end"], 18);
  const auto& h = first["interpretations"][0];
  EXPECT_EQ(h["family"], "hresult");
  EXPECT_EQ(h["namespace"], "windows");
  EXPECT_EQ(h["canonical"], "hresult:80070005");
  EXPECT_EQ(h["name"], "E_ACCESSDENIED");
  EXPECT_EQ(h["value"], 2147942405ll);
  EXPECT_EQ(h["parts"]["facility"], "7");
  EXPECT_EQ(h["parts"]["win32"], "5");
  EXPECT_EQ(h["message"], "Access is denied");
  EXPECT_EQ(h["certain"], true);
  const auto& ambiguous = json[1]["interpretations"];
  EXPECT_GE(ambiguous.size(), 4u);
  EXPECT_EQ(ambiguous[0]["certain"], false);
  EXPECT_GT(ambiguous[0]["confidence"].get<double>(), ambiguous[3]["confidence"].get<double>());
  // Invalid UTF-8 from users is replaced, not thrown on.
  EXPECT_NO_THROW(nlohmann::json::parse(codes_to_json(g.find_codes("error 5 \xff\xfe"))));
  EXPECT_EQ(codes_to_json({}, -1), "[]");
}

// SMTP codes, snake_case symbols and bare SQLSTATEs: what the cases cannot say (certainty,
// messages, spans, context from the caller, teaching).
TEST(CodeGrammarTest, SmtpSymbolsAndBareSqlstates) {
  CodeGrammar g;
  // "550 5.7.1": two occurrences, both certain, each with its own span and meaning.
  const std::string text = "Remote server returned '550 5.7.1 RESOLVER.RST.AuthRequired'";
  auto occs = g.find_codes(text);
  ASSERT_EQ(occs.size(), 2u);
  EXPECT_EQ(occs[0].raw, "550");
  EXPECT_EQ(occs[1].raw, "5.7.1");
  EXPECT_TRUE(occs[0].interpretations[0].certain);
  EXPECT_TRUE(occs[1].interpretations[0].certain);
  EXPECT_EQ(occs[0].interpretations[0].family, "smtp");
  EXPECT_EQ(occs[1].interpretations[0].message, "Delivery not authorized, message refused");
  auto cued = g.find_codes("SMTP error 550 mailbox unavailable");
  ASSERT_EQ(cued.size(), 1u);
  EXPECT_EQ(cued[0].raw, "SMTP error 550");

  // "5.7.1" alone: a code only in a mail context, from the text or from the caller.
  EXPECT_TRUE(g.find_codes("5.7.1 rejected").empty());
  auto smtp_ctx = g.find_codes("5.7.1 rejected", CodeContext{"SMTP", ""});
  ASSERT_EQ(smtp_ctx.size(), 1u);
  EXPECT_EQ(smtp_ctx[0].interpretations[0].canonical, "smtp:5.7.1");
  auto exchange = g.find_codes("5.7.1 rejected", CodeContext{"Microsoft", "Exchange"});
  ASSERT_EQ(exchange.size(), 1u);
  EXPECT_EQ(g.interpret("550 5.7.1").size(), 3u);  // smtp:550, num:550, smtp:5.7.1
  EXPECT_EQ(g.interpret("smtp:550")[0].canonical, "smtp:550");
  EXPECT_EQ(g.interpret("smtp:5.7.1")[0].canonical, "smtp:5.7.1");
  EXPECT_EQ(g.interpret("iso8583:05")[0].canonical, "iso8583:05");
  EXPECT_EQ(g.interpret("iso8583:05")[0].message, "Do not honor");

  // A catalogue of SMTP codes explains them but does not make versions codes.
  g.add_catalogue_code({"SMTP", "5.7.1", "", "Relay access denied"});
  EXPECT_TRUE(g.find_codes("Upgrade to version 5.7.1").empty());
  EXPECT_TRUE(g.find_codes("MySQL 5.7.1").empty());
  ASSERT_EQ(g.interpret_catalogue_code("SMTP", "5.7.1")[0].canonical, "smtp:5.7.1");

  // Lower-case names are the table's names; unknown snake_case is a symbol nothing vouches for.
  auto lower = g.find_codes("e_accessdenied");
  ASSERT_EQ(lower.size(), 1u);
  EXPECT_EQ(lower[0].interpretations[0].name, "E_ACCESSDENIED");
  EXPECT_TRUE(lower[0].interpretations[0].certain);
  auto snake = g.find_codes("declined: do_not_honor");
  ASSERT_EQ(snake.size(), 1u);
  EXPECT_EQ(snake[0].interpretations[0].canonical, "symbol:do_not_honor");
  EXPECT_FALSE(snake[0].interpretations[0].certain);
  EXPECT_EQ(g.interpret("NET::ERR_CERT_COMMON_NAME_INVALID")[0].canonical,
            g.interpret("net::err_cert_common_name_invalid")[0].canonical);

  // A bare SQLSTATE among PostgreSQL words: ranked first, not certain.
  auto state = g.find_codes("duplicate key value violates unique constraint (23505)");
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].interpretations[0].canonical, "sqlstate:23505");
  EXPECT_FALSE(state[0].interpretations[0].certain);
}

TEST(CodeGrammarTest, VendorNamesOfSeveralWords) {
  CodeGrammar g;
  g.add_catalogue_code({"Shop Flow", "SF-1003", "FEED_REJECTED", "The product feed was rejected"});
  g.add_catalogue_code({"Shop Flow", "48213", "", "Marketplace listing blocked"});
  auto named = g.find_codes("Shop Flow error 77 after the import");
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].raw, "Shop Flow error 77");
  EXPECT_EQ(named[0].interpretations[0].canonical, "shopflow:77");
  // The vendor named in prose admits its long bare numbers, and its codes written without the hyphen.
  auto bare = g.find_codes("shop  flow listing says 48213");
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_EQ(bare[0].interpretations[0].canonical, "shopflow:48213");
  auto no_hyphen = g.find_codes("feed failed with sf1003");
  ASSERT_EQ(no_hyphen.size(), 1u);
  EXPECT_EQ(no_hyphen[0].interpretations[0].canonical, "shopflow:sf-1003");
  EXPECT_EQ(no_hyphen[0].interpretations[0].name, "FEED_REJECTED");
  // One word of the name is not the vendor.
  EXPECT_TRUE(g.find_codes("the flow listing says 48213").empty());
  EXPECT_TRUE(g.find_codes("shop error 77").empty() ||
              g.find_codes("shop error 77")[0].interpretations[0].canonical != "shopflow:77");
}

// Literal readings (codes.h): the digits' value beside the family readings, last, never certain, the same
// term for every spelling of the same digits, whatever family reads them.
TEST(CodeGrammarTest, LiteralReadingsShareTheDigits) {
  CodeGrammar g = taught_grammar();
  auto literal_of = [&](const std::string& text) -> std::string {
    auto occs = g.find_codes(text);
    if (occs.size() != 1) return "occurrences: " + std::to_string(occs.size());
    const auto& readings = occs[0].interpretations;
    const CodeInterpretation& last = readings.back();
    EXPECT_GE(readings.size(), 2u) << text << ": a literal never stands alone";
    EXPECT_EQ(last.family, "literal") << text;
    EXPECT_FALSE(last.certain) << text;
    EXPECT_DOUBLE_EQ(last.confidence, kLiteralConfidence) << text;
    for (size_t k = 0; k + 1 < readings.size(); ++k) EXPECT_NE(readings[k].family, "literal") << text;
    return last.canonical;
  };
  for (const char* spelling : {"0x0000007b", "0x7B", "0x7b", "7Bh", "STOP 0x0000007B", "bugcheck 7B",
                               "0000007B", "BSOD 0x7B", "Windows error 0x7B"})
    EXPECT_EQ(literal_of(spelling), "hex:7b") << spelling;
  for (const char* spelling : {"0x80070005", "80070005", "-2147024891", "0x80070005L"})
    EXPECT_EQ(literal_of(spelling), "hex:80070005") << spelling;
  for (const char* spelling : {"Error 208", "Msg 208", "system error 208", "SQL Server error 208",
                               "error code 208", "MSSQLSERVER_208"})
    EXPECT_EQ(literal_of(spelling), "num:208") << spelling;
  EXPECT_EQ(literal_of("Event ID 1000"), "num:1000");
  EXPECT_EQ(literal_of("Device Manager error code 19"), "num:19");
  // Names, KB numbers and codes that are not numbers have none.
  for (const char* text :
       {"E_ACCESSDENIED", "KB5005565", "ORA-00942", "SQLSTATE 28000", "LNK2019 after error"})
    for (const auto& o : g.find_codes(text))
      for (const auto& r : o.interpretations) EXPECT_NE(r.family, "literal") << text;
  EXPECT_EQ(g.interpret("hex:7b")[0].family, "literal");
}

// Short hex alone: every plausible reading by its value, none certain, the literal last; in a crash
// context the bug check alone.
TEST(CodeGrammarTest, ShortHexKeepsEveryPlausibleReading) {
  CodeGrammar g = taught_grammar();
  auto alone = g.find_codes("0x52E");
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_EQ(render(alone), "win32:1326|hex:52e");
  EXPECT_FALSE(alone[0].interpretations[0].certain);
  EXPECT_EQ(alone[0].interpretations[0].name, "ERROR_LOGON_FAILURE");
  auto crash = g.find_codes("BSOD 0x0000009F");
  ASSERT_EQ(crash.size(), 1u);
  EXPECT_EQ(render(crash), "bugcheck:9f|hex:9f");
  EXPECT_TRUE(crash[0].interpretations[0].certain);
  // Masks and small flags are no codes alone.
  for (const char* text : {"0xFF", "0x10", "0xFFFF", "flags 0x3F"})
    EXPECT_EQ(render(g.find_codes(text)), "-") << text;
}

// A number that only a system family's table knows is that family's by elimination, not certainly:
// errkb knows few families, and the vendor the customer named may be another.
TEST(CodeGrammarTest, ASystemFamilysNumberNeedsItsWordsToBeCertain) {
  CodeGrammar g = taught_grammar();
  auto guessed = g.find_codes("Amazon MWS feed error 8541");
  ASSERT_EQ(guessed.size(), 1u);
  EXPECT_EQ(guessed[0].interpretations[0].canonical, "win32:8541");
  EXPECT_FALSE(guessed[0].interpretations[0].certain);
  EXPECT_LT(guessed[0].interpretations[0].confidence, 0.6);
  auto windows = g.find_codes("Windows error 8541 at logon");
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].interpretations[0].canonical, "win32:8541");
  EXPECT_TRUE(windows[0].interpretations[0].certain);
}

// Letters+digits codes whose letters a KB taught (CodeGrammar::add_code_shape): any case, joined, with a
// space or a hyphen; untaught letters need capitals and a cue.
TEST(CodeGrammarTest, TaughtCodeShapes) {
  CodeGrammar g;
  EXPECT_EQ(render(g.find_codes("LNK2019")), "-");
  EXPECT_EQ(render(g.find_codes("lnk 2019")), "-");
  EXPECT_EQ(render(g.find_codes("error LNK 2019")), "code:lnk2019");
  EXPECT_EQ(render(g.find_codes("error lnk2019")), "code:lnk2019");
  EXPECT_TRUE(g.add_code_shape("code:lnk2019"));
  EXPECT_FALSE(g.add_code_shape("RTX"));
  EXPECT_FALSE(g.add_code_shape("ABCDEFG1234"));
  EXPECT_FALSE(g.add_code_shape("code:lnk-2019"));
  for (const char* spelling : {"LNK2019", "lnk2019", "Lnk2019", "lnk 2019", "LNK 2019", "LNK-2019"}) {
    auto occs = g.find_codes(std::string("unresolved external ") + spelling + " again");
    ASSERT_EQ(occs.size(), 1u) << spelling;
    EXPECT_EQ(occs[0].raw, spelling);
    EXPECT_EQ(occs[0].interpretations[0].canonical, "code:lnk2019") << spelling;
    EXPECT_TRUE(occs[0].interpretations[0].certain) << spelling;
  }
  EXPECT_EQ(render(g.find_codes("LNK-2019")), "code:lnk2019|code:lnk-2019");  // the generic reading stays
  EXPECT_EQ(render(g.find_codes("lnk 20190")), "-") << "five digits were never taught";
  EXPECT_EQ(render(g.find_codes("RTX3080 GPU")), "-");
  EXPECT_EQ(render(g.find_codes("LNK1104")), "code:lnk1104") << "the letters with as many digits";
}

// A title that opens with a letters+digits code names it, without the cue running text needs.
TEST(CodeGrammarTest, ATitleOpeningWithACodeNamesIt) {
  CodeGrammar g;
  auto title_code = [&](std::string_view title) {
    const auto r = g.title_code(title);
    return r ? r->canonical : std::string("-");
  };
  EXPECT_EQ(title_code("AADSTS50020: User account from identity provider does not exist in tenant"),
            "code:aadsts50020");
  EXPECT_EQ(title_code("E1234 - Pump blocked"), "code:e1234");
  EXPECT_EQ(title_code("XYZ2001 \u2013 Sensor offline"), "code:xyz2001");
  EXPECT_EQ(title_code("AADSTS50020"), "code:aadsts50020");
  EXPECT_EQ(g.find_codes("AADSTS50020: User account").size(), 0u) << "in running text it needs a cue";
  for (const char* title :
       {"RTX3080 drivers crash", "Configuring AADSTS50020 handling", "ISO9001: quality", "USB3000: hub",
        "ABCDEFG1234: too many letters", "AB123: too few digits", "2019: a year", "Services overview", ""})
    EXPECT_EQ(title_code(title), "-") << title;
}

}  // namespace
}  // namespace errkb
