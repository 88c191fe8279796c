#include "rank/phrases.h"

#include <array>

namespace errkb::rank {
namespace {

constexpr size_t kLanguageCount = std::size(kPhraseLanguages);

struct Row {
  Phrase phrase;
  std::array<std::string_view, kLanguageCount> text;  // in kPhraseLanguages' order
};

// clang-format off
constexpr Row kTable[] = {
  {Phrase::kAskCode, {
    "What is the exact error code or the full error message? (A screenshot helps.)",
    "Care este codul exact al erorii sau mesajul complet? (O captură de ecran ajută.)",
    "Qual è il codice di errore esatto o il messaggio completo? (Uno screenshot aiuta.)",
    "Какой точный код ошибки или полный текст сообщения? (Поможет скриншот.)"}},
  {Phrase::kAskCodeReason, {
    "An exact code matches causes directly; without one the causes are ranked on the symptoms only.",
    "Un cod exact găsește cauzele direct; fără el, cauzele sunt ordonate doar după simptome.",
    "Un codice esatto trova direttamente le cause; senza, le cause sono ordinate solo in base ai sintomi.",
    "Точный код сразу указывает на причины; без него причины ранжируются только по симптомам."}},
  {Phrase::kAskSymptoms, {
    "What was the customer doing when the error appeared, and what changed recently?",
    "Ce făcea clientul când a apărut eroarea și ce s-a schimbat recent?",
    "Cosa stava facendo il cliente quando è comparso l'errore e cosa è cambiato di recente?",
    "Что делал клиент, когда появилась ошибка, и что недавно менялось?"}},
  {Phrase::kAskSymptomsReason, {
    "The KB knows what this code means but holds no known cause for it yet; the circumstances point to one.",
    "Baza de cunoștințe știe ce înseamnă codul, dar nu are încă o cauză cunoscută; circumstanțele indică una.",
    "La knowledge base sa cosa significa il codice ma non ne conosce ancora una causa; le circostanze ne indicano una.",
    "База знаний знает, что означает код, но пока не содержит известной причины; обстоятельства укажут на неё."}},
  {Phrase::kAskProduct, {
    "Which product is affected: {products}?",
    "Ce produs este afectat: {products}?",
    "Quale prodotto è interessato: {products}?",
    "Какой продукт затронут: {products}?"}},
  {Phrase::kAskProductReason, {
    "The likely causes concern different products.",
    "Cauzele probabile privesc produse diferite.",
    "Le cause probabili riguardano prodotti diversi.",
    "Вероятные причины относятся к разным продуктам."}},
  {Phrase::kAskCheck, {
    "Can the customer confirm this: {check}?",
    "Poate clientul confirma acest lucru: {check}?",
    "Il cliente può confermare questo: {check}?",
    "Может ли клиент подтвердить: {check}?"}},
  {Phrase::kAskCause, {
    "Does this match the customer's case: {cause}?",
    "Se potrivește cu situația clientului: {cause}?",
    "Corrisponde al caso del cliente: {cause}?",
    "Подходит ли это к случаю клиента: {cause}?"}},
  {Phrase::kAskPointsTo, {
    "A yes points to \"{cause}\", a no to the other causes.",
    "Un da indică „{cause}”, un nu celelalte cauze.",
    "Un sì indica \"{cause}\", un no le altre cause.",
    "«Да» указывает на «{cause}», «нет» — на другие причины."}},
  {Phrase::kOr, {" or ", " sau ", " o ", " или "}},
  {Phrase::kYes, {"yes", "da", "sì", "да"}},
  {Phrase::kNo, {"no", "nu", "no", "нет"}},
  {Phrase::kNoAnswerNothing, {
    "Nothing in the KB matches the question.",
    "Nimic din baza de cunoștințe nu corespunde întrebării.",
    "Nulla nella knowledge base corrisponde alla domanda.",
    "В базе знаний нет ничего, что подходит к вопросу."}},
  {Phrase::kMeaningOnly, {
    "The KB knows what the code means but holds no known cause for it.",
    "Baza de cunoștințe știe ce înseamnă codul, dar nu are o cauză cunoscută pentru el.",
    "La knowledge base sa cosa significa il codice ma non ne conosce una causa.",
    "База знаний знает, что означает код, но не содержит известной причины."}},
  {Phrase::kNoAnswerGuessedMeaning, {
    "The KB knows a meaning of the number only as a guess at its family: ask which product reported it.",
    "Baza de cunoștințe are un sens al numărului doar ghicind familia lui: întrebați ce produs l-a raportat.",
    "La knowledge base conosce un significato del numero solo indovinandone la famiglia: chiedete quale prodotto l'ha segnalato.",
    "База знаний знает значение числа лишь по догадке о его семействе: спросите, какой продукт его сообщил."}},
  {Phrase::kNoAnswerWeak, {
    "The best match is too uncertain to act on (confidence {confidence}).",
    "Cea mai bună potrivire este prea nesigură pentru a acționa (încredere {confidence}).",
    "La corrispondenza migliore è troppo incerta per agire (confidenza {confidence}).",
    "Лучшее совпадение слишком ненадёжно, чтобы действовать (уверенность {confidence})."}},
  {Phrase::kUnknownWords, {
    "The KB has nothing on: {words}.",
    "Baza de cunoștințe nu are nimic despre: {words}.",
    "La knowledge base non ha nulla su: {words}.",
    "В базе знаний нет ничего о: {words}."}},
  {Phrase::kLanguageFallback, {
    "The KB has no causes in {requested} for this question; they are given in {used}.",
    "Baza de cunoștințe nu are cauze în {requested} pentru această întrebare; sunt date în {used}.",
    "La knowledge base non ha cause in {requested} per questa domanda; sono date in {used}.",
    "В базе знаний нет причин на языке {requested} для этого вопроса; они приведены на языке {used}."}},
  {Phrase::kLanguageLower, {
    "The best match is in {used}; causes in {requested} follow it.",
    "Cea mai bună potrivire este în {used}; cauzele în {requested} urmează după ea.",
    "La corrispondenza migliore è in {used}; le cause in {requested} la seguono.",
    "Лучшее совпадение на языке {used}; причины на языке {requested} идут после него."}},
  {Phrase::kReplyGreeting, {"Hello,", "Bună ziua,", "Buongiorno,", "Здравствуйте!"}},
  {Phrase::kReplyCause, {
    "Thank you for the details. The most likely cause is: {cause}",
    "Vă mulțumim pentru detalii. Cauza cea mai probabilă este: {cause}",
    "Grazie per i dettagli. La causa più probabile è: {cause}",
    "Спасибо за подробности. Наиболее вероятная причина: {cause}"}},
  {Phrase::kReplySteps, {
    "Please try the following:",
    "Vă rugăm să încercați următoarele:",
    "Provi a fare quanto segue:",
    "Пожалуйста, попробуйте следующее:"}},
  {Phrase::kReplyPrevention, {
    "To avoid it next time:",
    "Pentru a evita problema data viitoare:",
    "Per evitarlo la prossima volta:",
    "Чтобы избежать этого в будущем:"}},
  {Phrase::kReplyChecks, {
    "If it still fails, please tell us what you see when you check:",
    "Dacă problema persistă, spuneți-ne ce vedeți când verificați:",
    "Se il problema persiste, ci dica cosa vede quando controlla:",
    "Если проблема сохранится, сообщите, что вы видите при проверке:"}},
  {Phrase::kReplySendBack, {
    "If this does not help, please reply with the exact error message or code, when it happened, and a screenshot.",
    "Dacă nu ajută, vă rugăm să ne răspundeți cu mesajul sau codul exact al erorii, când a apărut și o captură de ecran.",
    "Se non risolve, ci risponda con il messaggio o il codice di errore esatto, quando è successo e uno screenshot.",
    "Если это не поможет, пришлите, пожалуйста, точный текст или код ошибки, время её появления и скриншот."}},
  {Phrase::kReplyClosing, {"Kind regards,", "Cu stimă,", "Cordiali saluti,", "С уважением,"}},
};
// clang-format on

size_t language_index(std::string_view language) {
  for (size_t i = 0; i < kLanguageCount; ++i)
    if (kPhraseLanguages[i] == language) return i;
  return 0;
}

}  // namespace

bool has_phrases(std::string_view language) {
  for (std::string_view l : kPhraseLanguages)
    if (l == language) return true;
  return false;
}

std::string phrase(Phrase p, std::string_view language,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
  std::string_view pattern;
  for (const Row& row : kTable)
    if (row.phrase == p) pattern = row.text[language_index(language)];
  std::string out;
  out.reserve(pattern.size() + 64);
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '{') {
      const size_t close = pattern.find('}', i);
      if (close != std::string_view::npos) {
        const std::string_view name = pattern.substr(i + 1, close - i - 1);
        for (const auto& [key, value] : values)
          if (key == name) {
            out += value;
            i = close + 1;
            break;
          }
        if (i == close + 1) continue;
      }
    }
    out += pattern[i++];
  }
  return out;
}

}  // namespace errkb::rank
