// The opening every article reader shares, and the YAML front matter of articles ("---" ... "---"
// at the top of the file), read with yaml-cpp.
#include <yaml-cpp/yaml.h>

#include "ingest/article.h"
#include "ingest/internal.h"

namespace errkb::ingest {
namespace {

// The next line of `text` from `pos` (without its newline); advances `pos` past it.
std::string_view next_line(std::string_view text, size_t& pos) {
  const size_t end = text.find('\n', pos);
  std::string_view line =
      text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  pos = end == std::string_view::npos ? text.size() : end + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string scalar_of(const YAML::Node& n) {
  if (!n || n.IsNull()) return "";
  if (!n.IsScalar()) throw YAML::RepresentationException(n.Mark(), "expected a single value");
  return trim(n.as<std::string>());
}

// `codes: [a, b]` or `codes: "a, b"`.
std::vector<std::string> list_of(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (n.IsScalar()) return split_trimmed(n.as<std::string>(), ",");
  if (!n.IsSequence())
    throw YAML::RepresentationException(n.Mark(), "expected a list or a comma-separated string");
  for (const auto& v : n) {
    std::string s = scalar_of(v);
    if (!s.empty()) out.push_back(std::move(s));
  }
  return out;
}

// yaml-cpp reads `title: "broken` as a value running on over the next lines, swallowing the fields
// there. Front matter values fit on their line: a quote a value opens must close on it. The 0-based
// index of the first line that breaks this, or -1.
int unclosed_quote_line(std::string_view yaml) {
  size_t pos = 0;
  for (int index = 0; pos < yaml.size(); ++index) {
    const std::string_view line = next_line(yaml, pos);
    const size_t colon = line.find(": ");
    if (colon == std::string_view::npos ||
        line.substr(0, colon).find_first_of("\"'#") != std::string_view::npos)
      continue;
    const std::string value = trim(line.substr(colon + 2));
    if (value.empty() || (value[0] != '"' && value[0] != '\'')) continue;
    const char quote = value[0];
    bool closed = false;
    for (size_t i = 1; i < value.size() && !closed; ++i) {
      if (quote == '"' && value[i] == '\\')
        ++i;  // an escape
      else if (value[i] == quote && quote == '\'' && i + 1 < value.size() && value[i + 1] == '\'')
        ++i;  // ''
      else if (value[i] == quote)
        closed = true;
    }
    if (!closed) return index;
  }
  return -1;
}

}  // namespace

std::optional<InputError> parse_front_matter(std::string_view rel, std::string_view text, ArticleMeta& meta,
                                             std::string_view& body, int& body_line) {
  body = text;
  body_line = 1;
  size_t pos = 0;
  if (trim(next_line(text, pos)) != "---") return std::nullopt;
  const size_t yaml_begin = pos;
  size_t yaml_end = std::string_view::npos;
  int line = 1;
  while (pos < text.size()) {
    const size_t line_start = pos;
    const std::string l = trim(next_line(text, pos));
    ++line;
    if (l == "---" || l == "...") {
      yaml_end = line_start;
      break;
    }
  }
  if (yaml_end == std::string_view::npos) {
    return make_error(rel, 1, "front matter opened with '---' is never closed");
  }
  const std::string yaml(text.substr(yaml_begin, yaml_end - yaml_begin));
  body = text.substr(pos);
  body_line = line + 1;
  // The YAML text starts on the file's line 2.
  if (const int open = unclosed_quote_line(yaml); open >= 0)
    return make_error(rel, open + 2, "bad YAML front matter: a quoted value is not closed on its line");
  try {
    const YAML::Node root = YAML::Load(yaml);
    if (root.IsNull()) return std::nullopt;
    if (!root.IsMap()) return make_error(rel, 2, "front matter must be a YAML mapping of fields");
    meta.id = scalar_of(root["id"]);
    meta.title = scalar_of(root["title"]);
    meta.language = normalize_language(scalar_of(root["language"]));
    meta.vendor = scalar_of(root["vendor"]);
    meta.product = scalar_of(root["product"]);
    meta.url = scalar_of(root["url"]);
    meta.updated = scalar_of(root["updated"]);
    meta.created = scalar_of(root["created"]);
    if (meta.created.empty()) meta.created = scalar_of(root["date"]);
    meta.codes = list_of(root["codes"]);
    meta.tags = list_of(root["tags"]);
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based within the YAML text, which starts on the file's line 2.
    const int at = e.mark.line >= 0 ? e.mark.line + 2 : 2;
    return make_error(rel, at, "bad YAML front matter: " + e.msg);
  }
  return std::nullopt;
}

bool open_article(std::string_view rel, std::string_view text, FrontMatter front_matter, ArticleSource& src,
                  std::string_view& body, FileReadResult& result) {
  const std::string_view raw = text;
  std::optional<InputError> err = check_article_text(rel, text);
  body = text;
  if (!err && front_matter == FrontMatter::kAllowed) {
    int body_line = 1;
    err = parse_front_matter(rel, text, src.meta, body, body_line);
  }
  if (err) {
    result.errors.push_back(std::move(*err));
    result.complete = false;
    return false;
  }
  src.rel = rel;
  src.raw = raw;
  return true;
}

}  // namespace errkb::ingest
