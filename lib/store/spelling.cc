#include "store/spelling.h"

#include <algorithm>

namespace errkb::store {

namespace {

bool is_cyrillic(char32_t c) { return c >= 0x400 && c <= 0x52F; }
bool is_latin(char32_t c) { return c < 0x250; }

std::vector<char32_t> code_points(std::string_view word) {
  std::vector<char32_t> out;
  for (Xapian::Utf8Iterator it(word.data(), word.size()); it != Xapian::Utf8Iterator(); ++it) out.push_back(*it);
  return out;
}

void add_letter(std::vector<char32_t>& letters, char32_t c) {
  auto at = std::lower_bound(letters.begin(), letters.end(), c);
  if (at == letters.end() || *at != c) letters.insert(at, c);
}

}  // namespace

SpellingDictionary SpellingDictionary::load(const Xapian::Database& db) {
  SpellingDictionary d;
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) d.add(*it, it.get_termfreq());
  return d;
}

void SpellingDictionary::add(const std::string& word, uint32_t frequency) {
  auto [it, fresh] = frequency_.try_emplace(word, 0);
  it->second += frequency;
  if (!fresh) return;
  for (char32_t c : code_points(word)) {
    if (!Xapian::Unicode::is_wordchar(c)) continue;
    add_letter(is_cyrillic(c) ? cyrillic_ : is_latin(c) ? latin_ : other_, c);
  }
}

std::string SpellingDictionary::one_edit(std::string_view word) const {
  const std::vector<char32_t> cps = code_points(word);
  if (cps.empty() || cps.size() > 40 || frequency_.count(std::string(word))) return {};
  // Letters to insert or put in place of another: those of the word's script.
  const bool cyrillic = std::any_of(cps.begin(), cps.end(), is_cyrillic);
  std::vector<char32_t> letters = cyrillic ? cyrillic_ : latin_;
  if (std::any_of(cps.begin(), cps.end(), [](char32_t c) { return !is_cyrillic(c) && !is_latin(c); }))
    letters.insert(letters.end(), other_.begin(), other_.end());

  std::string best;
  uint32_t best_frequency = 0;
  std::string candidate;
  std::vector<char32_t> edited;
  auto consider = [&]() {
    candidate.clear();
    for (char32_t c : edited) Xapian::Unicode::append_utf8(candidate, c);
    auto it = frequency_.find(candidate);
    if (it == frequency_.end()) return;
    if (it->second > best_frequency || (it->second == best_frequency && candidate < best)) {
      best = candidate;
      best_frequency = it->second;
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
