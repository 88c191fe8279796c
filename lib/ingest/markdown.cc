// Markdown articles: YAML front matter (yaml-cpp), then the CommonMark/GFM AST of cmark-gfm,
// reduced to headings, paragraphs, lists and code blocks.
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <cstring>
#include <memory>
#include <mutex>

#include "errkb/ingest.h"
#include "ingest/article.h"
#include "ingest/internal.h"

namespace errkb {
namespace ingest {
namespace {

bool is_type(cmark_node* node, const char* name) {
  const char* t = cmark_node_get_type_string(node);
  return t != nullptr && std::strcmp(t, name) == 0;
}

// The literal text under `node` (not its own), in document order. cmark's iterator walks the tree
// without recursion: inline nesting (emphasis in links in emphasis ...) has no depth bound.
void inline_text(cmark_node* node, std::string& out) {
  cmark_iter* it = cmark_iter_new(node);
  for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
    cmark_node* n = cmark_iter_get_node(it);
    if (ev != CMARK_EVENT_ENTER || n == node) continue;
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE: {
        const char* lit = cmark_node_get_literal(n);
        if (lit) out += lit;
        break;
      }
      case CMARK_NODE_SOFTBREAK:
        out += ' ';
        break;
      case CMARK_NODE_LINEBREAK:
        out += '\n';
        break;
      default:
        break;  // containers (their text follows) and inline HTML (a tag, not text)
    }
  }
  cmark_iter_free(it);
}

std::string inline_text(cmark_node* node) {
  std::string out;
  inline_text(node, out);
  return trim(out);
}

// The text of a subtree, a line per block, without recursion: how containers nested deeper than
// kMaxNesting are read (30,000 nested block quotes would overflow the stack of a recursive walk).
std::string flat_text(cmark_node* node) {
  std::string out;
  cmark_iter* it = cmark_iter_new(node);
  for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
    cmark_node* n = cmark_iter_get_node(it);
    const char* lit = cmark_node_get_literal(n);
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
        out += lit ? lit : "";
        break;
      case CMARK_NODE_SOFTBREAK:
        out += ' ';
        break;
      case CMARK_NODE_LINEBREAK:
        out += '\n';
        break;
      case CMARK_NODE_CODE_BLOCK:
        out += (lit ? lit : "") + std::string("\n");
        break;
      case CMARK_NODE_HTML_BLOCK:
        out += html_to_text(lit ? lit : "") + "\n";
        break;
      case CMARK_NODE_PARAGRAPH:
      case CMARK_NODE_HEADING:
        if (ev == CMARK_EVENT_EXIT) out += '\n';
        break;
      default:
        break;
    }
  }
  cmark_iter_free(it);
  return trim(out);
}

std::string block_text(cmark_node* node, int depth);

std::string list_text(cmark_node* list, int depth) {
  const bool ordered = cmark_node_get_list_type(list) == CMARK_ORDERED_LIST;
  std::string out;
  int n = 0;
  for (cmark_node* item = cmark_node_first_child(list); item != nullptr; item = cmark_node_next(item)) {
    if (!out.empty()) out += "\n";
    out += ordered ? std::to_string(++n) + ". " : "- ";
    out += block_text(item, depth + 1);
  }
  return out;
}

std::string table_text(cmark_node* table) {
  std::string out;
  for (cmark_node* row = cmark_node_first_child(table); row != nullptr; row = cmark_node_next(row)) {
    std::vector<std::string> cells;
    for (cmark_node* cell = cmark_node_first_child(row); cell != nullptr; cell = cmark_node_next(cell)) {
      cells.push_back(inline_text(cell));
    }
    if (!out.empty()) out += "\n";
    out += join_nonempty(cells, " | ");
  }
  return out;
}

// The text of a container block (list item, block quote): its child blocks, one per line.
std::string block_text(cmark_node* node, int depth) {
  if (depth > kMaxNesting) return flat_text(node);
  std::vector<std::string> parts;
  for (cmark_node* c = cmark_node_first_child(node); c != nullptr; c = cmark_node_next(c)) {
    switch (cmark_node_get_type(c)) {
      case CMARK_NODE_PARAGRAPH:
      case CMARK_NODE_HEADING:
        parts.push_back(inline_text(c));
        break;
      case CMARK_NODE_LIST:
        parts.push_back(list_text(c, depth + 1));
        break;
      case CMARK_NODE_CODE_BLOCK: {
        const char* lit = cmark_node_get_literal(c);
        parts.push_back(trim(lit ? lit : ""));
        break;
      }
      case CMARK_NODE_HTML_BLOCK: {
        const char* lit = cmark_node_get_literal(c);
        parts.push_back(trim(html_to_text(lit ? lit : "")));
        break;
      }
      default:
        if (is_type(c, "table")) {
          parts.push_back(table_text(c));
        } else {
          parts.push_back(block_text(c, depth + 1));
        }
    }
  }
  return join_nonempty(parts, "\n");
}

// "**Cause 2:** DNS not propagated" at the start of a paragraph acts as a heading.
bool split_bold_heading(cmark_node* paragraph, std::vector<Block>& out) {
  cmark_node* first = cmark_node_first_child(paragraph);
  if (first == nullptr || cmark_node_get_type(first) != CMARK_NODE_STRONG) return false;
  const std::string heading = inline_text(first);
  if (classify_heading(heading).type == SectionType::kOther) return false;
  std::string rest;
  for (cmark_node* c = cmark_node_next(first); c != nullptr; c = cmark_node_next(c)) {
    switch (cmark_node_get_type(c)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
        rest += cmark_node_get_literal(c) ? cmark_node_get_literal(c) : "";
        break;
      case CMARK_NODE_SOFTBREAK:
        rest += ' ';
        break;
      case CMARK_NODE_LINEBREAK:
        rest += '\n';
        break;
      case CMARK_NODE_HTML_INLINE:
        break;
      default:
        inline_text(c, rest);
    }
  }
  rest = trim(rest);
  if (!rest.empty() && (rest.front() == ':' || rest.front() == '-')) rest = trim(rest.substr(1));
  Block h;
  h.kind = Block::Kind::kHeading;
  h.level = 6;
  h.text = heading;
  while (!h.text.empty() && h.text.back() == ':') h.text.pop_back();
  out.push_back(std::move(h));
  if (!rest.empty()) {
    Block p;
    p.text = std::move(rest);
    out.push_back(std::move(p));
  }
  return true;
}

void collect_blocks(cmark_node* parent, std::vector<Block>& out, int depth = 0) {
  for (cmark_node* c = cmark_node_first_child(parent); c != nullptr; c = cmark_node_next(c)) {
    Block b;
    switch (cmark_node_get_type(c)) {
      case CMARK_NODE_HEADING:
        b.kind = Block::Kind::kHeading;
        b.level = cmark_node_get_heading_level(c);
        b.text = inline_text(c);
        break;
      case CMARK_NODE_PARAGRAPH:
        if (split_bold_heading(c, out)) continue;
        b.text = inline_text(c);
        break;
      case CMARK_NODE_LIST:
        b.kind = Block::Kind::kList;
        b.ordered = cmark_node_get_list_type(c) == CMARK_ORDERED_LIST;
        for (cmark_node* item = cmark_node_first_child(c); item != nullptr; item = cmark_node_next(item)) {
          std::string t = block_text(item, depth + 1);
          if (!t.empty()) b.items.push_back(std::move(t));
        }
        break;
      case CMARK_NODE_CODE_BLOCK: {
        b.kind = Block::Kind::kCode;
        const char* lit = cmark_node_get_literal(c);
        b.text = trim(lit ? lit : "");
        break;
      }
      case CMARK_NODE_HTML_BLOCK: {
        const char* lit = cmark_node_get_literal(c);
        b.text = trim(html_to_text(lit ? lit : ""));
        break;
      }
      case CMARK_NODE_BLOCK_QUOTE:
        if (depth < kMaxNesting) {
          collect_blocks(c, out, depth + 1);
          continue;
        }
        b.text = flat_text(c);
        break;
      case CMARK_NODE_THEMATIC_BREAK:
        continue;
      default:
        b.text = is_type(c, "table") ? table_text(c) : block_text(c, depth + 1);
    }
    if (b.kind == Block::Kind::kList ? !b.items.empty() : !b.text.empty()) out.push_back(std::move(b));
  }
}

struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};

}  // namespace
}  // namespace ingest

FileReadResult read_markdown_article(std::string_view rel, std::string_view text) {
  using namespace ingest;
  FileReadResult result;
  ArticleSource src;
  std::string_view body;
  if (!open_article(rel, text, FrontMatter::kAllowed, src, body, result)) return result;

  static std::once_flag registered;
  std::call_once(registered, [] { cmark_gfm_core_extensions_ensure_registered(); });
  std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(CMARK_OPT_DEFAULT));
  for (const char* name : {"table", "strikethrough", "autolink", "tasklist"}) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser.get(), ext);
    }
  }
  cmark_parser_feed(parser.get(), body.data(), body.size());
  std::unique_ptr<cmark_node, NodeDeleter> doc(cmark_parser_finish(parser.get()));
  if (!doc) {
    result.errors.push_back(make_error(rel, 0, "the Markdown parser returned no document"));
    result.complete = false;
    return result;
  }
  collect_blocks(doc.get(), src.blocks);

  // A leading level-1 heading that is not a section is the document's title.
  if (!src.blocks.empty() && src.blocks.front().kind == Block::Kind::kHeading &&
      src.blocks.front().level == 1 &&
      classify_heading(src.blocks.front().text).type == SectionType::kOther) {
    src.title = src.blocks.front().text;
    if (src.meta.title.empty() || src.meta.title == src.title) src.blocks.erase(src.blocks.begin());
  }
  result.items.push_back(build_article_item(src));
  return result;
}

}  // namespace errkb
