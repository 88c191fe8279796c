// Text renderings of the API's JSON answers, for people at a terminal (`errkb`, in colour on a tty)
// and for models that read only text (the MCP tools' text content). The input is exactly what the
// HTTP API sends (server/openapi.json), so both programs render what /v1 answered.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace errkb::render {

struct Style {
  bool colour = false;  // ANSI colours and bold
};

// How far a diagnosis answers the question.
enum class AnswerState {
  kAnswered,       // the server says `answered`: a cause to act on
  kNoAnswer,       // causes, but none to act on (`answered` false, `no_answer_reason` says why)
  kCatalogueOnly,  // a vendor catalogue says what the code means; the KB knows no cause yet
  kNone,           // nothing found
};
// For a server that does not say `answered`: the confidence under which the gaps report
// (/v1/gaps) counts an answer as weak.
inline constexpr double kWeakConfidence = 0.3;
AnswerState answer_state(const nlohmann::json& diagnosis);

std::string diagnosis(const nlohmann::json& diagnosis, const Style& style);     // POST /v1/diagnose
std::string code_lookup(const nlohmann::json& lookup, const Style& style);      // GET /v1/codes/{code}
std::string search(const nlohmann::json& response, const Style& style);         // GET /v1/search
std::string feedback_stored(const nlohmann::json& stored, const Style& style);  // POST /v1/feedback
// An application/problem+json body: "code: detail (parameter 'param')".
std::string problem(const nlohmann::json& problem);

// A snippet's text: <mark>ed words highlighted (or left plain), HTML entities decoded.
std::string snippet_text(const std::string& html, const Style& style);

}  // namespace errkb::render
