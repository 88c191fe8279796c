#include "rank/reply.h"

#include "rank/phrases.h"

namespace errkb::rank {
namespace {

constexpr size_t kMaxCauseBytes = 600;
constexpr size_t kMaxChecks = 3;

// A KB text cut at a sentence or word end near `max_bytes`.
std::string bounded(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = text.rfind(". ", max_bytes);
  if (cut != std::string::npos && cut > max_bytes / 2) return text.substr(0, cut + 1);
  cut = text.rfind(' ', max_bytes);
  if (cut == std::string::npos) cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

// A list entry as a line of the reply: numbered steps stay as written, anything else gets a dash.
std::string as_item(const std::string& entry) {
  const bool numbered = !entry.empty() && entry[0] >= '1' && entry[0] <= '9';
  const bool dashed = entry.rfind("- ", 0) == 0;
  return numbered || dashed ? entry : "- " + entry;
}

void paragraph(std::string& out, const std::string& text) {
  if (text.empty()) return;
  if (!out.empty()) out += "\n\n";
  out += text;
}

}  // namespace

ReplyDraft draft_reply(const Cause& cause, const std::string& language) {
  ReplyDraft reply;
  reply.language = has_phrases(language) ? language : "en";
  reply.cause_id = cause.id;
  std::string& text = reply.text;
  paragraph(text, phrase(Phrase::kReplyGreeting, reply.language));
  std::string what = phrase(Phrase::kReplyCause, reply.language, {{"cause", cause.title}});
  if (!cause.cause.empty() && cause.cause != cause.title) what += "\n" + bounded(cause.cause, kMaxCauseBytes);
  paragraph(text, what);
  if (!cause.resolutions.empty())
    paragraph(text, phrase(Phrase::kReplySteps, reply.language) + "\n" + as_item(cause.resolutions.front()));
  if (!cause.prevention.empty())
    paragraph(text, phrase(Phrase::kReplyPrevention, reply.language) + "\n" + cause.prevention);
  if (!cause.checks.empty()) {
    std::string checks = phrase(Phrase::kReplyChecks, reply.language);
    for (size_t i = 0; i < cause.checks.size() && i < kMaxChecks; ++i)
      checks += "\n" + as_item(cause.checks[i]);
    paragraph(text, checks);
  }
  paragraph(text, phrase(Phrase::kReplySendBack, reply.language));
  paragraph(text, phrase(Phrase::kReplyClosing, reply.language));
  for (const auto& e : cause.evidence) reply.evidence.push_back(e.passage_id);
  return reply;
}

}  // namespace errkb::rank
