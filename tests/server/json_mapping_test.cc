// The hot responses' direct JSON writer gives the same bytes as building a nlohmann::json and dumping it.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "json_mapping.h"

namespace errkb::server::test {
namespace {

// Text with everything the writer escapes or passes through: quotes, backslashes, control characters,
// DEL, multi-byte UTF-8, and (in the second) invalid UTF-8 that must be replaced the way dump() does.
const std::string kTricky = "a \"quoted\" \\path\\ \b\f\n\r\t \x01\x1f\x7f é Ошибка 错误 😀 <mark>x</mark>";
const std::string kInvalid = std::string("bad \xC3( \xE2\x82 \xF0\x9F\x98 \xED\xA0\x80 \xFF end");

CodeInterpretation interpretation(const std::string& text) {
  CodeInterpretation c;
  c.family = "hresult";
  c.ns = "windows";
  c.canonical = "hresult:80070005";
  c.name = text;
  c.value = -2147024891;
  c.parts = {{"severity", "1"}, {"facility", text}, {"code", "5"}, {"facility", "win32"}};
  c.message = text;
  c.confidence = 0.1 + 0.2;
  c.certain = false;
  return c;
}

Cause cause(const std::string& text) {
  Cause c;
  c.id = "kb/a#1";
  c.title = text;
  c.cause = text;
  c.checks = {text, ""};
  c.resolutions = {"Run as administrator", text};
  c.confidence = 1.0 / 3.0;
  c.score = 3.4974373716632441;
  c.evidence = {{"kb/a#1", "kb/a", "article", text, "https://x.example/?a=1&b=\"2\"", text}, {}};
  c.why = {{"exact_code", 3.0, text}, {"freshness", 1e-7, ""}, {"votes", 1e21, "big"},
           {"nan", std::numeric_limits<double>::quiet_NaN(), ""}, {"inf", std::numeric_limits<double>::infinity(), ""}};
  c.language = "en";
  return c;
}

Hit hit(const std::string& text) {
  Hit h;
  h.id = "id";
  h.title = text;
  h.snippet = text;
  h.score = 0.05;
  h.codes = {"a", text};
  return h;
}

TEST(JsonText, SameBytesAsDumpingTheJsonTree) {
  for (const std::string& text : {kTricky, kInvalid, std::string()}) {
    SearchResponse search;
    search.total = 1234567890123;
    search.hits = {hit(text), Hit{}};
    search.facets["kind"] = {{"article", 3}, {"forum", 7}, {text, 3}};
    search.facets["vendor"] = {};
    CodeOccurrence occurrence;
    occurrence.raw = text;
    occurrence.begin = 3;
    occurrence.end = 17;
    occurrence.interpretations = {interpretation(text), CodeInterpretation{}};
    search.codes = {occurrence};
    search.suggestion = text;
    search.language = "en";
    EXPECT_EQ(to_json_text(search), dump(to_json(search)));
    EXPECT_EQ(to_json_text(SearchResponse{}), dump(to_json(SearchResponse{})));

    Diagnosis diagnosis;
    diagnosis.diagnosis_id = "d-1";
    diagnosis.codes = {occurrence};
    diagnosis.causes = {cause(text), Cause{}};
    diagnosis.ask = {{text, "why", 0.5}, {}};
    diagnosis.language = "ru";
    EXPECT_EQ(to_json_text(diagnosis), dump(to_json(diagnosis)));
    EXPECT_EQ(to_json_text(Diagnosis{}), dump(to_json(Diagnosis{})));

    CodeLookup lookup;
    lookup.code = text;
    lookup.interpretations = {interpretation(text)};
    lookup.catalogue_entries = {hit(text)};
    lookup.causes["hresult:80070005"] = {cause(text)};
    lookup.causes["win32:5"] = {};
    EXPECT_EQ(to_json_text(lookup), dump(to_json(lookup)));
    EXPECT_EQ(to_json_text(CodeLookup{}), dump(to_json(CodeLookup{})));
  }
}

}  // namespace
}  // namespace errkb::server::test
