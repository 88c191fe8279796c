#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <xxhash.h>

#include <mutex>

#include <algorithm>
#include <cctype>
#include <cstdio>

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
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
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
    std::string piece = trim(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
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
