// HTML articles and HTML forum posts, parsed with gumbo (an HTML5 parser).
#include <gumbo.h>

#include <memory>
#include <unordered_map>

#include "errkb/ingest.h"
#include "errkb/text.h"
#include "ingest/article.h"
#include "ingest/internal.h"

namespace errkb {
namespace ingest {
namespace {

// gumbo keeps every parse error by default (max_errors = -1): tens of thousands of unclosed tags
// then cost gigabytes. The errors are never read here.
const GumboOptions& parse_options() {
  static const GumboOptions options = [] {
    GumboOptions o = kGumboDefaultOptions;
    o.max_errors = 0;
    return o;
  }();
  return options;
}

struct OutputDeleter {
  void operator()(GumboOutput* out) const { gumbo_destroy_output(&parse_options(), out); }
};
using GumboDoc = std::unique_ptr<GumboOutput, OutputDeleter>;

GumboDoc parse_html(std::string_view html) {
  return GumboDoc(gumbo_parse_with_options(&parse_options(), html.data(), html.size()));
}

// gumbo's time grows with the square of the nesting depth (each start tag looks down the stack of
// open elements): 100,000 nested <div> take half a minute. Before gumbo sees a document, its depth
// is estimated in one pass over the tags: elements closed implicitly (p, li, td, ...) and void
// elements do not nest; an end tag closes only a name that is open. Over this bound, an article is
// rejected and a post body is read without its tags.
constexpr int kMaxHtmlDepth = 256;

bool never_nests(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "p",     "li",    "dt",     "dd",       "option",  "optgroup", "tr",       "td",      "th",    "thead",
      "tbody", "tfoot", "rb",     "rt",       "rtc",     "rp",       "colgroup", "caption", "area",  "base",
      "br",    "col",   "embed",  "hr",       "img",     "input",    "link",     "meta",    "param", "source",
      "track", "wbr",   "keygen", "basefont", "bgsound", "frame",    "image"};
  for (std::string_view n : kNames)
    if (n == name) return true;
  return false;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// The offset where the estimated depth first passes kMaxHtmlDepth, or npos.
size_t too_deep_at(std::string_view html) {
  std::unordered_map<std::string, int> open;
  int depth = 0;
  for (size_t i = html.find('<'); i != std::string_view::npos; i = html.find('<', i + 1)) {
    if (html.compare(i, 4, "<!--") == 0) {
      i = html.find("-->", i + 4);
      if (i == std::string_view::npos) break;
      continue;
    }
    const bool end_tag = i + 1 < html.size() && html[i + 1] == '/';
    size_t begin = i + (end_tag ? 2 : 1), end = begin;
    while (end < html.size() && is_name_char(html[end])) ++end;
    if (end == begin) continue;
    const std::string name = to_lower_ascii(html.substr(begin, end - begin));
    if (never_nests(name)) continue;
    if (end_tag) {
      if (auto it = open.find(name); it != open.end() && it->second > 0) {
        --it->second;
        --depth;
      }
    } else {
      ++open[name];
      if (++depth > kMaxHtmlDepth) return i;
    }
  }
  return std::string_view::npos;
}

// The text between the tags, for a post body too deep to parse.
std::string without_tags(std::string_view html) {
  std::string out;
  bool in_tag = false;
  for (char c : html) {
    if (c == '<')
      in_tag = true;
    else if (c == '>' && in_tag)
      in_tag = false, out += ' ';
    else if (!in_tag)
      out += c;
  }
  return collapse_whitespace(out);
}

bool is_skipped(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_NAV:
      return true;
    default:
      return false;
  }
}

int heading_level(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_H1:
      return 1;
    case GUMBO_TAG_H2:
      return 2;
    case GUMBO_TAG_H3:
      return 3;
    case GUMBO_TAG_H4:
      return 4;
    case GUMBO_TAG_H5:
      return 5;
    case GUMBO_TAG_H6:
      return 6;
    default:
      return 0;
  }
}

// Elements that start a new line of text (everything else is inline).
bool is_block(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
      return true;
    default:
      return false;
  }
}

// A text node's text. Gumbo decodes a character reference past U+10FFFF ("&#5555555555555555555;") into a
// byte that begins no valid UTF-8 sequence: such bytes become U+FFFD.
// The view is of the node's own text, or of `fixed` when it had to be mended.
std::string_view gumbo_text(const GumboNode* node, std::string& fixed) {
  const std::string_view text = node->v.text.text;
  if (is_valid_utf8(text)) return text;
  fixed = valid_utf8(text);
  return fixed;
}

// Text of a subtree: inline runs collapsed, blocks on their own lines, <br> as a newline,
// <pre> verbatim, list items as "- item" / "1. item", table cells separated by " | ".
class TextCollector {
 public:
  std::string take() {
    end_line();
    std::string out = join_nonempty(lines_, "\n");
    lines_.clear();
    return out;
  }

  void visit(const GumboNode* node, bool in_pre = false, int depth = 0) {
    if (depth > kMaxHtmlDepth * 2) return;  // deeper than the estimate allowed: not read
    switch (node->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_CDATA:
      case GUMBO_NODE_WHITESPACE:
        if (in_pre) {
          line_ += gumbo_text(node, fixed_);
        } else {
          append_inline(gumbo_text(node, fixed_));
        }
        return;
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE:
        break;
      default:
        return;
    }
    const GumboElement& el = node->v.element;
    if (is_skipped(el.tag) || el.tag == GUMBO_TAG_TITLE) return;
    if (el.tag == GUMBO_TAG_BR) {
      end_line();
      return;
    }
    if (el.tag == GUMBO_TAG_PRE) {
      end_line();
      std::string saved;
      saved.swap(line_);
      for (unsigned i = 0; i < el.children.length; ++i)
        visit(static_cast<GumboNode*>(el.children.data[i]), true, depth + 1);
      for (auto& piece : split_lines(line_)) lines_.push_back(std::move(piece));
      line_ = std::move(saved);
      return;
    }
    if (el.tag == GUMBO_TAG_UL || el.tag == GUMBO_TAG_OL) {
      end_line();
      int n = 0;
      for (unsigned i = 0; i < el.children.length; ++i) {
        const auto* child = static_cast<const GumboNode*>(el.children.data[i]);
        if (child->type == GUMBO_NODE_ELEMENT && child->v.element.tag == GUMBO_TAG_LI) {
          line_ = el.tag == GUMBO_TAG_OL ? std::to_string(++n) + ". " : "- ";
          marker_only_ = true;
          for (unsigned j = 0; j < child->v.element.children.length; ++j) {
            visit(static_cast<GumboNode*>(child->v.element.children.data[j]), in_pre, depth + 2);
          }
          end_line();
        } else {
          visit(child, in_pre, depth + 1);
        }
      }
      return;
    }
    const bool block = is_block(el.tag);
    if (block) end_line();
    const bool cell = el.tag == GUMBO_TAG_TD || el.tag == GUMBO_TAG_TH;
    if (cell && !line_.empty() && !marker_only_) line_ += " | ";
    for (unsigned i = 0; i < el.children.length; ++i)
      visit(static_cast<GumboNode*>(el.children.data[i]), in_pre, depth + 1);
    if (block) end_line();
  }

 private:
  static std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      std::string l = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      while (!l.empty() && (l.back() == ' ' || l.back() == '\r' || l.back() == '\t')) l.pop_back();
      if (!trim(l).empty()) out.push_back(std::move(l));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return out;
  }

  void append_inline(std::string_view text) {
    for (char ch : text) {
      const bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f';
      if (space) {
        if (!line_.empty() && line_.back() != ' ') line_ += ' ';
      } else {
        line_ += ch;
        marker_only_ = false;
      }
    }
  }

  void end_line() {
    std::string t = trim(line_);
    if (!t.empty() && !marker_only_) lines_.push_back(std::move(t));
    line_.clear();
    marker_only_ = false;
  }

  std::vector<std::string> lines_;
  std::string line_;
  std::string fixed_;         // a text node's text, mended (gumbo_text)
  bool marker_only_ = false;  // the line holds only a list marker so far
};

std::string node_text(const GumboNode* node) {
  TextCollector c;
  c.visit(node);
  return c.take();
}

// The article's blocks, in document order.
class BlockCollector {
 public:
  explicit BlockCollector(std::vector<Block>& out) : out_(out) {}

  void visit(const GumboNode* node, int depth = 0) {
    if (depth > kMaxHtmlDepth * 2) return;  // deeper than the estimate allowed: not read
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA) {
      loose_.visit(node);
      return;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return;
    const GumboElement& el = node->v.element;
    if (is_skipped(el.tag) || el.tag == GUMBO_TAG_TITLE) return;
    Block b;
    if (int level = heading_level(el.tag)) {
      b.kind = Block::Kind::kHeading;
      b.level = level;
      b.text = collapse_whitespace(node_text(node));
    } else if (el.tag == GUMBO_TAG_P && split_bold_label(node)) {
      return;
    } else if (el.tag == GUMBO_TAG_P || el.tag == GUMBO_TAG_TABLE || el.tag == GUMBO_TAG_DL) {
      b.text = node_text(node);
    } else if (el.tag == GUMBO_TAG_PRE) {
      b.kind = Block::Kind::kCode;
      b.text = node_text(node);
    } else if (el.tag == GUMBO_TAG_UL || el.tag == GUMBO_TAG_OL) {
      b.kind = Block::Kind::kList;
      b.ordered = el.tag == GUMBO_TAG_OL;
      for (unsigned i = 0; i < el.children.length; ++i) {
        const auto* li = static_cast<const GumboNode*>(el.children.data[i]);
        if (li->type != GUMBO_NODE_ELEMENT || li->v.element.tag != GUMBO_TAG_LI) continue;
        std::string t = node_text(li);
        if (!t.empty()) b.items.push_back(std::move(t));
      }
    } else {
      if (is_block(el.tag)) flush_loose();
      for (unsigned i = 0; i < el.children.length; ++i)
        visit(static_cast<GumboNode*>(el.children.data[i]), depth + 1);
      if (is_block(el.tag)) flush_loose();
      return;
    }
    flush_loose();
    if (b.kind == Block::Kind::kList ? !b.items.empty() : !b.text.empty()) out_.push_back(std::move(b));
  }

  void finish() { flush_loose(); }

 private:
  // "<p><strong>Cause 2:</strong> DNS not propagated</p>": the bold label is a section heading.
  bool split_bold_label(const GumboNode* p) {
    const GumboVector& children = p->v.element.children;
    const GumboNode* label = nullptr;
    unsigned i = 0;
    for (; i < children.length; ++i) {
      const auto* c = static_cast<const GumboNode*>(children.data[i]);
      if (c->type == GUMBO_NODE_WHITESPACE) continue;
      if (c->type == GUMBO_NODE_ELEMENT &&
          (c->v.element.tag == GUMBO_TAG_STRONG || c->v.element.tag == GUMBO_TAG_B)) {
        label = c;
      }
      break;
    }
    if (label == nullptr) return false;
    std::string heading = collapse_whitespace(node_text(label));
    if (classify_heading(heading).type == SectionType::kOther) return false;
    while (!heading.empty() && heading.back() == ':') heading.pop_back();
    TextCollector rest;
    for (++i; i < children.length; ++i) rest.visit(static_cast<const GumboNode*>(children.data[i]));
    std::string text = rest.take();
    if (!text.empty() && (text.front() == ':' || text.front() == '-')) text = trim(text.substr(1));
    flush_loose();
    Block h;
    h.kind = Block::Kind::kHeading;
    h.level = 6;
    h.text = std::move(heading);
    out_.push_back(std::move(h));
    if (!text.empty()) {
      Block b;
      b.text = std::move(text);
      out_.push_back(std::move(b));
    }
    return true;
  }

  // Text sitting directly in a <div> or <body>, outside any <p>.
  void flush_loose() {
    std::string t = loose_.take();
    if (t.empty()) return;
    Block b;
    b.text = std::move(t);
    out_.push_back(std::move(b));
  }

  std::vector<Block>& out_;
  TextCollector loose_;
};

const GumboNode* find_first(const GumboNode* node, GumboTag tag, int depth = 0) {
  if (node->type != GUMBO_NODE_ELEMENT || depth > kMaxHtmlDepth * 2) return nullptr;
  if (node->v.element.tag == tag) return node;
  for (unsigned i = 0; i < node->v.element.children.length; ++i) {
    if (auto* found = find_first(static_cast<GumboNode*>(node->v.element.children.data[i]), tag, depth + 1))
      return found;
  }
  return nullptr;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  if (too_deep_at(html) != std::string_view::npos) return without_tags(html);
  GumboDoc doc = parse_html(html);
  if (!doc) return "";
  return node_text(doc->root);
}

bool looks_like_html(std::string_view s) {
  for (size_t i = s.find('<'); i != std::string_view::npos && i + 1 < s.size(); i = s.find('<', i + 1)) {
    const char c = s[i + 1];
    if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!') &&
        s.find('>', i) != std::string_view::npos) {
      return true;
    }
  }
  return s.find("&amp;") != std::string_view::npos || s.find("&lt;") != std::string_view::npos ||
         s.find("&#") != std::string_view::npos;
}

}  // namespace ingest

FileReadResult read_html_article(std::string_view rel, std::string_view text) {
  using namespace ingest;
  FileReadResult result;
  ArticleSource src;
  std::string_view body;
  if (!open_article(rel, text, FrontMatter::kNone, src, body, result)) return result;
  if (const size_t at = too_deep_at(body); at != std::string_view::npos) {
    result.errors.push_back(
        make_error(rel, line_of_offset(body, at),
                   "elements nested deeper than " + std::to_string(kMaxHtmlDepth) + " levels"));
    result.complete = false;
    return result;
  }
  GumboDoc doc = parse_html(body);
  if (!doc) {
    result.errors.push_back(make_error(rel, 0, "the HTML parser returned no document"));
    result.complete = false;
    return result;
  }
  if (const GumboNode* title = find_first(doc->root, GUMBO_TAG_TITLE)) {
    std::string t;
    for (unsigned i = 0; i < title->v.element.children.length; ++i) {
      const auto* child = static_cast<const GumboNode*>(title->v.element.children.data[i]);
      std::string fixed;
      if (child->type == GUMBO_NODE_TEXT) t += gumbo_text(child, fixed);
    }
    src.title = collapse_whitespace(t);
  }
  // <html lang="ro"> is the document's own language tag; <link rel="canonical"> its address.
  if (doc->root->type == GUMBO_NODE_ELEMENT) {
    if (const GumboAttribute* lang = gumbo_get_attribute(&doc->root->v.element.attributes, "lang")) {
      src.meta.language = normalize_language(lang->value);
    }
  }
  if (const GumboNode* head = find_first(doc->root, GUMBO_TAG_HEAD)) {
    for (unsigned i = 0; i < head->v.element.children.length; ++i) {
      const auto* child = static_cast<const GumboNode*>(head->v.element.children.data[i]);
      if (child->type != GUMBO_NODE_ELEMENT || child->v.element.tag != GUMBO_TAG_LINK) continue;
      const GumboAttribute* rel_attr = gumbo_get_attribute(&child->v.element.attributes, "rel");
      const GumboAttribute* href = gumbo_get_attribute(&child->v.element.attributes, "href");
      if (rel_attr && href && to_lower_ascii(rel_attr->value) == "canonical")
        src.meta.url = trim(href->value);
    }
  }
  BlockCollector collector(src.blocks);
  collector.visit(doc->root);
  collector.finish();

  // The first h1 is the title (or repeats it); it is not a section of its own.
  for (size_t i = 0; i < src.blocks.size(); ++i) {
    const Block& b = src.blocks[i];
    if (b.kind != Block::Kind::kHeading) continue;
    if (b.level == 1 && classify_heading(b.text).type == SectionType::kOther &&
        (src.title.empty() || src.title == b.text || i == 0)) {
      if (src.title.empty()) src.title = b.text;
      if (src.title == b.text || i == 0)
        src.blocks.erase(src.blocks.begin() + static_cast<std::ptrdiff_t>(i));
    }
    break;
  }
  result.items.push_back(build_article_item(src));
  return result;
}

}  // namespace errkb
