#include "codes/taught_catalogue.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <type_traits>

namespace errkb::codes {
namespace {

void put_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

bool get_u64(std::string_view& in, uint64_t& v) {
  if (in.size() < sizeof v) return false;
  std::memcpy(&v, in.data(), sizeof v);
  in.remove_prefix(sizeof v);
  return true;
}

template <typename T>
void put_array(std::string& out, const std::vector<T>& v) {
  static_assert(std::is_trivially_copyable_v<T> && std::has_unique_object_representations_v<T>);
  put_u64(out, v.size());
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <typename T>
bool get_array(std::string_view& in, std::vector<T>& v) {
  uint64_t n = 0;
  if (!get_u64(in, n) || n > in.size() / sizeof(T)) return false;
  v.resize(n);
  if (n > 0) std::memcpy(v.data(), in.data(), n * sizeof(T));  // an empty vector's data() may be null
  in.remove_prefix(n * sizeof(T));
  return true;
}

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_folded(std::string_view written, std::string_view folded) {
  if (written.size() != folded.size()) return false;
  for (size_t i = 0; i < written.size(); ++i)
    if (fold(written[i]) != folded[i]) return false;
  return true;
}

// Walks the first `words` words of a name in words (split at '_', ' ' and '-'), giving `emit` each
// character of them lower-cased and one ' ' between two words; returns the words walked.
template <typename Emit>
size_t walk_name_words(std::string_view name, size_t words, Emit&& emit) {
  size_t count = 0;
  bool in_word = false;
  for (char c : name) {
    if (c == '_' || c == ' ' || c == '-') {
      in_word = false;
      continue;
    }
    if (!in_word) {
      if (count == words) break;
      if (count++ > 0) emit(' ');
      in_word = true;
    }
    emit(fold(c));
  }
  return count;
}

// The first `words` words of a name in words, joined by a space.
std::string name_words(std::string_view name, size_t words) {
  std::string out;
  walk_name_words(name, words, [&](char c) { out.push_back(c); });
  return out;
}

// How many words the name is read as (3 to kMaxPhraseWords), or 0 when it is not read as words.
uint8_t phrase_word_count(std::string_view name) {
  for (char c : name)
    if (!(c == '_' || c == ' ' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9')))
      return 0;
  const size_t words = walk_name_words(name, kMaxPhraseWords + 1, [](char) {});
  return words >= 3 && words <= kMaxPhraseWords ? static_cast<uint8_t>(words) : 0;
}

std::string folded(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
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

void SlotIndex::append_to(std::string& out) const {
  put_u64(out, used_);
  put_array(out, slots_);
}

bool SlotIndex::read_from(std::string_view& in, uint32_t values) {
  uint64_t used = 0;
  std::vector<uint64_t> slots;
  if (!get_u64(in, used) || !get_array(in, slots)) return false;
  if (!slots.empty() && (slots.size() & (slots.size() - 1)) != 0) return false;  // a power of two
  uint64_t filled = 0;
  for (uint64_t s : slots) {
    if (s == 0) continue;
    ++filled;
    if ((s & 0xFFFFFFFFu) > values) return false;
  }
  if (filled != used || used * 10 > slots.size() * 7) return false;  // an empty slot ends every probe
  slots_ = std::move(slots);
  used_ = used;
  return true;
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
  const size_t more =
      t.code.size() + t.code_key.size() + t.name.size() + t.message.size() + t.canonical.size();
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
  e.phrase_words = phrase_word_count(t.name);
  entries_.push_back(e);
  canonicals_.add(SlotIndex::hash(t.canonical), id);
  if (e.readable) {
    ++readable_;
    codes_.add(SlotIndex::hash(t.code_key), id);
  }
  if (t.name.empty()) return firsts;
  names_.add(SlotIndex::hash(t.name), id);
  if (t.name.find('_') != std::string_view::npos) folded_names_.add(SlotIndex::hash(folded(t.name)), id);
  if (e.phrase_words == 0) return firsts;
  phrases_.add(SlotIndex::hash(name_words(t.name, e.phrase_words)), id);
  std::string pair = name_words(t.name, 2);
  const uint32_t h = SlotIndex::hash(pair);
  std::vector<uint32_t> found;
  pair_index_.find(h, found);
  for (uint32_t p : found) {
    if (!phrase_is(entries_[pairs_[p].entry], 2, pair)) continue;
    pairs_[p].longest = std::max<uint32_t>(pairs_[p].longest, e.phrase_words);
    return firsts;
  }
  pair_index_.add(h, static_cast<uint32_t>(pairs_.size()));
  pairs_.push_back({id, e.phrase_words});
  firsts.pair = std::move(pair);
  return firsts;
}

// True when the entry's name in its first `words` lower-case words, joined by a space, is `key`
// (compared in place: phrases are looked up for word pairs of every text the grammar reads).
bool TaughtCatalogue::phrase_is(const TaughtEntry& e, size_t words, std::string_view key) const {
  size_t at = 0;
  bool same = true;
  const size_t walked = walk_name_words(text(e.name), words, [&](char c) {
    same = same && at < key.size() && key[at] == c;
    ++at;
  });
  return same && at == key.size() && walked == words;
}

template <typename KeyEquals>
std::vector<uint32_t> TaughtCatalogue::lookup(const SlotIndex& index, std::string_view key,
                                              KeyEquals&& equals, bool unique_canonical) const {
  std::vector<uint32_t> found;
  index.find(SlotIndex::hash(key), found);
  std::erase_if(found, [&](uint32_t id) { return !equals(entries_[id]); });
  if (!unique_canonical) return found;
  std::vector<uint32_t> out;
  for (uint32_t id : found) {
    const std::string_view canonical = text(entries_[id].canonical);
    if (std::none_of(out.begin(), out.end(),
                     [&](uint32_t o) { return text(entries_[o].canonical) == canonical; }))
      out.push_back(id);
  }
  return out;
}

std::vector<uint32_t> TaughtCatalogue::by_code(std::string_view key) const {
  return lookup(
      codes_, key, [&](const TaughtEntry& e) { return text(e.code_key) == key; }, true);
}

std::vector<uint32_t> TaughtCatalogue::by_name(std::string_view name) const {
  return lookup(
      names_, name, [&](const TaughtEntry& e) { return text(e.name) == name; }, true);
}

std::vector<uint32_t> TaughtCatalogue::by_folded_name(std::string_view key) const {
  return lookup(
      folded_names_, key, [&](const TaughtEntry& e) { return equals_folded(text(e.name), key); }, true);
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
    if (phrase_is(entries_[pairs_[p].entry], 2, pair)) return static_cast<uint8_t>(pairs_[p].longest);
  return 0;
}

std::optional<TaughtCatalogue::Info> TaughtCatalogue::info(std::string_view canonical) const {
  const std::vector<uint32_t> found = lookup(
      canonicals_, canonical, [&](const TaughtEntry& e) { return text(e.canonical) == canonical; }, false);
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

std::vector<std::string> TaughtCatalogue::phrase_pairs() const {
  std::vector<std::string> out;
  out.reserve(pairs_.size());
  for (const Pair& p : pairs_) out.push_back(name_words(text(entries_[p.entry].name), 2));
  return out;
}

void TaughtCatalogue::append_to(std::string& out) const {
  put_u64(out, texts_.size());
  out += texts_;
  put_array(out, entries_);
  put_array(out, pairs_);
  for (const SlotIndex* index : {&codes_, &names_, &folded_names_, &phrases_, &canonicals_})
    index->append_to(out);
  pair_index_.append_to(out);
}

bool TaughtCatalogue::read_from(std::string_view& in) {
  TaughtCatalogue t;
  uint64_t size = 0;
  if (!get_u64(in, size) || size > in.size() || size > std::numeric_limits<uint32_t>::max()) return false;
  t.texts_.assign(in.substr(0, size));
  in.remove_prefix(size);
  if (!get_array(in, t.entries_) || !get_array(in, t.pairs_)) return false;
  const auto entries = static_cast<uint32_t>(t.entries_.size());
  for (SlotIndex* index : {&t.codes_, &t.names_, &t.folded_names_, &t.phrases_, &t.canonicals_})
    if (!index->read_from(in, entries)) return false;
  if (!t.pair_index_.read_from(in, static_cast<uint32_t>(t.pairs_.size()))) return false;
  auto within = [&](TaughtEntry::Text x) { return uint64_t{x.offset} + x.size <= size; };
  for (const TaughtEntry& e : t.entries_) {
    if (!within(e.code) || !within(e.code_key) || !within(e.name) || !within(e.message) ||
        !within(e.canonical) || e.system > 1 || e.own_message > 1 || e.readable > 1)
      return false;
    t.readable_ += e.readable ? 1 : 0;
  }
  for (const Pair& p : t.pairs_)
    if (p.entry >= entries) return false;
  *this = std::move(t);
  return true;
}

}  // namespace errkb::codes
