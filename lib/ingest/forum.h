// A forum thread as both forum readers (JSON Lines, Stack Exchange Posts.xml) see it, and the
// rule that turns it into passages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "errkb/record.h"

namespace errkb::ingest {

struct ForumPost {
  std::string id, author, created;
  std::string text;  // plain text (HTML already stripped)
  int votes = 0;
  bool accepted = false;
  bool is_question = false;
};

struct ForumThread {
  std::string id;  // doc_id
  std::string url, title, language, product, vendor, created;
  std::vector<std::string> tags;
  std::vector<ForumPost> posts;
};

// The question is the symptoms of every passage; the accepted answer and answers with votes >= 2
// (else the best answer with votes >= 1) are one passage each; with none, one passage holds the
// question as its body.
Item build_forum_item(std::string_view rel, const ForumThread& thread, std::string_view source_bytes);

// Post bodies may be HTML or plain text.
std::string post_text(std::string_view body);

}  // namespace errkb::ingest
