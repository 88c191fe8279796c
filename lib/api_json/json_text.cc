#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "errkb/api_json.h"
#include "errkb/text.h"

namespace errkb {
namespace {

// Appends JSON to a string; objects' keys must be given in sorted order (nlohmann's object is a
// std::map, and the texts must be the same as nlohmann's dump()).
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view name) {
    separate();
    string_value(name);
    out_ += ':';
    after_key_ = true;
  }
  void string(std::string_view text) {
    separate();
    string_value(text);
  }
  void number(double x) {
    separate();
    if (!std::isfinite(x)) {
      out_ += "null";
      return;
    }
    char buf[64];
    char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, x);
    out_.append(buf, end);
  }
  void integer(int64_t x) {
    separate();
    out_ += std::to_string(x);
  }
  void unsigned_integer(uint64_t x) {
    separate();
    out_ += std::to_string(x);
  }
  void boolean(bool b) {
    separate();
    out_ += b ? "true" : "false";
  }
  void null() {
    separate();
    out_ += "null";
  }
  // A number as the API shows it: 4 decimals, enough for any score or confidence and free of binary
  // noise (3.4999999999999996).
  void rounded(double x) { number(std::isfinite(x) ? std::round(x * 1e4) / 1e4 : x); }
  // A text field that is left out when empty (the OpenAPI document marks such fields optional).
  void optional_text(std::string_view name, std::string_view text) {
    if (text.empty()) return;
    key(name);
    string(text);
  }
  void strings(const std::vector<std::string>& items) {
    begin_array();
    for (const auto& item : items) string(item);
    end_array();
  }

 private:
  void open(char c) {
    separate();
    out_ += c;
    first_ = true;
  }
  void close(char c) {
    out_ += c;
    first_ = false;
  }
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }
  void string_value(std::string_view text) {
    const size_t start = out_.size();
    bool ascii = true;
    out_ += '"';
    size_t plain = 0;  // start of the run of bytes copied as they are
    for (size_t i = 0; i < text.size(); ++i) {
      // Eight bytes at a time past those that go out as they are: text is mostly plain ASCII, and a byte
      // at a time this loop was the largest part of writing an answer.
      while (i + 8 <= text.size() && !needs_a_look(text.data() + i)) i += 8;
      if (i == text.size()) break;
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (c >= 0x80) ascii = false;
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(text.data() + plain, i - plain);
      plain = i + 1;
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default: {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out_ += buf;
        }
      }
    }
    out_.append(text.data() + plain, text.size() - plain);
    out_ += '"';
    if (!ascii && !is_valid_utf8(text)) {  // rare: let nlohmann replace invalid sequences its own way
      out_.resize(start);
      out_ +=
          nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }

  // Whether one of the 8 bytes at `p` is escaped (a control character, '"', '\\') or not ASCII.
  static bool needs_a_look(const char* p) {
    constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
    uint64_t x;
    std::memcpy(&x, p, sizeof x);
    const auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
    const uint64_t below_space = (x - kOnes * 0x20) & ~x & kHighs;
    return (below_space | has_zero(x ^ (kOnes * '"')) | has_zero(x ^ (kOnes * '\\')) | (x & kHighs)) != 0;
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

// Items are written by the write() overloads below (found when the template is used: JsonWriter is
// in this namespace).
template <typename T>
void write_array(JsonWriter& w, const std::vector<T>& items) {
  w.begin_array();
  for (const auto& item : items) write(w, item);
  w.end_array();
}

void write(JsonWriter& w, const CodeInterpretation& c) {
  std::map<std::string, std::string> parts;
  for (const auto& [name, value] : c.parts) parts[name] = value;
  w.begin_object();
  w.key("canonical"), w.string(c.canonical);
  w.key("certain"), w.boolean(c.certain);
  w.key("confidence"), w.rounded(c.confidence);
  w.key("family"), w.string(c.family);
  w.optional_text("message", c.message);
  w.optional_text("name", c.name);
  w.optional_text("namespace", c.ns);
  w.key("parts"), w.begin_object();
  for (const auto& [name, value] : parts) w.key(name), w.string(value);
  w.end_object();
  w.key("value");
  if (c.value)
    w.integer(*c.value);
  else
    w.null();
  w.end_object();
}

void write(JsonWriter& w, const CodeOccurrence& o) {
  w.begin_object();
  w.key("begin"), w.unsigned_integer(o.begin);
  w.key("end"), w.unsigned_integer(o.end);
  w.key("interpretations"), write_array(w, o.interpretations);
  w.key("raw"), w.string(o.raw);
  w.end_object();
}

void write(JsonWriter& w, const Hit& h) {
  w.begin_object();
  w.key("codes"), w.strings(h.codes);
  w.key("doc_id"), w.string(h.doc_id);
  w.optional_text("heading", h.heading);
  w.key("id"), w.string(h.id);
  w.key("kind"), w.string(h.kind);
  w.optional_text("language", h.language);
  w.optional_text("product", h.product);
  w.key("score"), w.rounded(h.score);
  w.optional_text("severity", h.severity);
  w.optional_text("snippet", h.snippet);
  w.key("title"), w.string(h.title);
  w.optional_text("url", h.url);
  w.optional_text("vendor", h.vendor);
  w.end_object();
}

void write(JsonWriter& w, const Facets& facets) {
  w.begin_object();
  for (const auto& [name, counts] : facets) {
    std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    w.key(name), w.begin_array();
    for (const auto& [value, count] : sorted) {
      w.begin_object();
      w.key("count"), w.integer(count);
      w.key("value"), w.string(value);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
}

void write(JsonWriter& w, const Evidence& e) {
  w.begin_object();
  w.key("doc_id"), w.string(e.doc_id);
  w.key("kind"), w.string(e.kind);
  w.key("passage_id"), w.string(e.passage_id);
  w.optional_text("snippet", e.snippet);
  w.key("title"), w.string(e.title);
  w.optional_text("url", e.url);
  w.end_object();
}

void write(JsonWriter& w, const Cause& c) {
  w.begin_object();
  w.key("catalogue_only"), w.boolean(c.catalogue_only);
  w.optional_text("cause", c.cause);
  w.key("checks"), w.strings(c.checks);
  if (!c.codes.empty()) w.key("codes"), w.strings(c.codes);
  w.key("confidence"), w.rounded(c.confidence);
  w.key("evidence"), write_array(w, c.evidence);
  w.key("id"), w.string(c.id);
  w.optional_text("language", c.language);
  if (c.number > 0) w.key("number"), w.integer(c.number);
  w.optional_text("prevention", c.prevention);
  w.optional_text("product", c.product);
  w.key("resolutions"), w.strings(c.resolutions);
  w.key("score"), w.rounded(c.score);
  w.key("title"), w.string(c.title);
  w.optional_text("vendor", c.vendor);
  w.key("why"), w.begin_array();
  for (const auto& why : c.why) {
    w.begin_object();
    w.optional_text("detail", why.detail);
    w.key("factor"), w.string(why.factor);
    w.key("value"), w.rounded(why.value);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void write(JsonWriter& w, const QuestionAnswer& a) {
  w.begin_object();
  w.key("answer"), w.string(a.answer);
  w.key("cause_ids"), w.strings(a.cause_ids);
  w.end_object();
}

void write(JsonWriter& w, const NextQuestion& q) {
  w.begin_object();
  w.key("answers"), write_array(w, q.answers);
  w.key("question"), w.string(q.question);
  w.optional_text("reason", q.reason);
  w.key("split"), w.rounded(q.split);
  w.end_object();
}

void write(JsonWriter& w, const ReplyDraft& r) {
  w.begin_object();
  w.key("cause_id"), w.string(r.cause_id);
  w.key("evidence"), w.strings(r.evidence);
  w.key("language"), w.string(r.language);
  w.key("text"), w.string(r.text);
  w.end_object();
}

// A response: one object whose fields `fields` writes, in a string reserved to `capacity` bytes.
template <typename Fields>
std::string object_text(size_t capacity, Fields&& fields) {
  std::string out;
  out.reserve(capacity);
  JsonWriter w(out);
  w.begin_object();
  fields(w);
  w.end_object();
  return out;
}

}  // namespace

std::string to_json_text(const SearchResponse& r) {
  return object_text(1024 + 1024 * r.hits.size(), [&](JsonWriter& w) {
    w.key("codes"), write_array(w, r.codes);
    w.key("facets"), write(w, r.facets);
    w.key("hits"), write_array(w, r.hits);
    w.key("language"), w.string(r.language);
    w.key("suggestion"), w.string(r.suggestion);
    w.key("total"), w.integer(r.total);
  });
}

std::string to_json_text(const Diagnosis& d) {
  return object_text(1024 + 2048 * d.causes.size(), [&](JsonWriter& w) {
    w.optional_text("answer_language", d.answer_language);
    w.key("answered"), w.boolean(d.answered);
    w.key("ask"), write_array(w, d.ask);
    w.key("causes"), write_array(w, d.causes);
    w.key("codes"), write_array(w, d.codes);
    w.key("diagnosis_id"), w.string(d.diagnosis_id);
    w.optional_text("language", d.language);
    w.optional_text("language_note", d.language_note);
    w.optional_text("no_answer_reason", d.no_answer_reason);
    w.optional_text("answer_note", d.answer_note);
    if (d.reply) w.key("reply"), write(w, *d.reply);
    if (!d.unknown_words.empty()) w.key("unknown_words"), w.strings(d.unknown_words);
  });
}

std::string to_json_text(const CodeLookup& l) {
  return object_text(4096 + 4096 * l.causes.size(), [&](JsonWriter& w) {
    w.key("catalogue_entries"), write_array(w, l.catalogue_entries);
    w.key("causes"), w.begin_object();
    for (const auto& [canonical, list] : l.causes) w.key(canonical), write_array(w, list);
    w.end_object();
    w.key("code"), w.string(l.code);
    w.key("interpretations"), write_array(w, l.interpretations);
  });
}

std::string codes_to_json(const std::vector<CodeOccurrence>& occurrences, int indent) {
  std::string out;
  JsonWriter w(out);
  write_array(w, occurrences);
  if (indent < 0) return out;
  return nlohmann::json::parse(out).dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace errkb
