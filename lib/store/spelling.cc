#include "store/spelling.h"

#include <algorithm>
#include <unordered_map>

namespace errkb::store {

namespace {

bool is_cyrillic(char32_t c) { return c >= 0x400 && c <= 0x52F; }
bool is_latin(char32_t c) { return c < 0x250; }

std::vector<char32_t> code_points(std::string_view word) {
  std::vector<char32_t> out;
  for (Xapian::Utf8Iterator it(word.data(), word.size()); it != Xapian::Utf8Iterator(); ++it)
    out.push_back(*it);
  return out;
}

void add_letter(std::vector<char32_t>& letters, char32_t c) {
  auto at = std::lower_bound(letters.begin(), letters.end(), c);
  if (at == letters.end() || *at != c) letters.insert(at, c);
}

}  // namespace

// Distinct words into a dictionary, one by one.
class SpellingDictionary::Builder {
 public:
  void add(std::string_view word, uint32_t frequency) {
    words_.add(word);
    frequency_.push_back(frequency);
    for (char32_t c : code_points(word)) {
      if (!Xapian::Unicode::is_wordchar(c)) continue;
      add_letter(is_cyrillic(c) ? cyrillic_ : is_latin(c) ? latin_ : other_, c);
    }
  }
  SpellingDictionary finish() {
    SpellingDictionary d;
    d.words_ = words_.finish();
    d.frequency_ = FlatArray<uint32_t>(std::move(frequency_));
    d.latin_ = FlatArray<char32_t>(std::move(latin_));
    d.cyrillic_ = FlatArray<char32_t>(std::move(cyrillic_));
    d.other_ = FlatArray<char32_t>(std::move(other_));
    return d;
  }

 private:
  TermIndex::Builder words_;
  std::vector<uint32_t> frequency_;
  std::vector<char32_t> latin_, cyrillic_, other_;
};

SpellingDictionary SpellingDictionary::load(const Xapian::Database& db) {
  Builder builder;  // the spelling table's words are distinct
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) builder.add(*it, it.get_termfreq());
  return builder.finish();
}

SpellingDictionary SpellingDictionary::of_words(const std::vector<std::pair<std::string, uint32_t>>& words) {
  std::vector<std::pair<std::string, uint32_t>> summed;
  std::unordered_map<std::string, size_t> at;  // a word's place in `summed`
  for (const auto& [word, count] : words) {
    auto [it, fresh] = at.try_emplace(word, summed.size());
    if (fresh)
      summed.emplace_back(word, count);
    else
      summed[it->second].second += count;
  }
  Builder builder;
  for (const auto& [word, count] : summed) builder.add(word, count);
  return builder.finish();
}

void SpellingDictionary::write(TablesWriter& out) const {
  words_.write(out);
  out.array(frequency_.span());
  out.array(latin_.span());
  out.array(cyrillic_.span());
  out.array(other_.span());
}

SpellingDictionary SpellingDictionary::read(TablesReader& in) {
  SpellingDictionary d;
  d.words_ = TermIndex::read(in);
  d.frequency_ = in.array<uint32_t>();
  d.latin_ = in.array<char32_t>();
  d.cyrillic_ = in.array<char32_t>();
  d.other_ = in.array<char32_t>();
  if (d.frequency_.size() != d.words_.size()) in.fail();
  return d;
}

size_t SpellingDictionary::bytes() const {
  return words_.bytes() + frequency_.size() * sizeof(uint32_t) +
         (latin_.size() + cyrillic_.size() + other_.size()) * sizeof(char32_t);
}

std::string SpellingDictionary::one_edit(std::string_view word) const {
  const std::vector<char32_t> cps = code_points(word);
  if (cps.empty() || cps.size() > 40 || words_.find(word) != TermIndex::kNone) return {};
  // Letters to insert or put in place of another: those of the word's script.
  const bool cyrillic = std::any_of(cps.begin(), cps.end(), is_cyrillic);
  const auto& script = cyrillic ? cyrillic_ : latin_;
  std::vector<char32_t> letters(script.begin(), script.end());
  if (std::any_of(cps.begin(), cps.end(), [](char32_t c) { return !is_cyrillic(c) && !is_latin(c); }))
    letters.insert(letters.end(), other_.begin(), other_.end());

  std::string best;
  uint32_t best_frequency = 0;
  std::string candidate;
  std::vector<char32_t> edited;
  auto consider = [&]() {
    candidate.clear();
    for (char32_t c : edited) Xapian::Unicode::append_utf8(candidate, c);
    const uint32_t frequency = frequency_of(candidate);
    if (frequency == 0) return;
    if (frequency > best_frequency || (frequency == best_frequency && candidate < best)) {
      best = candidate;
      best_frequency = frequency;
    }
  };
  const size_t n = cps.size();
  for (size_t i = 0; i < n; ++i) {  // delete
    edited.assign(cps.begin(), cps.end());
    edited.erase(edited.begin() + static_cast<std::ptrdiff_t>(i));
    if (!edited.empty()) consider();
  }
  for (size_t i = 0; i + 1 < n; ++i) {  // swap neighbours
    if (cps[i] == cps[i + 1]) continue;
    edited.assign(cps.begin(), cps.end());
    std::swap(edited[i], edited[i + 1]);
    consider();
  }
  for (size_t i = 0; i < n; ++i) {  // replace
    edited.assign(cps.begin(), cps.end());
    for (char32_t c : letters) {
      if (c == cps[i]) continue;
      edited[i] = c;
      consider();
    }
  }
  for (size_t i = 0; i <= n; ++i) {  // insert
    edited.assign(cps.begin(), cps.end());
    edited.insert(edited.begin() + static_cast<std::ptrdiff_t>(i), 0);
    for (char32_t c : letters) {
      edited[i] = c;
      consider();
    }
  }
  return best;
}

}  // namespace errkb::store
