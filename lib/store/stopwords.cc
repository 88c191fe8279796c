#include "store/stopwords.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "errkb/text.h"

namespace errkb::store {

namespace {

// Languages whose Snowball stemmer reads a script other than Latin: their stemmer leaves a Latin word as
// it is ("locked" in a Russian page), where an English query stems it ("lock").
bool written_in_another_script(std::string_view language) {
  return language == "ru" || language == "el" || language == "ar" || language == "hy" || language == "ne" ||
         language == "ta";
}

}  // namespace

const std::vector<std::string_view>& stop_words(std::string_view language) {
  static const std::vector<std::string_view> kEnglish = {
      "a",    "an",   "and",   "are",   "as",    "at",    "be",    "been", "but",   "by",  "can", "do",
      "does", "for",  "from",  "had",   "has",   "have",  "he",    "her",  "his",   "i",   "if",  "in",
      "into", "is",   "it",    "its",   "me",    "my",    "of",    "on",   "or",    "our", "she", "so",
      "that", "the",  "their", "them",  "then",  "there", "these", "they", "this",  "to",  "was", "we",
      "were", "what", "when",  "which", "while", "who",   "will",  "with", "would", "you", "your"};
  static const std::vector<std::string_view> kRomanian = {
      "a",  "ai", "al",  "ale",  "am",  "ar",   "are",  "au",  "c",    "ca",   "care", "ce",     "cu",
      "da", "de", "din", "după", "el",  "ea",   "este", "eu",  "fi",   "fost", "iar",  "il",     "în",
      "îl", "la", "le",  "lor",  "lui", "mai",  "mă",   "ne",  "nu",   "o",    "pe",   "pentru", "prin",
      "sa", "să", "se",  "si",   "și",  "sunt", "un",   "una", "unei", "unui", "va",   "vă"};
  static const std::vector<std::string_view> kItalian = {
      "a",     "ad",  "al",   "alla",  "alle",  "anche", "che", "chi", "ci",  "come",  "con",   "da", "dal",
      "dalla", "dei", "del",  "della", "delle", "di",    "e",   "è",   "gli", "ha",    "hanno", "i",  "il",
      "in",    "la",  "le",   "lo",    "ma",    "mi",    "ne",  "nei", "nel", "nella", "non",   "o",  "per",
      "se",    "si",  "sono", "su",    "sul",   "sulla", "tra", "un",  "una", "uno"};
  static const std::vector<std::string_view> kRussian = {
      "а",   "без", "бы",    "был",  "была", "были",   "было", "в",   "во",  "вы",  "да", "для", "до",
      "его", "ее",  "её",    "если", "есть", "же",     "за",   "и",   "из",  "или", "им", "их",  "к",
      "как", "ко",  "когда", "ли",   "мы",   "на",     "не",   "нет", "но",  "о",   "об", "от",  "по",
      "при", "с",   "со",    "так",  "то",   "только", "у",    "уже", "что", "это", "я"};
  static const std::vector<std::string_view> kNone;
  if (language == "en") return kEnglish;
  if (language == "ro") return kRomanian;
  if (language == "it") return kItalian;
  // Russian text quotes English (messages, API names): its English stop words are dropped too, as an
  // English query drops them, so that word pairs across them meet.
  static const std::vector<std::string_view> kRussianAndEnglish = [] {
    std::vector<std::string_view> words(kRussian);
    words.insert(words.end(), kEnglish.begin(), kEnglish.end());
    return words;
  }();
  if (language == "ru") return kRussianAndEnglish;
  return kNone;
}

const Xapian::Stopper* stopper_for(const std::string& language) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Xapian::SimpleStopper>> stoppers;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = stoppers.find(language);
  if (it == stoppers.end()) {
    std::unique_ptr<Xapian::SimpleStopper> stopper;
    const auto& words = stop_words(language);
    if (!words.empty()) {
      stopper = std::make_unique<Xapian::SimpleStopper>();
      for (auto w : words) stopper->add(std::string(w));
    }
    it = stoppers.emplace(language, std::move(stopper)).first;
  }
  return it->second.get();
}

namespace {

// Stems a word of the language's own script with its stemmer and a word of ASCII letters with the English
// one: the Latin words of a technical text in such a language are English (messages, product and API
// names), and so stemmed they meet the same words in English pages and queries.
class ScriptAwareStem : public Xapian::StemImplementation {
 public:
  explicit ScriptAwareStem(const std::string& native) : native_(native), english_("english") {}
  std::string operator()(const std::string& word) override {
    const bool ascii =
        std::all_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    return ascii ? english_(word) : native_(word);
  }
  std::string get_description() const override { return "script-aware " + native_.get_description(); }

 private:
  Xapian::Stem native_;
  Xapian::Stem english_;
};

Xapian::Stem make_stemmer(const std::string& language) {
  const std::string name = stemmer_for_language(language);
  if (name.empty()) return {};
  try {
    if (written_in_another_script(language)) return Xapian::Stem(new ScriptAwareStem(name));
    return Xapian::Stem(name);
  } catch (const Xapian::Error&) {
    return {};  // not a stemmer this Xapian has: leave words unstemmed
  }
}

}  // namespace

const Xapian::Stem& stemmer_for(const std::string& language) {
  thread_local std::map<std::string, Xapian::Stem> stemmers;
  auto it = stemmers.find(language);
  if (it != stemmers.end()) return it->second;
  return stemmers.emplace(language, make_stemmer(language)).first->second;
}

}  // namespace errkb::store
