#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "errkb/text.h"
#include "ingest/internal.h"

namespace errkb::ingest {

InputError make_error(std::string_view rel, int line, std::string message) {
  InputError e;
  e.path = std::string(rel);
  e.line = line;
  e.message = std::move(message);
  return e;
}

std::string signature_of(std::string_view bytes) {
  const XXH64_hash_t h = XXH3_64bits(bytes.data(), bytes.size());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

int line_of_offset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::optional<InputError> check_encoding(std::string_view rel, std::string_view& text) {
  auto has_prefix = [&](std::string_view bom) { return text.substr(0, bom.size()) == bom; };
  using namespace std::string_view_literals;
  if (has_prefix("\x00\x00\xFE\xFF"sv) || has_prefix("\xFF\xFE\x00\x00"sv)) {
    return make_error(rel, 0, "unsupported encoding: UTF-32 byte order mark; save the file as UTF-8");
  }
  if (has_prefix("\xFE\xFF"sv) || has_prefix("\xFF\xFE"sv)) {
    return make_error(rel, 0, "unsupported encoding: UTF-16 byte order mark; save the file as UTF-8");
  }
  if (has_prefix("\xEF\xBB\xBF"sv)) text.remove_prefix(3);
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return make_error(rel, line_of_offset(text, nul),
                      "NUL byte at offset " + std::to_string(nul) +
                          ": not a text file (UTF-16 without a byte order mark?); save it as UTF-8");
  }
  const size_t bad = first_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    const int line = line_of_offset(text, bad);
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
    return make_error(rel, line,
                      "invalid UTF-8 (byte " + std::string(byte) + " at offset " + std::to_string(bad) +
                          "); the file is not UTF-8 text, save it as UTF-8");
  }
  return std::nullopt;
}

std::optional<InputError> check_article_text(std::string_view rel, std::string_view& text) {
  if (auto err = check_encoding(rel, text)) return err;
  if (trim(text).empty()) return make_error(rel, 0, "empty article");
  return std::nullopt;
}

std::string trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && to_lower_ascii(s.substr(0, prefix.size())) == to_lower_ascii(prefix);
}

std::vector<std::string> split_trimmed(std::string_view s, std::string_view separators) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = s.find_first_of(separators, start);
    std::string piece =
        trim(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (!piece.empty()) out.push_back(std::move(piece));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string normalize_language(std::string_view tag) {
  std::string t = to_lower_ascii(trim(tag));
  if (const size_t cut = t.find_first_of("-_"); cut != std::string::npos) t.resize(cut);
  return t;
}

void ensure_xml_initialized() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

namespace {

void capture_first_xml_error(void* arg, xmlErrorPtr error) {
  auto* out = static_cast<XmlError*>(arg);
  if (out->set || error == nullptr || error->level < XML_ERR_ERROR) return;  // keep the first error
  out->set = true;
  out->line = error->line;
  out->message = trim(error->message ? error->message : "XML error");
}

}  // namespace

void keep_first_xml_error(xmlTextReader* reader, XmlError& error) {
  xmlTextReaderSetStructuredErrorHandler(reader, capture_first_xml_error, &error);
}

namespace {

std::string hex_byte(unsigned char byte) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", byte);
  return buf;
}

}  // namespace

std::optional<JsonProblem> json_shape_problem(std::string_view text) {
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {  // skip the string, escapes included
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting)
        return JsonProblem{i, "nested deeper than " + std::to_string(kMaxNesting) + " levels"};
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = i;
      while (end < text.size() && std::strchr("0123456789+-.eE", text[end]) != nullptr && text[end] != '\0')
        ++end;
      const std::string number(text.substr(i, end - i));
      if (std::isinf(std::strtod(number.c_str(), nullptr)))
        return JsonProblem{i, "number " + excerpt(number) + " is beyond the range of a double"};
      i = end - 1;
    }
  }
  return std::nullopt;
}

int json_member_line(std::string_view text, std::string_view key) {
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const size_t begin = ++i;
      for (; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      if (depth != 1 || text.substr(begin, i - begin) != key) continue;
      size_t after = i + 1;
      while (after < text.size() && std::strchr(" \t\r\n", text[after]) != nullptr && text[after] != '\0')
        ++after;
      if (after < text.size() && text[after] == ':') return line_of_offset(text, begin);
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return 0;
}

std::string excerpt(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "\u2026";
}

std::string printable(std::string_view s) {
  std::string out;
  while (!s.empty()) {
    const size_t bad = first_invalid_utf8(s);
    for (char c : s.substr(0, bad)) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '\n')
        out += "\\n";
      else if (c == '\t')
        out += "\\t";
      else if (byte < 0x20 || byte == 0x7F)
        out += hex_byte(byte);
      else
        out += c;
    }
    if (bad == std::string_view::npos) break;
    out += hex_byte(static_cast<unsigned char>(s[bad]));
    s.remove_prefix(bad + 1);
  }
  return out;
}

namespace {

std::string over_bound(std::string_view field, std::string_view value, size_t bound) {
  return field.empty() || value.size() <= bound
             ? std::string()
             : std::string(field) + " \"" + excerpt(value) + "\" is " + std::to_string(value.size()) +
                   " bytes long (at most " + std::to_string(bound) + ")";
}

}  // namespace

std::string oversized_field(const Item& item) {
  std::string problem;
  for (const Passage& p : item.passages) {
    if (!problem.empty()) break;
    const std::pair<const char*, const std::string*> names[] = {
        {"vendor", &p.vendor}, {"product", &p.product}, {"language", &p.language}, {"severity", &p.severity}};
    for (const auto& [field, value] : names)
      if (problem.empty()) problem = over_bound(field, *value, kMaxNameBytes);
    for (const auto& code : p.codes)
      if (problem.empty()) problem = over_bound("code", code, kMaxNameBytes);
    for (const auto& tag : p.tags)
      if (problem.empty()) problem = over_bound("tag", tag, kMaxNameBytes);
    // A catalogue entry's id is "<vendor>:<code>".
    if (problem.empty())
      problem =
          over_bound("id", p.doc_id, p.kind == SourceKind::kCatalogue ? 2 * kMaxNameBytes + 1 : kMaxIdBytes);
  }
  return problem.empty() ? over_bound("id", item.uid, kMaxIdBytes + 16) : problem;
}

bool declares_entities(xmlTextReader* reader) {
  if (xmlTextReaderNodeType(reader) != XML_READER_TYPE_DOCUMENT_TYPE) return false;
  const xmlNode* node = xmlTextReaderCurrentNode(reader);
  return node != nullptr && node->type == XML_DTD_NODE &&
         reinterpret_cast<const xmlDtd*>(node)->entities != nullptr;
}

std::string join_nonempty(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

}  // namespace errkb::ingest
