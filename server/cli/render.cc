#include "render.h"

#include <cstdio>
#include <string_view>

namespace errkb::render {
namespace {

using nlohmann::json;

// A field of an API object, "" (or an empty list) when absent or of another type: the renderings
// show what is there rather than fail on a server of another version.
std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}
double number(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : 0.0;
}
const json& list(const json& object, const char* key) {
  static const json kEmpty = json::array();
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

enum class Paint { kBold, kDim, kTitle, kCheck, kFix, kAsk, kWarn, kMark };

std::string paint(std::string_view s, Paint p, const Style& style) {
  if (!style.colour || s.empty()) return std::string(s);
  const char* code = "";
  switch (p) {
    case Paint::kBold:
      code = "1";
      break;
    case Paint::kDim:
      code = "2";
      break;
    case Paint::kTitle:
      code = "1;36";
      break;
    case Paint::kCheck:
      code = "33";
      break;
    case Paint::kFix:
      code = "32";
      break;
    case Paint::kAsk:
      code = "1;35";
      break;
    case Paint::kWarn:
      code = "1;31";
      break;
    case Paint::kMark:
      code = "1;4";
      break;
  }
  return std::string("\x1b[") + code + "m" + std::string(s) + "\x1b[0m";
}

std::string percent(double confidence) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", confidence * 100);
  return buf;
}

// "<indent><label>value", the value's own line breaks indented under its first line.
void line(std::string& out, std::string_view indent, std::string_view label, const std::string& value) {
  if (value.empty()) return;
  out.append(indent).append(label);
  for (char c : value) {
    out += c;
    if (c == '\n') out.append(indent).append("  ");
  }
  out += '\n';
}

// "0x80070005 = E_ACCESSDENIED (hresult:80070005): Access is denied"
std::string reading(const json& interpretation, const Style& style) {
  std::string out = paint(text(interpretation, "canonical"), Paint::kBold, style);
  if (auto name = text(interpretation, "name"); !name.empty()) out += " " + name;
  if (auto message = text(interpretation, "message"); !message.empty()) out += ": " + message;
  if (interpretation.value("certain", false) == false)
    out += paint(" (possible reading)", Paint::kDim, style);
  return out;
}

void codes(std::string& out, const json& occurrences, const Style& style) {
  for (const auto& occurrence : occurrences) {
    const json& readings = list(occurrence, "interpretations");
    if (readings.empty()) continue;
    out += "Code " + paint(text(occurrence, "raw"), Paint::kBold, style) + " = " +
           reading(readings.front(), style) + "\n";
  }
}

void cause(std::string& out, size_t rank, const json& c, const Style& style) {
  out += std::to_string(rank) + ". " + paint(text(c, "title"), Paint::kTitle, style) + "  " +
         paint("[" + percent(number(c, "confidence")) + "]", Paint::kDim, style) + "\n";
  line(out, "   ", "", text(c, "cause"));
  for (const auto& check : list(c, "checks")) {
    if (check.is_string()) line(out, "   ", paint("Check: ", Paint::kCheck, style), check.get<std::string>());
  }
  for (const auto& fix : list(c, "resolutions")) {
    if (fix.is_string()) line(out, "   ", paint("Fix: ", Paint::kFix, style), fix.get<std::string>());
  }
  line(out, "   ", paint("Prevent: ", Paint::kDim, style), text(c, "prevention"));
  for (const auto& evidence : list(c, "evidence")) {
    std::string where = text(evidence, "title");
    if (auto url = text(evidence, "url"); !url.empty())
      where += (where.empty() ? "" : " ") + ("<" + url + ">");
    line(out, "   ", paint("Source: ", Paint::kDim, style), where);
  }
  line(out, "   ", paint("cause_id: ", Paint::kDim, style), text(c, "id"));
}

std::string decode_entity(std::string_view entity) {
  if (entity == "&lt;") return "<";
  if (entity == "&gt;") return ">";
  if (entity == "&amp;") return "&";
  if (entity == "&quot;") return "\"";
  if (entity == "&#39;" || entity == "&#x27;") return "'";
  return std::string(entity);
}

}  // namespace

AnswerState answer_state(const json& diagnosis) {
  const json& causes = list(diagnosis, "causes");
  if (causes.empty()) return AnswerState::kNone;
  const json& best = causes.front();
  if (best.value("catalogue_only", false)) return AnswerState::kCatalogueOnly;
  auto answered = diagnosis.find("answered");
  const bool acted_on = answered != diagnosis.end() && answered->is_boolean()
                            ? answered->get<bool>()
                            : number(best, "confidence") >= kWeakConfidence;
  return acted_on ? AnswerState::kAnswered : AnswerState::kNoAnswer;
}

std::string snippet_text(const std::string& html, const Style& style) {
  std::string out, marked;
  bool in_mark = false;
  for (size_t i = 0; i < html.size();) {
    std::string& target = in_mark ? marked : out;
    if (html.compare(i, 6, "<mark>") == 0) {
      in_mark = true;
      i += 6;
    } else if (html.compare(i, 7, "</mark>") == 0) {
      out += paint(marked, Paint::kMark, style);
      marked.clear();
      in_mark = false;
      i += 7;
    } else if (html[i] == '&' && html.find(';', i) != std::string::npos && html.find(';', i) - i <= 6) {
      const size_t end = html.find(';', i) + 1;
      target += decode_entity(std::string_view(html).substr(i, end - i));
      i = end;
    } else {
      target += html[i++];
    }
  }
  return out + marked;
}

std::string diagnosis(const json& d, const Style& style) {
  std::string out;
  codes(out, list(d, "codes"), style);
  switch (answer_state(d)) {
    case AnswerState::kNone:
      out += paint("No answer: the KB holds nothing that matches.", Paint::kWarn, style) + "\n";
      break;
    case AnswerState::kCatalogueOnly:
      out +=
          paint("No known cause yet: the vendor catalogue says what the code means.", Paint::kWarn, style) +
          "\n";
      break;
    case AnswerState::kNoAnswer: {
      std::string reason = text(d, "no_answer_reason");
      out += paint("No sure answer" + (reason.empty() ? std::string() : " (" + reason + ")") +
                       ": confirm a cause with its checks before acting on it.",
                   Paint::kWarn, style) +
             "\n";
      break;
    }
    case AnswerState::kAnswered:
      break;
  }
  const json& causes = list(d, "causes");
  for (size_t i = 0; i < causes.size(); ++i) cause(out, i + 1, causes[i], style);
  for (const auto& question : list(d, "ask")) {
    line(out, "", paint("Ask next: ", Paint::kAsk, style), text(question, "question"));
  }
  auto reply = d.find("reply");
  if (reply != d.end() && reply->is_object())
    line(out, "", paint("Reply draft: ", Paint::kDim, style), text(*reply, "text"));
  line(out, "", paint("diagnosis_id: ", Paint::kDim, style), text(d, "diagnosis_id"));
  return out;
}

std::string code_lookup(const json& lookup, const Style& style) {
  std::string out = paint(text(lookup, "code"), Paint::kBold, style) + "\n";
  for (const auto& interpretation : list(lookup, "interpretations"))
    out += "  " + reading(interpretation, style) + "\n";
  const json& entries = list(lookup, "catalogue_entries");
  if (!entries.empty()) out += "Catalogue entries:\n";
  for (const auto& entry : entries) {
    std::string head = text(entry, "vendor");
    head += (head.empty() ? "" : ": ") + text(entry, "title");
    out += "  " + paint(head, Paint::kTitle, style) + "\n";
    line(out, "    ", "", snippet_text(text(entry, "snippet"), style));
    line(out, "    ", "", text(entry, "url"));
  }
  auto causes = lookup.find("causes");
  if (causes != lookup.end() && causes->is_object()) {
    for (const auto& [canonical, list_for_reading] : causes->items()) {
      if (!list_for_reading.is_array() || list_for_reading.empty()) continue;
      out += "Causes for " + paint(canonical, Paint::kBold, style) + ":\n";
      for (size_t i = 0; i < list_for_reading.size(); ++i) cause(out, i + 1, list_for_reading[i], style);
    }
  }
  return out;
}

std::string search(const json& response, const Style& style) {
  std::string out;
  codes(out, list(response, "codes"), style);
  const json& hits = list(response, "hits");
  const auto total = response.value("total", static_cast<int64_t>(hits.size()));
  out += std::to_string(total) + (total == 1 ? " passage" : " passages") + "\n";
  if (auto suggestion = text(response, "suggestion"); !suggestion.empty()) {
    out += paint("Did you mean: ", Paint::kAsk, style) + suggestion + "\n";
  }
  for (size_t i = 0; i < hits.size(); ++i) {
    const json& hit = hits[i];
    std::string title = text(hit, "title");
    if (auto heading = text(hit, "heading"); !heading.empty() && heading != title) title += " / " + heading;
    out +=
        std::to_string(i + 1) + ". " + paint(title, Paint::kTitle, style) + "  " +
        paint("[" + text(hit, "kind") + (text(hit, "vendor").empty() ? "" : ", " + text(hit, "vendor")) + "]",
              Paint::kDim, style) +
        "\n";
    line(out, "   ", "", snippet_text(text(hit, "snippet"), style));
    line(out, "   ", "", text(hit, "url"));
  }
  return out;
}

std::string feedback_stored(const json& stored, const Style& style) {
  return paint("Feedback stored: ", Paint::kFix, style) + text(stored, "outcome") + " for cause " +
         text(stored, "cause_id") + " of diagnosis " + text(stored, "diagnosis_id") + "\n";
}

std::string problem(const json& p) {
  std::string out = text(p, "code");
  if (out.empty()) out = text(p, "title");
  if (auto detail = text(p, "detail"); !detail.empty()) out += (out.empty() ? "" : ": ") + detail;
  if (auto param = text(p, "param"); !param.empty()) out += " (parameter '" + param + "')";
  return out;
}

}  // namespace errkb::render
