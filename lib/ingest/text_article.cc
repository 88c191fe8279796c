// Plain-text articles. Headings are "# Title" lines and section lines standing alone
// ("Cause:", "CAUSE", "Cauza 2: DNS neactualizat"); lists are "- ", "* ", "• ", "1. ", "1) " lines;
// paragraphs are separated by blank lines. The first line is the title when it is not a section.
#include <cctype>

#include "errkb/ingest.h"
#include "ingest/article.h"
#include "ingest/internal.h"

namespace errkb {
namespace ingest {
namespace {

struct ListMarker {
  bool found = false;
  bool ordered = false;
  size_t text_begin = 0;
};

ListMarker list_marker(std::string_view line) {
  ListMarker m;
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (line.substr(i, 2) == "- " || line.substr(i, 2) == "* " || line.substr(i, 2) == "+ ") {
    m.found = true;
    m.text_begin = i + 2;
  } else if (line.substr(i, 4) == "\xE2\x80\xA2 ") {  // "• "
    m.found = true;
    m.text_begin = i + 4;
  } else {
    size_t d = i;
    while (d < line.size() && std::isdigit(static_cast<unsigned char>(line[d]))) ++d;
    if (d > i && d - i <= 3 && d + 1 < line.size() && (line[d] == '.' || line[d] == ')') &&
        line[d + 1] == ' ') {
      m.found = true;
      m.ordered = true;
      m.text_begin = d + 2;
    }
  }
  return m;
}

int word_count(std::string_view s) {
  int n = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

// A section line: the keyword alone, numbered, or followed by a short title after ':' or '-'.
// "Cause: the certificate expired yesterday." is a heading followed by its first sentence.
bool section_line(std::string_view line, std::string& heading, std::string& first_text) {
  const HeadingInfo info = classify_heading(line);
  if (info.type == SectionType::kOther) return false;
  const std::string t = trim(line);
  if (info.rest.empty()) {
    heading = t;
    while (!heading.empty() && heading.back() == ':') heading.pop_back();
    return true;
  }
  if (!info.rest_separated) return word_count(t) <= 6 && t.back() != '.';
  const bool sentence = info.rest.back() == '.' || word_count(info.rest) > 8;
  if (!sentence) {
    heading = t;
    return true;
  }
  // Where the rest starts in the line (it may end before the line does: "**" after it is dropped).
  heading = trim(std::string_view(t).substr(0, t.rfind(info.rest)));
  while (!heading.empty() && (heading.back() == ':' || heading.back() == '-' || heading.back() == ' ')) {
    heading.pop_back();
  }
  first_text = info.rest;
  return true;
}

}  // namespace
}  // namespace ingest

FileReadResult read_text_article(std::string_view rel, std::string_view text) {
  using namespace ingest;
  FileReadResult result;
  ArticleSource src;
  std::string_view body;
  if (!open_article(rel, text, FrontMatter::kAllowed, src, body, result)) return result;

  std::vector<Block>& blocks = src.blocks;
  Block current;  // paragraph or list being built
  bool open = false;
  auto close = [&] {
    if (open) {
      if (current.kind == Block::Kind::kParagraph) current.text = trim(current.text);
      if (current.kind == Block::Kind::kList ? !current.items.empty() : !current.text.empty()) {
        blocks.push_back(std::move(current));
      }
    }
    current = Block{};
    open = false;
  };
  auto add_heading = [&](std::string heading, int level) {
    close();
    Block h;
    h.kind = Block::Kind::kHeading;
    h.level = level;
    h.text = std::move(heading);
    blocks.push_back(std::move(h));
  };

  bool title_seen = false;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t end = body.find('\n', pos);
    std::string_view line =
        body.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? body.size() : end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string t = trim(line);
    if (t.empty()) {
      close();
      continue;
    }
    if (t[0] == '#') {
      size_t level = t.find_first_not_of('#');
      if (level <= 6 && t[level] == ' ') {  // npos (only '#') is over 6
        add_heading(trim(std::string_view(t).substr(level)), static_cast<int>(level));
        title_seen = true;
        continue;
      }
    }
    // Setext-style underline ("=====" / "-----") under a one-line paragraph.
    if (t.size() >= 3 && t.find_first_not_of(t[0] == '=' ? '=' : '-') == std::string::npos &&
        (t[0] == '=' || t[0] == '-') && open && current.kind == Block::Kind::kParagraph &&
        current.text.find('\n') == std::string::npos) {
      std::string heading = trim(current.text);
      current = Block{};
      open = false;
      add_heading(std::move(heading), t[0] == '=' ? 1 : 2);
      title_seen = true;
      continue;
    }
    std::string heading, first_text;
    if (section_line(t, heading, first_text)) {
      add_heading(std::move(heading), 2);
      title_seen = true;
      if (!first_text.empty()) {
        current.kind = Block::Kind::kParagraph;
        current.text = std::move(first_text);
        open = true;
      }
      continue;
    }
    if (!title_seen && blocks.empty() && !open && t.size() <= 200) {
      // The first line of a plain-text article is its title.
      const size_t next_end = body.find('\n', pos);
      std::string_view next =
          body.substr(pos, next_end == std::string_view::npos ? std::string_view::npos : next_end - pos);
      const std::string nt = trim(next);
      const bool underlined = nt.size() >= 3 &&
                              nt.find_first_not_of(nt[0] == '=' ? '=' : '-') == std::string::npos &&
                              (nt[0] == '=' || nt[0] == '-');
      std::string next_heading, next_text;
      if (!underlined && (nt.empty() || nt[0] == '#' || section_line(nt, next_heading, next_text))) {
        add_heading(t, 1);
        title_seen = true;
        continue;
      }
    }
    title_seen = true;
    const ListMarker marker = list_marker(line);
    if (marker.found) {
      if (!open || current.kind != Block::Kind::kList || current.ordered != marker.ordered) {
        close();
        current.kind = Block::Kind::kList;
        current.ordered = marker.ordered;
        open = true;
      }
      current.items.push_back(trim(line.substr(marker.text_begin)));
      continue;
    }
    if (open && current.kind == Block::Kind::kList) {
      current.items.back() += " " + t;  // continuation of the last item
      continue;
    }
    if (!open) {
      current.kind = Block::Kind::kParagraph;
      open = true;
    } else {
      current.text += ' ';
    }
    current.text += t;
  }
  close();

  if (!blocks.empty() && blocks.front().kind == Block::Kind::kHeading && blocks.front().level == 1 &&
      classify_heading(blocks.front().text).type == SectionType::kOther) {
    src.title = blocks.front().text;
    blocks.erase(blocks.begin());
  }
  result.items.push_back(build_article_item(src));
  return result;
}

}  // namespace errkb
