#include "store/common_terms.h"

#include <algorithm>
#include <utility>

#include "store/prose_terms.h"
#include "store/tables_file.h"

namespace errkb::store {

CommonTermBits CommonTermBits::load(const Xapian::Database& db, const Limits& limits) {
  CommonTermBits out;
  const size_t words_per_term = (static_cast<size_t>(db.get_lastdocid()) >> 6) + 1;
  const size_t bytes_per_term = words_per_term * sizeof(uint64_t);
  if (limits.max_bytes < bytes_per_term) return out;
  std::vector<std::pair<Xapian::doccount, std::string>> common;  // (postings, term)
  const std::string stems(schema::kStemPrefix);
  for (auto t = db.allterms_begin(stems); t != db.allterms_end(stems); ++t) {
    const std::string& term = *t;
    if (!is_prose_word(term)) continue;
    if (t.get_termfreq() >= limits.min_postings) common.emplace_back(t.get_termfreq(), term);
  }
  std::sort(common.begin(), common.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  common.resize(std::min(common.size(), limits.max_bytes / bytes_per_term));
  for (const auto& [postings, term] : common) out.bits_.emplace(term, Bits::read(db, term));
  return out;
}

CommonTermBits::Bits CommonTermBits::Bits::read(const Xapian::Database& db, const std::string& term) {
  std::vector<uint64_t> words((static_cast<size_t>(db.get_lastdocid()) >> 6) + 1, 0);
  for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
    const Xapian::docid did = *p;
    words[did >> 6] |= uint64_t{1} << (did & 63);
  }
  Bits bits;
  bits.words_ = FlatArray<uint64_t>(std::move(words));
  return bits;
}

void CommonTermBits::Bits::write(TablesWriter& out) const { out.array(words_.span()); }

CommonTermBits::Bits CommonTermBits::Bits::read(TablesReader& in) {
  Bits bits;
  bits.words_ = in.array<uint64_t>();
  return bits;
}

void CommonTermBits::write(TablesWriter& out) const {
  out.u64(bits_.size());
  for (const auto& [term, bits] : bits_) {
    out.str(term);
    bits.write(out);
  }
}

CommonTermBits CommonTermBits::read(TablesReader& in) {
  CommonTermBits out;
  for (uint64_t n = in.u64(); n > 0 && in.ok(); --n) {
    std::string term(in.str());
    out.bits_.emplace(std::move(term), Bits::read(in));
  }
  return out;
}

size_t CommonTermBits::bytes() const {
  size_t total = 0;
  for (const auto& [term, bits] : bits_) total += bits.bytes();
  return total;
}

WordsPresence::WordsPresence(std::vector<Word> words) {
  uint64_t sum = 0;
  for (auto& w : words) {
    termfreq_min_ = std::max(termfreq_min_, w.termfreq);
    sum += w.termfreq;
    cursors_.push_back({std::move(w), {}, {}, 0});
  }
  termfreq_max_ = static_cast<Xapian::doccount>(std::min<uint64_t>(sum, ~Xapian::doccount{0}));
}

void WordsPresence::init(const Xapian::Database& db) {
  current_ = 0;
  weight_ = 0;
  double max_weight = 0;
  for (auto& c : cursors_) {
    c.at = 0;
    if (!c.word.bits) {
      c.postings = db.postlist_begin(c.word.term);
      c.end = db.postlist_end(c.word.term);
    }
    max_weight += c.word.weight;
  }
  termfreq_max_ = std::min(termfreq_max_, db.get_doccount());
  set_maxweight(max_weight);
}

void WordsPresence::skip_to(Xapian::docid did, double) {
  if (did <= current_ || current_ == kEnd) return;
  Xapian::docid first = kEnd;
  for (auto& c : cursors_) {
    if (c.at < did) {
      if (c.word.bits) {
        const Xapian::docid next = c.word.bits->first_from(did);
        c.at = next == 0 ? kEnd : next;
      } else {
        c.postings.skip_to(did);
        c.at = c.postings == c.end ? kEnd : *c.postings;
      }
    }
    first = std::min(first, c.at);
  }
  current_ = first;
  weight_ = 0;
  for (const auto& c : cursors_)
    if (c.at == first) weight_ += c.word.weight;
}

WordsPresence* WordsPresence::clone() const {
  std::vector<Word> words;
  for (const auto& c : cursors_) words.push_back(c.word);
  return new WordsPresence(std::move(words));
}

std::string WordsPresence::get_description() const {
  std::string out = "WordsPresence(";
  for (size_t i = 0; i < cursors_.size(); ++i)
    out += (i ? ", " : "") + cursors_[i].word.term + (cursors_[i].word.bits ? ": bitset" : ": posting list");
  return out + ")";
}

}  // namespace errkb::store
