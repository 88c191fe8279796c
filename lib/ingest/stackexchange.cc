// Stack Exchange data-dump Posts.xml, streamed with libxml2's xmlTextReader: one <row> at a time,
// never the whole document in memory. Questions (PostTypeId 1) and answers (PostTypeId 2, ParentId)
// are grouped into threads; a thread becomes an Item like a JSON Lines thread.
#include <libxml/xmlreader.h>

#include <cstdio>
#include <map>
#include <memory>

#include "errkb/ingest.h"
#include "ingest/forum.h"
#include "ingest/internal.h"

namespace errkb {
namespace ingest {
namespace {

struct ReaderDeleter {
  void operator()(xmlTextReader* r) const { xmlFreeTextReader(r); }
};

std::string attribute(xmlTextReaderPtr reader, const char* name) {
  xmlChar* value = xmlTextReaderGetAttribute(reader, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

// "<windows><dns>" or "|windows|dns|".
std::vector<std::string> parse_tags(std::string_view tags) {
  std::string flat(tags);
  for (char& c : flat) {
    if (c == '<' || c == '>' || c == '|') c = ',';
  }
  return split_trimmed(flat, ",");
}

struct SeRow {
  std::string id, parent_id, accepted_answer_id, score, title, body, tags, created, author;
  std::string serialized() const {
    return id + '\x1f' + parent_id + '\x1f' + accepted_answer_id + '\x1f' + score + '\x1f' + title + '\x1f' +
           body + '\x1f' + tags + '\x1f' + created + '\x1f' + author + '\x1e';
  }
};

// Feeds the XML reader one line at a time. The reader parses whatever it is given before asking
// for more, so the rows before a broken or truncated line are delivered before the break is seen
// (dumps hold one <row> per line); with large blocks a truncated tail would take earlier rows with it.
struct LineSource {
  std::FILE* file = nullptr;
  AttributeCounter attributes;
  bool too_many_attributes = false;  // reading stopped there
};

int read_line_into(void* context, char* buffer, int len) {
  auto* src = static_cast<LineSource*>(context);
  if (src->too_many_attributes) return -1;
  int n = 0;
  while (n < len) {
    const int c = getc_unlocked(src->file);
    if (c == EOF) break;
    buffer[n++] = static_cast<char>(c);
    if (!src->attributes.feed(static_cast<char>(c))) {
      src->too_many_attributes = true;
      return -1;
    }
    if (c == '\n') break;
  }
  if (n == 0 && std::ferror(src->file)) return -1;
  return n;
}

int close_line_source(void* context) {
  auto* src = static_cast<LineSource*>(context);
  if (src->file) std::fclose(src->file);
  src->file = nullptr;
  return 0;
}

int to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoi(s);
  } catch (...) {
    return 0;
  }
}

}  // namespace
}  // namespace ingest

FileReadResult read_stackexchange_posts(const std::filesystem::path& path, std::string_view rel) {
  using namespace ingest;
  FileReadResult result;
  ensure_xml_initialized();
  LineSource source{.file = std::fopen(path.c_str(), "rb")};
  if (source.file == nullptr) {
    result.errors.push_back(make_error(rel, 0, "cannot open the file for reading"));
    result.complete = false;
    return result;
  }
  // The reader owns the source from here: it calls close_line_source when freed.
  std::unique_ptr<xmlTextReader, ReaderDeleter> reader(
      xmlReaderForIO(read_line_into, close_line_source, &source, path.c_str(), nullptr, XML_PARSE_NONET));
  if (!reader) {
    close_line_source(&source);
    result.errors.push_back(make_error(rel, 0, "cannot open the file for reading"));
    result.complete = false;
    return result;
  }
  XmlError error;
  keep_first_xml_error(reader.get(), error);

  std::vector<std::string> question_order;
  std::map<std::string, SeRow> questions;
  std::map<std::string, std::vector<SeRow>> answers_by_parent;
  int status = 0;
  while ((status = xmlTextReaderRead(reader.get())) == 1) {
    if (declares_entities(reader.get())) {
      result.errors.push_back(
          make_error(rel, xmlTextReaderGetParserLineNumber(reader.get()),
                     "entity declarations are not accepted (a Stack Exchange dump has none)"));
      result.complete = false;
      return result;
    }
    if (xmlTextReaderNodeType(reader.get()) != XML_READER_TYPE_ELEMENT) continue;
    const xmlChar* name = xmlTextReaderConstLocalName(reader.get());
    if (name == nullptr || std::string_view(reinterpret_cast<const char*>(name)) != "row") continue;
    const std::string type = attribute(reader.get(), "PostTypeId");
    if (type != "1" && type != "2") continue;  // wiki, tag excerpts, ...: not threads
    SeRow row;
    row.id = attribute(reader.get(), "Id");
    if (row.id.empty()) {
      result.errors.push_back(
          make_error(rel, xmlTextReaderGetParserLineNumber(reader.get()), "row without Id"));
      result.complete = false;
      continue;
    }
    row.score = attribute(reader.get(), "Score");
    row.body = attribute(reader.get(), "Body");
    row.created = attribute(reader.get(), "CreationDate");
    row.author = attribute(reader.get(), "OwnerDisplayName");
    if (row.author.empty()) {
      const std::string user = attribute(reader.get(), "OwnerUserId");
      if (!user.empty()) row.author = "user:" + user;
    }
    if (type == "1") {
      row.title = attribute(reader.get(), "Title");
      row.tags = attribute(reader.get(), "Tags");
      row.accepted_answer_id = attribute(reader.get(), "AcceptedAnswerId");
      if (questions.emplace(row.id, row).second) question_order.push_back(row.id);
    } else {
      row.parent_id = attribute(reader.get(), "ParentId");
      answers_by_parent[row.parent_id].push_back(std::move(row));
    }
  }
  if (source.too_many_attributes) {
    result.errors.push_back(make_error(rel, source.attributes.line(), source.attributes.message()));
    result.complete = false;
  } else if (status != 0 || error.set) {
    int line = error.line > 0 ? error.line : xmlTextReaderGetParserLineNumber(reader.get());
    std::string message = error.set ? error.message : "XML parse error";
    result.errors.push_back(make_error(rel, line, "broken or truncated XML: " + message));
    result.complete = false;
  }

  // Answers whose question is not in this file (a partial dump) have no thread to join: skipped.
  for (const std::string& qid : question_order) {
    const SeRow& q = questions[qid];
    ForumThread t;
    t.id = "se:" + q.id;
    t.title = q.title;
    t.created = q.created;
    t.tags = parse_tags(q.tags);
    std::string thread_source = q.serialized();
    ForumPost question;
    question.id = q.id;
    question.author = q.author;
    question.created = q.created;
    question.text = post_text(q.body);
    question.votes = to_int(q.score);
    question.is_question = true;
    t.posts.push_back(std::move(question));
    for (const SeRow& a : answers_by_parent[qid]) {
      ForumPost answer;
      answer.id = a.id;
      answer.author = a.author;
      answer.created = a.created;
      answer.text = post_text(a.body);
      answer.votes = to_int(a.score);
      answer.accepted = !q.accepted_answer_id.empty() && a.id == q.accepted_answer_id;
      t.posts.push_back(std::move(answer));
      thread_source += a.serialized();
    }
    result.items.push_back(build_forum_item(rel, t, thread_source));
  }
  return result;
}

}  // namespace errkb
