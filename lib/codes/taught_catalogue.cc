#include "codes/taught_catalogue.h"

#include <algorithm>
#include <functional>
#include <limits>

namespace errkb::codes {
namespace {

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_folded(std::string_view written, std::string_view folded) {
  if (written.size() != folded.size()) return false;
  for (size_t i = 0; i < written.size(); ++i)
    if (fold(written[i]) != folded[i]) return false;
  return true;
}

std::string folded(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

std::string joined(const std::vector<std::string>& words, size_t count) {
  std::string out;
  for (size_t w = 0; w < count; ++w) {
    if (w) out.push_back(' ');
    out += words[w];
  }
  return out;
}

}  // namespace

uint32_t SlotIndex::hash(std::string_view key) {
  const uint64_t h = std::hash<std::string_view>()(key);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

void SlotIndex::add(uint32_t hash, uint32_t value) {
  if ((used_ + 1) * 10 > slots_.size() * 7) reserve(1);
  const size_t mask = slots_.size() - 1;
  size_t at = hash & mask;
  while (slots_[at] != 0) at = (at + 1) & mask;
  slots_[at] = (static_cast<uint64_t>(hash) << 32) | (static_cast<uint64_t>(value) + 1);
  ++used_;
}

void SlotIndex::find(uint32_t hash, std::vector<uint32_t>& out) const {
  if (slots_.empty()) return;
  const size_t first = out.size();
  const size_t mask = slots_.size() - 1;
  for (size_t at = hash & mask; slots_[at] != 0; at = (at + 1) & mask)
    if (static_cast<uint32_t>(slots_[at] >> 32) == hash) out.push_back(static_cast<uint32_t>(slots_[at]) - 1);
  // Values are added in increasing order; a probe run that wraps past the end lists later ones first.
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

void SlotIndex::reserve(size_t values) {
  size_t size = slots_.empty() ? 64 : slots_.size();
  while ((used_ + values) * 10 > size * 7) size *= 2;
  if (size == slots_.size()) return;
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(size, 0);
  used_ = 0;
  for (uint64_t s : old)  // in any order: find() sorts what it finds
    if (s != 0) add(static_cast<uint32_t>(s >> 32), static_cast<uint32_t>(s) - 1);
}

TaughtEntry::Text TaughtCatalogue::keep_text(std::string_view s) {
  TaughtEntry::Text t{static_cast<uint32_t>(texts_.size()), static_cast<uint32_t>(s.size())};
  texts_.append(s);
  return t;
}

void TaughtCatalogue::reserve(size_t entries) {
  entries_.reserve(entries_.size() + entries);
  // Every entry has a canonical and nearly every one a code; most catalogues name their entries.
  for (SlotIndex* index : {&canonicals_, &codes_, &names_}) index->reserve(entries);
}

TaughtCatalogue::Firsts TaughtCatalogue::add(TaughtEntry e, const Added& t) {
  Firsts firsts;
  const size_t more = t.code.size() + t.code_key.size() + t.name.size() + t.message.size() + t.canonical.size();
  if (texts_.size() + more > std::numeric_limits<uint32_t>::max()) return firsts;
  firsts.added = true;
  firsts.code = e.readable && by_code(t.code_key).empty();
  firsts.name = !t.name.empty() && by_name(t.name).empty();
  const auto id = static_cast<uint32_t>(entries_.size());
  e.code = keep_text(t.code);
  e.code_key = t.code_key == t.code ? e.code : keep_text(t.code_key);
  e.name = keep_text(t.name);
  e.message = keep_text(t.message);
  e.canonical = keep_text(t.canonical);
  e.phrase_words = static_cast<uint8_t>(t.name_words.size());
  entries_.push_back(e);
  canonicals_.add(SlotIndex::hash(t.canonical), id);
  if (e.readable) {
    ++readable_;
    codes_.add(SlotIndex::hash(t.code_key), id);
  }
  if (t.name.empty()) return firsts;
  names_.add(SlotIndex::hash(t.name), id);
  if (t.name.find('_') != std::string_view::npos) folded_names_.add(SlotIndex::hash(folded(t.name)), id);
  if (t.name_words.empty()) return firsts;
  phrases_.add(SlotIndex::hash(joined(t.name_words, t.name_words.size())), id);
  const std::string pair = joined(t.name_words, 2);
  const uint32_t h = SlotIndex::hash(pair);
  std::vector<uint32_t> found;
  pair_index_.find(h, found);
  for (uint32_t p : found) {
    if (!phrase_is(entries_[pairs_[p].entry], 2, pair)) continue;
    pairs_[p].longest = std::max(pairs_[p].longest, e.phrase_words);
    return firsts;
  }
  pair_index_.add(h, static_cast<uint32_t>(pairs_.size()));
  pairs_.push_back({id, e.phrase_words});
  firsts.pair = true;
  return firsts;
}

// True when the entry's name in its first `words` lower-case words, joined by a space, is `key`
// (compared in place: phrases are looked up for word pairs of every text the grammar reads).
bool TaughtCatalogue::phrase_is(const TaughtEntry& e, size_t words, std::string_view key) const {
  size_t at = 0, count = 0;
  bool in_word = false;
  for (char c : text(e.name)) {
    if (c == '_' || c == ' ' || c == '-') {
      in_word = false;
      continue;
    }
    if (!in_word) {
      if (count == words) break;
      if (count++ > 0 && (at == key.size() || key[at++] != ' ')) return false;
      in_word = true;
    }
    if (at == key.size() || key[at++] != fold(c)) return false;
  }
  return at == key.size() && count == words;
}

template <typename KeyEquals>
std::vector<uint32_t> TaughtCatalogue::lookup(const SlotIndex& index, std::string_view key, KeyEquals&& equals,
                                              bool unique_canonical) const {
  std::vector<uint32_t> found;
  index.find(SlotIndex::hash(key), found);
  std::erase_if(found, [&](uint32_t id) { return !equals(entries_[id]); });
  if (!unique_canonical) return found;
  std::vector<uint32_t> out;
  for (uint32_t id : found) {
    const std::string_view canonical = text(entries_[id].canonical);
    if (std::none_of(out.begin(), out.end(), [&](uint32_t o) { return text(entries_[o].canonical) == canonical; }))
      out.push_back(id);
  }
  return out;
}

std::vector<uint32_t> TaughtCatalogue::by_code(std::string_view key) const {
  return lookup(codes_, key, [&](const TaughtEntry& e) { return text(e.code_key) == key; }, true);
}

std::vector<uint32_t> TaughtCatalogue::by_name(std::string_view name) const {
  return lookup(names_, name, [&](const TaughtEntry& e) { return text(e.name) == name; }, true);
}

std::vector<uint32_t> TaughtCatalogue::by_folded_name(std::string_view key) const {
  return lookup(folded_names_, key, [&](const TaughtEntry& e) { return equals_folded(text(e.name), key); }, true);
}

std::vector<uint32_t> TaughtCatalogue::by_phrase(std::string_view phrase) const {
  return lookup(
      phrases_, phrase,
      [&](const TaughtEntry& e) { return e.phrase_words > 0 && phrase_is(e, e.phrase_words, phrase); }, true);
}

uint8_t TaughtCatalogue::longest_phrase(std::string_view pair) const {
  std::vector<uint32_t> found;
  pair_index_.find(SlotIndex::hash(pair), found);
  for (uint32_t p : found)
    if (phrase_is(entries_[pairs_[p].entry], 2, pair)) return pairs_[p].longest;
  return 0;
}

std::optional<TaughtCatalogue::Info> TaughtCatalogue::info(std::string_view canonical) const {
  const std::vector<uint32_t> found =
      lookup(canonicals_, canonical, [&](const TaughtEntry& e) { return text(e.canonical) == canonical; }, false);
  if (found.empty()) return std::nullopt;
  Info info;
  bool own = false;
  for (uint32_t id : found) {
    const TaughtEntry& e = entries_[id];
    if (e.name.size) info.name = text(e.name);
    if (e.own_message) {
      info.message = text(e.message);
      own = true;
    } else if (!own && info.message.empty()) {
      info.message = text(e.message);
    }
  }
  return info;
}

}  // namespace errkb::codes
