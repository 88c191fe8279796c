// The hot responses' direct JSON writer gives the same bytes as building a nlohmann::json and dumping it.
// The tree mapping below is the reference: the plain statement of each response's shape.
#include "json_mapping.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace errkb::server::test {
namespace {

using nlohmann::json;

// Numbers as the API shows them (4 decimals), and text fields left out when empty.
double rounded(double x) { return std::isfinite(x) ? std::round(x * 1e4) / 1e4 : x; }

json with_texts(json object, std::initializer_list<std::pair<const char*, const std::string*>> texts) {
  for (const auto& [name, text] : texts)
    if (!text->empty()) object[name] = *text;
  return object;
}

json to_json(const CodeInterpretation& c) {
  json parts = json::object();
  for (const auto& [name, value] : c.parts) parts[name] = value;
  return with_texts(
      {
          {"family", c.family},
          {"canonical", c.canonical},
          {"value", c.value ? json(*c.value) : json(nullptr)},
          {"parts", std::move(parts)},
          {"confidence", rounded(c.confidence)},
          {"certain", c.certain},
      },
      {{"namespace", &c.ns}, {"name", &c.name}, {"message", &c.message}});
}

json to_json(const CodeOccurrence& o) {
  json interpretations = json::array();
  for (const auto& i : o.interpretations) interpretations.push_back(to_json(i));
  return {
      {"raw", o.raw}, {"begin", o.begin}, {"end", o.end}, {"interpretations", std::move(interpretations)}};
}

json to_json(const Hit& h) {
  return with_texts({{"id", h.id},
                     {"doc_id", h.doc_id},
                     {"kind", h.kind},
                     {"title", h.title},
                     {"score", rounded(h.score)},
                     {"codes", h.codes}},
                    {{"heading", &h.heading},
                     {"url", &h.url},
                     {"snippet", &h.snippet},
                     {"language", &h.language},
                     {"vendor", &h.vendor},
                     {"product", &h.product},
                     {"severity", &h.severity}});
}

json facets_to_json(const Facets& facets) {
  json out = json::object();
  for (const auto& [name, counts] : facets) {
    std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    json values = json::array();
    for (const auto& [value, count] : sorted) values.push_back({{"value", value}, {"count", count}});
    out[name] = std::move(values);
  }
  return out;
}

json to_json(const Evidence& e);
json to_json(const Cause& c);
json to_json(const NextQuestion& q);
json to_json(const QuestionAnswer& a);

template <typename T>
json array_of(const std::vector<T>& items) {
  json out = json::array();
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

json to_json(const SearchResponse& r) {
  return {
      {"total", r.total},           {"hits", array_of(r.hits)},   {"facets", facets_to_json(r.facets)},
      {"codes", array_of(r.codes)}, {"suggestion", r.suggestion}, {"language", r.language},
  };
}

json to_json(const Evidence& e) {
  return with_texts(
      {{"passage_id", e.passage_id}, {"doc_id", e.doc_id}, {"kind", e.kind}, {"title", e.title}},
      {{"url", &e.url}, {"snippet", &e.snippet}});
}

json to_json(const Cause& c) {
  json why = json::array();
  for (const auto& w : c.why)
    why.push_back(with_texts({{"factor", w.factor}, {"value", rounded(w.value)}}, {{"detail", &w.detail}}));
  json out = with_texts(
      {
          {"id", c.id},
          {"title", c.title},
          {"checks", c.checks},
          {"resolutions", c.resolutions},
          {"catalogue_only", c.catalogue_only},
          {"confidence", rounded(c.confidence)},
          {"score", rounded(c.score)},
          {"evidence", array_of(c.evidence)},
          {"why", std::move(why)},
      },
      {{"cause", &c.cause},
       {"prevention", &c.prevention},
       {"language", &c.language},
       {"vendor", &c.vendor},
       {"product", &c.product}});
  if (c.number > 0) out["number"] = c.number;
  return out;
}

json to_json(const QuestionAnswer& a) { return {{"answer", a.answer}, {"cause_ids", a.cause_ids}}; }

json to_json(const NextQuestion& q) {
  return with_texts({{"question", q.question}, {"split", rounded(q.split)}, {"answers", array_of(q.answers)}},
                    {{"reason", &q.reason}});
}

json to_json(const Diagnosis& d) {
  json out = with_texts({{"diagnosis_id", d.diagnosis_id},
                         {"codes", array_of(d.codes)},
                         {"causes", array_of(d.causes)},
                         {"ask", array_of(d.ask)},
                         {"answered", d.answered}},
                        {{"language", &d.language},
                         {"answer_language", &d.answer_language},
                         {"language_note", &d.language_note},
                         {"no_answer_reason", &d.no_answer_reason}});
  if (d.reply)
    out["reply"] = {{"language", d.reply->language},
                    {"text", d.reply->text},
                    {"cause_id", d.reply->cause_id},
                    {"evidence", d.reply->evidence}};
  return out;
}

json to_json(const CodeLookup& l) {
  json causes = json::object();
  for (const auto& [canonical, list] : l.causes) causes[canonical] = array_of(list);
  return {
      {"code", l.code},
      {"interpretations", array_of(l.interpretations)},
      {"catalogue_entries", array_of(l.catalogue_entries)},
      {"causes", std::move(causes)},
  };
}

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
  c.why = {{"exact_code", 3.0, text},
           {"freshness", 1e-7, ""},
           {"votes", 1e21, "big"},
           {"nan", std::numeric_limits<double>::quiet_NaN(), ""},
           {"inf", std::numeric_limits<double>::infinity(), ""}};
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

// The writer skips plain ASCII eight bytes at a time: every byte it must look at, at every place of such
// a word and in the bytes after the last whole word.
TEST(JsonText, EachEscapedOrMultiByteCharacterAtEveryPlaceOfAWord) {
  for (const std::string special : {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", " ", "~", "\xC3\xA9", "\xC3("})
    for (size_t length = 0; length <= 20; ++length)
      for (size_t at = 0; at <= length; ++at) {
        std::string text(length, 'a');
        text.insert(at, special);
        SearchResponse r;
        r.suggestion = text;
        ASSERT_EQ(to_json_text(r), dump(to_json(r))) << length << " " << at;
      }
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
    diagnosis.causes.front().number = 2;
    diagnosis.ask = {{text, "why", 0.5, {{"yes", {"kb/a#1"}}, {text, {}}}}, {}};
    diagnosis.language = "ru";
    diagnosis.answered = true;
    diagnosis.answer_language = text;
    diagnosis.language_note = text;
    diagnosis.no_answer_reason = text;
    diagnosis.reply = ReplyDraft{"ru", text, "kb/a#1", {"kb/a#1", text}};
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
