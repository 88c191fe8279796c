// What the read side is asked and what it answers: search, diagnosis and code lookup requests and
// their answers, as plain structs. The engine (engine.h) fills them; the ranking (lib/rank) builds
// causes, questions and replies on them; the server maps them to JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "errkb/codes.h"

namespace errkb {

struct SearchRequest {
  std::string q;       // free text with or without codes
  std::string lang;    // ISO 639-1; "" = detect from q
  std::string vendor;  // filters ("" = any)
  std::string product;
  std::string kind;  // "article" | "forum" | "catalogue" | ""
  int limit = 10;
  int offset = 0;
};

struct Hit {
  std::string id;      // passage id
  std::string doc_id;  // source item id
  std::string kind;
  std::string title;
  std::string heading;
  std::string url;
  std::string snippet;  // matched words wrapped in <mark>…</mark>, other text HTML-escaped
  double score = 0;
  std::string language;
  std::string vendor;
  std::string product;
  std::string severity;
  std::vector<std::string> codes;  // canonical codes of the passage
};

// facet name ("kind", "vendor", "product", "language", "severity") -> value -> count
using Facets = std::map<std::string, std::map<std::string, int64_t, std::less<>>>;

struct SearchResponse {
  int64_t total = 0;  // estimated matches
  std::vector<Hit> hits;
  Facets facets;
  std::vector<CodeOccurrence> codes;  // codes detected in q
  std::string suggestion;             // spelling correction of the prose part ("" = none)
  std::string language;               // language used for stemming
};

struct Evidence {
  std::string passage_id;
  std::string doc_id;
  std::string kind;
  std::string title;
  std::string url;
  std::string snippet;
};

// One term of the ranking formula, as shown to agents.
struct WhyPart {
  std::string factor;  // "exact_code", "symptoms", "title", "authority", "focus", "votes", "feedback",
                       // "freshness", "language"
  double value = 0;    // its contribution to the score
  std::string detail;  // plain words: "matches code hresult:80070005", "symptoms matched: slow, timeout"
};

struct Cause {
  std::string id;     // stable: the primary passage's id
  std::string title;  // the cause's heading without its "Cause 2:" label, else the page title
  int number = 0;     // the cause's number in its article ("Cause 2: ..." -> 2); 0 = none
  std::string cause;
  std::vector<std::string> checks;
  std::vector<std::string> resolutions;
  std::string prevention;
  // A vendor catalogue's own meaning of the code (its message, description, severity, resolution), with
  // no known cause behind it in the KB yet: the code is understood, why it happened is not.
  bool catalogue_only = false;
  std::vector<std::string> codes;  // the query's codes (canonical) its first source holds
  double confidence = 0;           // 0..1; the returned causes sum to at most 1
  double score = 0;
  std::vector<Evidence> evidence;  // all passages merged into this cause, best first
  std::vector<WhyPart> why;
  std::string language;
  std::string vendor;
  std::string product;
};

// One answer to a next question and the causes it points to.
struct QuestionAnswer {
  std::string answer;                  // "yes", "no", a product's name
  std::vector<std::string> cause_ids;  // the causes this answer points to (none: it points away from them)
};

struct NextQuestion {
  std::string question;  // what the agent asks the customer next, as a question in the answer's language
  std::string reason;    // why: what it separates
  double split = 0;      // 0..1: how evenly the answer would split the top causes' probability mass
  std::vector<QuestionAnswer> answers;  // which answer points to which cause (empty: it opens the search)
};

// A message to the customer drafted from the top cause's KB text and fixed sentences
// (DiagnoseRequest::reply).
struct ReplyDraft {
  std::string language;  // of the fixed sentences
  std::string text;
  std::string cause_id;               // the cause it was drafted from
  std::vector<std::string> evidence;  // passage ids whose text it quotes
};

struct DiagnoseRequest {
  std::string text;  // a ticket or a pasted raw error payload
  std::string code;  // an error code as the customer gave it
  std::vector<std::string> symptoms;
  std::string vendor;
  std::string product;
  std::string language;
  int limit = 5;
  bool reply = false;  // draft a reply to the customer (Diagnosis::reply)
};

struct Diagnosis {
  std::string diagnosis_id;  // unique, made by the engine; ids grow with time (the feedback store's key)
  std::vector<CodeOccurrence> codes;
  std::vector<Cause> causes;
  std::vector<NextQuestion> ask;
  std::string language;  // of the query (requested, else detected)
  // Whether the top cause is an answer an agent can act on: its calibrated confidence reaches the
  // threshold (rank::kAnswerThreshold). When not, `no_answer_reason` says why ("nothing matched", ...).
  // A catalogue's meaning of the code answers too, with `answer_note` saying the KB holds no known
  // cause for it (the gaps report still lists it).
  bool answered = false;
  std::string no_answer_reason;
  std::string answer_note;
  // The language the causes are given in first: the query's when the KB has causes in it, else the
  // language of the best causes, and `language_note` says so.
  std::string answer_language;
  std::string language_note;
  std::optional<ReplyDraft> reply;         // when the request asked for one and there is a cause
  std::vector<std::string> symptom_terms;  // normalised prose terms used (for feedback)
  // The query's words that no passage of the KB holds, lower-cased: what the question is about that the
  // KB has never heard of. They lower the confidence; a question mostly about them is likely not covered.
  std::vector<std::string> unknown_words;
};

struct CodeLookup {
  std::string code;                                  // as asked
  std::vector<CodeInterpretation> interpretations;   // best first
  std::vector<Hit> catalogue_entries;                // catalogue passages matching any interpretation
  std::map<std::string, std::vector<Cause>> causes;  // canonical -> top causes for that reading
};

}  // namespace errkb
