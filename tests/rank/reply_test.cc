// The reply draft: the KB's own text framed by the fixed sentences of the customer's language, and
// nothing else.
#include "rank/reply.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "rank/phrases.h"

namespace errkb::rank {
namespace {

Cause italian_cause() {
  Cause c;
  c.id = "kb-it-9#2";
  c.title = "Il certificato del server è scaduto";
  c.number = 2;
  c.cause = "Il certificato TLS del gateway è scaduto e le connessioni vengono rifiutate.";
  c.checks = {"Controllare la data di scadenza del certificato", "Verificare l'ora del server"};
  c.resolutions = {"1. Rinnovare il certificato. 2. Riavviare il gateway.",
                   "Usare un certificato temporaneo"};
  c.prevention = "Attivare il rinnovo automatico dei certificati.";
  c.evidence.push_back({"kb-it-9#2", "kb-it-9", "article", "Errore TLS", "", ""});
  c.evidence.push_back({"forum-3#1", "forum-3", "forum", "Certificato scaduto", "", ""});
  return c;
}

// Every line of the draft: a fixed sentence of `language`, or KB text of the cause (as a list item).
void expect_only_kb_text_and_templates(const ReplyDraft& reply, const Cause& c, std::string_view language) {
  std::set<std::string> allowed;
  for (int i = 0; i < static_cast<int>(Phrase::kCount); ++i)
    allowed.insert(phrase(static_cast<Phrase>(i), language, {{"cause", c.title}}));
  for (const std::string* kb : {&c.title, &c.cause, &c.prevention}) allowed.insert(*kb);
  for (const auto& list : {c.checks, c.resolutions})
    for (const auto& entry : list) {
      allowed.insert(entry);
      allowed.insert("- " + entry);
    }
  std::istringstream lines(reply.text);
  std::string line;
  size_t count = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++count;
    EXPECT_TRUE(allowed.count(line)) << "not KB text nor a fixed sentence of " << language << ": " << line;
  }
  EXPECT_GE(count, 5u);
}

TEST(ReplyDraft, OnlyTheKbsTextAndTheFixedSentencesOfTheQueryLanguage) {
  const Cause c = italian_cause();
  const ReplyDraft reply = draft_reply(c, "it");
  EXPECT_EQ(reply.language, "it");
  EXPECT_EQ(reply.cause_id, c.id);
  expect_only_kb_text_and_templates(reply, c, "it");
  // What caused it, what to do (the first resolution), how to avoid it, what to send back.
  EXPECT_NE(reply.text.find(phrase(Phrase::kReplyCause, "it", {{"cause", c.title}})), std::string::npos);
  EXPECT_NE(reply.text.find(c.resolutions.front()), std::string::npos);
  EXPECT_NE(reply.text.find(c.prevention), std::string::npos);
  EXPECT_NE(reply.text.find(phrase(Phrase::kReplySendBack, "it")), std::string::npos);
  EXPECT_EQ(reply.text.find(phrase(Phrase::kReplyGreeting, "en")), std::string::npos);
  EXPECT_EQ(reply.evidence, (std::vector<std::string>{"kb-it-9#2", "forum-3#1"}));
}

TEST(ReplyDraft, InEachLanguageOfThePhrasesAndEnglishOtherwise) {
  const Cause c = italian_cause();
  for (std::string_view language : kPhraseLanguages) {
    const ReplyDraft reply = draft_reply(c, std::string(language));
    EXPECT_EQ(reply.language, language);
    expect_only_kb_text_and_templates(reply, c, language);
  }
  const ReplyDraft german = draft_reply(c, "de");
  EXPECT_EQ(german.language, "en");
  expect_only_kb_text_and_templates(german, c, "en");
}

TEST(ReplyDraft, ACauseWithoutStepsOrPreventionLeavesTheirSentencesOut) {
  Cause c;
  c.id = "ru-1#1";
  c.title = "Истёк срок действия ключа API";
  const ReplyDraft reply = draft_reply(c, "ru");
  EXPECT_EQ(reply.text.find(phrase(Phrase::kReplySteps, "ru")), std::string::npos);
  EXPECT_EQ(reply.text.find(phrase(Phrase::kReplyPrevention, "ru")), std::string::npos);
  EXPECT_NE(reply.text.find(c.title), std::string::npos);
}

}  // namespace
}  // namespace errkb::rank
