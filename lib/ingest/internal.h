// Private helpers of the KB readers (not part of the public API).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errkb/record.h"

struct _xmlTextReader;  // NOLINT(bugprone-reserved-identifier): libxml2's own name for xmlTextReader

namespace errkb::ingest {

// Bounds on what a KB file may hold. What is over a bound is that file's (or that line's)
// rejection, never the run's end: they keep every reader linear and its memory and stack bounded.
inline constexpr size_t kMaxFileBytes = size_t{256} << 20;    // a file the readers load whole
inline constexpr size_t kMaxArticleBytes = size_t{16} << 20;  // one article
inline constexpr int kMaxNesting = 64;  // JSON deeper is rejected; Markdown/HTML deeper is read as flat text
inline constexpr size_t kMaxIdBytes = 200;  // an article or thread id (a Xapian term holds at most 245 bytes)
inline constexpr size_t kMaxNameBytes = 100;      // a vendor, product, code, tag, language or severity
inline constexpr size_t kMaxPatternBytes = 1000;  // a catalogue's code_pattern
inline constexpr int kMaxFolderDepth = 32;        // folders below articles/, forums/, catalogues/

InputError make_error(std::string_view rel, int line, std::string message);

// Hex of XXH3-64 over `bytes`: the item signature (equal signature = unchanged item).
std::string signature_of(std::string_view bytes);

// 1-based line number of byte `offset` in `text`.
int line_of_offset(std::string_view text, size_t offset);

// Rejects what is not UTF-8 text: UTF-16/UTF-32 byte order marks, invalid UTF-8 (with line and
// byte offset). Returns the text without a UTF-8 byte order mark when it is acceptable.
std::optional<InputError> check_encoding(std::string_view rel, std::string_view& text);

// check_encoding, plus: an article with no text at all is an error (a file truncated to nothing
// must not replace the indexed version of the article).
std::optional<InputError> check_article_text(std::string_view rel, std::string_view& text);

std::string trim(std::string_view s);
std::string to_lower_ascii(std::string_view s);
bool starts_with_ci(std::string_view s, std::string_view prefix);

// Splits on any of `separators`, trims the pieces and drops empty ones.
std::vector<std::string> split_trimmed(std::string_view s, std::string_view separators);

// The readable text of an HTML fragment or document (gumbo): blocks on their own lines, list
// items as "- item", script/style dropped, entities decoded.
std::string html_to_text(std::string_view html);
// True when `s` contains something that looks like an HTML tag.
bool looks_like_html(std::string_view s);

// A language tag as given by a file ("EN", "pt-BR", "ro_RO") as an ISO 639-1 code ("en", "pt", "ro").
std::string normalize_language(std::string_view tag);

// libxml2 must be initialised once before threads use it.
void ensure_xml_initialized();

// The first error (not warning) libxml2 reported while reading a document.
struct XmlError {
  bool set = false;
  int line = 0;
  std::string message;
};

// Has `reader` keep its first error in `error`; later errors and all warnings are ignored.
// `error` must outlive the reading.
void keep_first_xml_error(_xmlTextReader* reader, XmlError& error);

// What nlohmann::json would reject or throw on after the syntax is checked, found by one linear scan
// (JSON numbers and brackets outside strings): nesting deeper than kMaxNesting, a number beyond the
// range of a double. The byte offset and the message, or nothing.
struct JsonProblem {
  size_t offset = 0;
  std::string message;
};
std::optional<JsonProblem> json_shape_problem(std::string_view text);

// The line of member `key` of the outermost JSON object in `text` (0 when it has none): nlohmann::json
// keeps no positions, and a message about a member should name its line.
int json_member_line(std::string_view text, std::string_view key);

// The first field of `item` over its bound (kMaxIdBytes, kMaxNameBytes), as a message, or "".
std::string oversized_field(const Item& item);

// `s` cut to at most `max_bytes` at a UTF-8 character boundary, with "…" when it was cut.
std::string excerpt(std::string_view s, size_t max_bytes = 40);

// `s` with control characters and bytes that are not UTF-8 written as \n, \t, \xNN: a path in a
// one-line message.
std::string printable(std::string_view s);

// libxml2 checks each attribute of an element against all the earlier ones: an element with 100,000
// attributes takes minutes. Fed the document's bytes in order, this counts what may start an
// attribute value (`="` or `='`) since the last '<' (which no attribute value holds), an upper bound
// on the attributes of the element being read.
class AttributeCounter {
 public:
  static constexpr size_t kMaxAttributes = 10000;
  // False once an element may hold more than kMaxAttributes.
  bool feed(char c) {
    if (c == '<')
      count_ = 0;
    else if ((c == '"' || c == '\'') && previous_ == '=')
      ++count_;
    if (c == '\n') ++line_;
    previous_ = c;
    return count_ <= kMaxAttributes;
  }
  int line() const { return line_; }
  std::string message() const {
    return "an element with more than " + std::to_string(kMaxAttributes) + " attributes";
  }

 private:
  size_t count_ = 0;
  char previous_ = 0;
  int line_ = 1;
};

// At the reader's DOCTYPE node: whether it declares entities. Expanding them can be made to cost any
// time and memory (a kilobyte of nested entities expands to gigabytes), and neither XML format the
// readers take needs them: such a document is rejected.
bool declares_entities(_xmlTextReader* reader);

// Joins non-empty parts with `sep`.
std::string join_nonempty(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace errkb::ingest
