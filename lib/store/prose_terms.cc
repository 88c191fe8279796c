#include "store/prose_terms.h"

#include "errkb/schema.h"
#include "store/stopwords.h"

namespace errkb::store {

namespace {
// Bounds the per-thread stem cache: prose vocabularies are Zipfian, so even a cleared cache is warm
// again after a few thousand passages.
constexpr size_t kMaxCachedStems = 1 << 20;
}  // namespace

ProseTerms::Language& ProseTerms::language_for(const std::string& language) {
  auto it = languages_.find(language);
  if (it != languages_.end()) return it->second;
  Language& lang = languages_[language];
  const Xapian::Stem& stemmer = stemmer_for(language);
  lang.stemmer = stemmer.is_none() ? nullptr : &stemmer;
  for (auto w : stop_words(language)) lang.stop_words.insert(w);
  return lang;
}

const StemCounts& ProseTerms::analyse(std::string_view text, const std::string& language,
                                      std::unordered_map<std::string, unsigned>* spelling) {
  Language& lang = language_for(language);
  counting_.clear();
  result_.clear();
  for_each_word(text, [&](std::string_view word) {
    if (lang.stop_words.count(word)) return;
    if (spelling) ++(*spelling)[std::string(word)];
    word_.assign(word);
    auto it = lang.z_stems.find(word_);
    if (it == lang.z_stems.end()) {
      // No stemmer for the language: the word itself, so that its text can still be found.
      std::string stem = lang.stemmer ? (*lang.stemmer)(word_) : word_;
      it = lang.z_stems.emplace(word_, stem.empty() ? std::string() : "Z" + stem).first;
      ++cached_stems_;
    }
    if (it->second.empty()) return;  // TermGenerator drops a word whose stem is empty
    auto [slot, fresh] = counting_.try_emplace(&it->second, result_.size());  // stem -> its row in result_
    if (fresh) result_.emplace_back(&it->second, 0);
    ++result_[slot->second].second;
  });
  return result_;
}

bool ProseTerms::trim_cache() {
  if (cached_stems_ < kMaxCachedStems) return false;
  for (auto& [name, lang] : languages_) lang.z_stems.clear();
  cached_stems_ = 0;
  return true;
}

void ProseTerms::add_to(Xapian::Document& doc, const StemCounts& stems, unsigned weight, std::string_view prefix,
                        double wdf_scale) {
  std::string prefixed;
  for (const auto& [z_stem, count] : stems) {
    if (weight) doc.add_term(*z_stem, schema::scaled_wdf(count * weight, wdf_scale));
    if (!prefix.empty()) {
      prefixed.assign("Z");
      prefixed.append(prefix);
      prefixed.append(*z_stem, 1, std::string::npos);
      doc.add_term(prefixed, schema::scaled_wdf(count, wdf_scale));
    }
  }
}

unsigned ProseTerms::raw_length(const StemCounts& stems, unsigned weight, std::string_view prefix) {
  unsigned length = 0;
  for (const auto& [z_stem, count] : stems) length += count * (weight + (prefix.empty() ? 0 : 1));
  return length;
}

}  // namespace errkb::store
