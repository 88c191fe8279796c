// The records that flow from the KB readers to the index and back out of it.
//
// Item    = the unit of the update protocol: one article file, one forum thread, one catalogue entry.
//           It has a signature (content hash); an unchanged signature means "skip".
// Passage = the unit that is indexed, ranked and returned: one cause with its checks, resolutions
//           and prevention. An item yields one or more passages; all are replaced together.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace errkb {

enum class SourceKind { kArticle, kForum, kCatalogue };
std::string_view to_string(SourceKind kind);                      // "article" | "forum" | "catalogue"
std::optional<SourceKind> parse_source_kind(std::string_view s);  // inverse of to_string

// The code samples (fenced or indented Markdown code, HTML <pre>) written inside a passage's text
// fields, by field, one after another. The fields hold them too, as written: these copies only tell the
// index which of a field's words are code (schema.h kCodeSampleWeight).
struct CodeSamples {
  std::string symptoms, cause, checks, resolutions, prevention, body;
};

struct Passage {
  std::string id;      // unique in the index: "<doc_id>#<n>" (n from 1) for articles and forums,
                       // "<vendor>:<code>" for catalogue entries (vendor lower-cased)
  std::string doc_id;  // the source item's id shown to users: article id, thread id, "<vendor>:<code>"
  SourceKind kind = SourceKind::kArticle;
  std::string title;     // item title: article/thread title; catalogue: "<code> <name>: <message>"
  std::string heading;   // the cause's own heading ("Cause 2: DNS records not propagated"); may be empty
  std::string symptoms;  // symptom text of the item (shared by all its passages)
  std::string cause;     // what causes the problem
  std::vector<std::string> checks;       // how to confirm this cause
  std::vector<std::string> resolutions;  // one or more ways to fix it
  std::string prevention;                // how to avoid it
  std::string body;                      // any other text of the passage (intro, forum post text)
  CodeSamples code;                      // the code samples within the fields above; not stored
  std::string url;
  std::string vendor;
  std::string product;
  std::string language;            // ISO 639-1 ("en", "ro", "it", "ru"); "" if unknown
  std::vector<std::string> codes;  // codes declared by metadata (front matter `codes`, catalogue `code`)
  std::string code_name;           // catalogue entries: symbolic name ("ERROR_ACCESS_DENIED")
  std::vector<std::string> tags;
  std::string severity;  // catalogue entries: "Error", "Warning", ...
  std::string category;  // catalogue entries: "RequestError", "SystemError", ...
  std::string created;   // ISO-8601 date or date-time; may be empty
  std::string updated;
  int votes = 0;          // forum: score of the answer
  bool accepted = false;  // forum: the accepted answer
  std::string author;
};

struct Item {
  std::string uid;        // "article:<id>", "forum:<thread id>", "catalogue:<vendor>:<code>"
  std::string container;  // KB-relative path of the file it came from ("forums/shop.jsonl")
  std::string signature;  // hex content hash of the item's source; equal signature = unchanged
  std::vector<Passage> passages;
};

// A problem with an input, reported as "path:line: message" (line 0 = the whole file).
struct InputError {
  std::string path;
  int line = 0;
  std::string message;
  std::string to_string() const;
};

// What reading one KB file produced. A file may yield good items and errors at once (a JSONL file
// with one broken line). `complete` is false when some items of the file may be missing because of
// errors: the update protocol then keeps their indexed versions instead of deleting them.
struct FileReadResult {
  std::vector<Item> items;
  std::vector<InputError> errors;
  bool complete = true;
  // Catalogue files may declare a code pattern (RE2 syntax) for their vendor's codes.
  std::string code_pattern;
  int code_pattern_line = 0;  // where the file declares it (0 if unknown)
  std::string catalogue_vendor;
};

}  // namespace errkb
