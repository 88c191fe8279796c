// The shape every article reader (Markdown, HTML, plain text) reduces its file to, and the one
// place that turns it into cause passages. Readers only find headings, paragraphs and lists;
// which heading is a Cause and which resolution belongs to which cause is decided here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errkb/record.h"

namespace errkb::ingest {

struct Block {
  enum class Kind { kHeading, kParagraph, kList, kCode };
  Kind kind = Kind::kParagraph;
  int level = 0;                   // headings: 1..6
  std::string text;                // heading, paragraph or code text
  std::vector<std::string> items;  // lists: one entry per item
  bool ordered = false;            // lists: numbered
};

// Front-matter fields (Markdown; also accepted at the top of plain-text articles).
struct ArticleMeta {
  std::string id, title, language, vendor, product, url, updated, created;
  std::vector<std::string> codes, tags;
};

struct ArticleSource {
  std::string_view rel;  // KB-relative path ("articles/windows/x.md")
  std::string_view raw;  // the whole file, for the signature
  ArticleMeta meta;
  std::string title;  // from the document itself (first h1, <title>); meta.title wins
  std::vector<Block> blocks;
};

enum class SectionType { kOther, kSymptoms, kCause, kResolution, kPrevention, kChecks };

struct HeadingInfo {
  SectionType type = SectionType::kOther;
  std::optional<int> number;   // "Cause 2" -> 2
  std::string rest;            // text after the keyword and number ("DNS not propagated")
  bool rest_separated = true;  // the rest came after ':' / '-' (false: "Cause of the error")
};

// Recognises section headings in en/ro/it/ru, case- and diacritics-insensitively.
HeadingInfo classify_heading(std::string_view heading);

// Builds the article's Item (uid "article:<id>", passages "<id>#n").
Item build_article_item(const ArticleSource& source);

// Splits "---\n<yaml>\n---\n" off the top of `text`. On success `body` is the rest and
// `body_line` its first line number. A broken front matter is an error for the whole file.
std::optional<InputError> parse_front_matter(std::string_view rel, std::string_view text, ArticleMeta& meta,
                                             std::string_view& body, int& body_line);

// Whether an article format may open with YAML front matter (Markdown, plain text) or not (HTML).
enum class FrontMatter { kNone, kAllowed };

// The opening every article reader shares. Checks that `text` is article text (check_article_text),
// points `src` at the file and, when front matter is allowed, reads it into `src.meta`. `body` is
// the text left to parse: without a UTF-8 byte order mark and after any front matter. When the
// file cannot be read, its error goes into `result`, which is marked incomplete, and the answer is
// false.
bool open_article(std::string_view rel, std::string_view text, FrontMatter front_matter, ArticleSource& src,
                  std::string_view& body, FileReadResult& result);

// Article id from the path: "articles/windows/x.md" -> "windows/x".
std::string article_id_from_path(std::string_view rel);

}  // namespace errkb::ingest
