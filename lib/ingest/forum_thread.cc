#include <algorithm>

#include "errkb/text.h"
#include "ingest/forum.h"
#include "ingest/internal.h"

namespace errkb::ingest {

std::string post_text(std::string_view body) {
  if (looks_like_html(body)) return html_to_text(body);
  return trim(body);
}

Item build_forum_item(std::string_view rel, const ForumThread& thread, std::string_view source_bytes) {
  const ForumPost* question = nullptr;
  for (const auto& p : thread.posts) {
    if (p.is_question) {
      question = &p;
      break;
    }
  }
  if (question == nullptr && !thread.posts.empty()) question = &thread.posts.front();

  std::vector<const ForumPost*> answers;
  for (const auto& p : thread.posts) {
    if (&p != question && !p.text.empty()) answers.push_back(&p);
  }
  std::vector<const ForumPost*> chosen;
  for (const ForumPost* a : answers) {
    if (a->accepted || a->votes >= 2) chosen.push_back(a);
  }
  if (chosen.empty()) {
    const ForumPost* best = nullptr;
    for (const ForumPost* a : answers) {
      if (a->votes >= 1 && (best == nullptr || a->votes > best->votes)) best = a;
    }
    if (best) chosen.push_back(best);
  }
  // The accepted answer first, then by votes; ties keep thread order.
  std::stable_sort(chosen.begin(), chosen.end(), [](const ForumPost* a, const ForumPost* b) {
    if (a->accepted != b->accepted) return a->accepted;
    return a->votes > b->votes;
  });

  const std::string question_text = question ? question->text : "";
  std::string language = thread.language;
  if (language.empty()) {
    std::string sample = thread.title + "\n" + question_text;
    for (const ForumPost* a : chosen) sample += "\n" + a->text;
    language = detect_language(sample);
  }

  auto base = [&]() {
    Passage p;
    p.doc_id = thread.id;
    p.kind = SourceKind::kForum;
    p.title = thread.title;
    p.url = thread.url;
    p.vendor = thread.vendor;
    p.product = thread.product;
    p.language = language;
    p.tags = thread.tags;
    p.created = thread.created;
    return p;
  };

  Item item;
  item.uid = "forum:" + thread.id;
  item.container = std::string(rel);
  item.signature = signature_of(source_bytes);
  if (chosen.empty()) {
    Passage p = base();
    p.id = thread.id + "#1";
    p.body = question_text;
    if (question) p.author = question->author;
    item.passages.push_back(std::move(p));
    return item;
  }
  for (const ForumPost* a : chosen) {
    Passage p = base();
    p.id = thread.id + "#" + std::to_string(item.passages.size() + 1);
    p.symptoms = question_text;
    p.cause = a->text;
    p.resolutions = {a->text};
    p.votes = a->votes;
    p.accepted = a->accepted;
    p.author = a->author;
    if (!a->created.empty()) p.created = a->created;
    item.passages.push_back(std::move(p));
  }
  return item;
}

}  // namespace errkb::ingest
