// The read side: search, code lookup and diagnosis over an index, for any number of threads.
//
// Engine is thread-safe. Internally every calling thread gets its own Xapian database handle
// (Xapian handles are not thread-safe); when the index changes (an update commits, or a rebuild
// switches the stub), each handle reopens before its next query, and a DatabaseModifiedError is
// answered by reopening and retrying once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "errkb/codes.h"
#include "errkb/status.h"

namespace errkb {

class FeedbackStore;

struct EngineOptions {
  std::filesystem::path index_dir;      // the live index path (as given to the indexer)
  FeedbackStore* feedback = nullptr;    // optional; not owned; used by diagnose() ranking
  // lookup_code() results (catalogue entries and top causes) kept per code reading for the open index
  // revision: they depend on nothing else. 0 = computed every time.
  size_t code_cache_readings = 4096;
  // Spelling suggestions kept per word for the open index revision (the spelling table's search is the
  // dearest part of analysing a query with an unknown word). 0 = looked up every time.
  size_t spelling_memo_words = 8192;
  // Postings one prose query may read while matching (store/scan_plan.h), about 0.5 ms: within it a
  // query is exact BM25 over every passage it matches (always, on a KB of some thousands of
  // passages); beyond it, its rarer words choose the candidates, or a spread sample of the index does.
  // 0 = no limit.
  uint64_t prose_scan_budget = 60'000;
  // How long a thread's handle trusts that the index has not changed before it looks again (a stat of
  // the stub and a read of the revision, per query when 0). invalidate() makes every handle look at
  // its next query whatever the interval; the server calls it when its watcher sees a change.
  std::chrono::milliseconds change_check_interval{0};
  // Ranking reads every candidate's rank record (schema slot 20). When true, a background thread loads
  // the records of each index revision into memory (about 100 bytes a passage) and queries read them
  // there once it is done; when false, always from the index.
  bool rank_records_in_memory = true;
  // Memory for bitsets of the commonest prose words' posting lists (store/common_terms.h), loaded in the
  // background like the rank records: ranking then tests whether a candidate contains such a word
  // instead of skipping through its long posting list. 0 = none.
  size_t common_term_bits_bytes = size_t{32} << 20;
  uint64_t common_term_min_postings = 10'000;  // words in fewer passages keep their posting lists
  // Memory for every prose word's posting list, the long code lists and the filters' passages
  // (store/postings_in_memory.h), loaded in the background like the rank records: queries are then
  // matched there instead of through Xapian's B-tree reads (257 MB at 1M passages). An index whose
  // lists need more keeps matching through Xapian. 0 = off.
  size_t prose_postings_bytes = size_t{1} << 30;
  // diagnose(): the calibrated confidence of the top cause from which it is an answer (Diagnosis::answered;
  // below it, no_answer), and how evenly a next question's answer must split the top causes to be asked.
  // Negative = the fitted defaults (rank/calibration_fit.h, rank::kDefaultQuestionMinSplit).
  double answer_threshold = -1;
  double question_min_split = -1;
};

struct SearchRequest {
  std::string q;         // free text with or without codes
  std::string lang;      // ISO 639-1; "" = detect from q
  std::string vendor;    // filters ("" = any)
  std::string product;
  std::string kind;      // "article" | "forum" | "catalogue" | ""
  int limit = 10;
  int offset = 0;
};

struct Hit {
  std::string id;        // passage id
  std::string doc_id;    // source item id
  std::string kind;
  std::string title;
  std::string heading;
  std::string url;
  std::string snippet;   // matched words wrapped in <mark>…</mark>, other text HTML-escaped
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
  int64_t total = 0;     // estimated matches
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
  std::string factor;   // "exact_code", "symptoms", "title", "authority", "focus", "votes", "feedback", "freshness", "language"
  double value = 0;     // its contribution to the score
  std::string detail;   // plain words: "matches code hresult:80070005", "symptoms matched: slow, timeout"
};

struct Cause {
  std::string id;                        // stable: the primary passage's id
  std::string title;                     // the cause's heading without its "Cause 2:" label, else the page title
  int number = 0;                        // the cause's number in its article ("Cause 2: ..." -> 2); 0 = none
  std::string cause;
  std::vector<std::string> checks;
  std::vector<std::string> resolutions;
  std::string prevention;
  // A vendor catalogue's own meaning of the code (its message, description, severity, resolution), with
  // no known cause behind it in the KB yet: the code is understood, why it happened is not.
  bool catalogue_only = false;
  double confidence = 0;                 // 0..1; the returned causes sum to at most 1
  double score = 0;
  std::vector<Evidence> evidence;        // all passages merged into this cause, best first
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

// A message to the customer drafted from the top cause's KB text and fixed sentences (DiagnoseRequest::reply).
struct ReplyDraft {
  std::string language;                      // of the fixed sentences
  std::string text;
  std::string cause_id;                      // the cause it was drafted from
  std::vector<std::string> evidence;         // passage ids whose text it quotes
};

struct DiagnoseRequest {
  std::string text;                   // a ticket or a pasted raw error payload
  std::string code;                   // an error code as the customer gave it
  std::vector<std::string> symptoms;
  std::string vendor;
  std::string product;
  std::string language;
  int limit = 5;
  bool reply = false;                 // draft a reply to the customer (Diagnosis::reply)
};

struct Diagnosis {
  std::string diagnosis_id;
  std::vector<CodeOccurrence> codes;
  std::vector<Cause> causes;
  std::vector<NextQuestion> ask;
  std::string language;                    // of the query (requested, else detected)
  // Whether the top cause is an answer an agent can act on: its calibrated confidence reaches the
  // threshold (rank::kAnswerThreshold). When not, `no_answer_reason` says why ("nothing matched", ...).
  bool answered = false;
  std::string no_answer_reason;
  // The language the causes are given in first: the query's when the KB has causes in it, else the
  // language of the best causes, and `language_note` says so.
  std::string answer_language;
  std::string language_note;
  std::optional<ReplyDraft> reply;         // when the request asked for one and there is a cause
  std::vector<std::string> symptom_terms;  // normalised prose terms used (for feedback)
};

struct CodeLookup {
  std::string code;                                  // as asked
  std::vector<CodeInterpretation> interpretations;   // best first
  std::vector<Hit> catalogue_entries;                // catalogue passages matching any interpretation
  std::map<std::string, std::vector<Cause>> causes;  // canonical -> top causes for that reading
};

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t entries = 0;
};

struct IndexInfo {
  std::string path;
  uint64_t revision = 0;
  uint64_t documents = 0;
  int schema_version = 0;
  uint64_t reopen_count = 0;
  // The open revision's in-memory tables (rank records, spelling dictionary) are loaded: until then
  // queries are answered, reading from the index instead (seconds at 1M passages after a start).
  bool warm = false;
  CacheStats code_cache;     // EngineOptions::code_cache_readings
  // Memory of the open revision's in-memory posting lists (EngineOptions::prose_postings_bytes); 0 while
  // they load, when off, or when they would need more than allowed.
  uint64_t prose_postings_bytes = 0;
  CacheStats spelling_memo;  // EngineOptions::spelling_memo_words
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  virtual ~Engine() = default;

  virtual Result<SearchResponse> search(const SearchRequest& request) = 0;
  virtual Result<CodeLookup> lookup_code(const std::string& code, const std::string& vendor) = 0;
  virtual Result<Diagnosis> diagnose(const DiagnoseRequest& request) = 0;
  virtual Result<IndexInfo> info() = 0;
  // The codes in `text` as the index's grammar reads them (built-in families plus every loaded catalogue).
  virtual Result<std::vector<CodeOccurrence>> find_codes(const std::string& text, const std::string& vendor) = 0;
  // Makes every thread's handle reopen before its next query (after an update or a switch).
  virtual void invalidate() = 0;
};

}  // namespace errkb
