#include "store/common_terms.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace errkb::store {

CommonTermBits CommonTermBits::load(const Xapian::Database& db, const Limits& limits) {
  CommonTermBits out;
  const size_t words_per_term = (static_cast<size_t>(db.get_lastdocid()) >> 6) + 1;
  const size_t bytes_per_term = words_per_term * sizeof(uint64_t);
  if (limits.max_bytes < bytes_per_term) return out;
  std::vector<std::pair<Xapian::doccount, std::string>> common;  // (postings, term)
  for (auto t = db.allterms_begin("Z"); t != db.allterms_end("Z"); ++t) {
    const std::string& term = *t;
    // "ZS...", "ZXSYM...": prefixed field copies (a stem itself is lower case).
    if (term.size() < 2 || std::isupper(static_cast<unsigned char>(term[1]))) continue;
    if (t.get_termfreq() >= limits.min_postings) common.emplace_back(t.get_termfreq(), term);
  }
  std::sort(common.begin(), common.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  common.resize(std::min(common.size(), limits.max_bytes / bytes_per_term));
  for (const auto& [postings, term] : common) {
    Bits& bits = out.bits_[term];
    bits.words_.assign(words_per_term, 0);
    for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
      const Xapian::docid did = *p;
      bits.words_[did >> 6] |= uint64_t{1} << (did & 63);
    }
  }
  return out;
}

size_t CommonTermBits::bytes() const {
  size_t total = 0;
  for (const auto& [term, bits] : bits_) total += bits.words_.size() * sizeof(uint64_t);
  return total;
}

WordPresence::WordPresence(std::string term, Xapian::doccount termfreq, double weight, const CommonTermBits::Bits* bits)
    : term_(std::move(term)), termfreq_(termfreq), weight_(weight), bits_(bits) {}

void WordPresence::init(const Xapian::Database& db) {
  current_ = 0;
  started_ = false;
  if (!bits_) {
    postings_ = db.postlist_begin(term_);
    end_ = db.postlist_end(term_);
  }
  set_maxweight(weight_);
}

void WordPresence::next(double) {
  if (bits_) {
    const Xapian::docid next = bits_->first_from(current_ + 1);
    current_ = next == 0 ? kEnd : next;
  } else if (!started_) {
    started_ = true;  // postlist_begin is at the first posting already
  } else {
    ++postings_;
  }
}

void WordPresence::skip_to(Xapian::docid did, double) {
  if (bits_) {
    if (did <= current_) return;
    const Xapian::docid next = bits_->first_from(did);
    current_ = next == 0 ? kEnd : next;
  } else {
    started_ = true;
    postings_.skip_to(did);
  }
}

bool WordPresence::at_end() const { return bits_ ? current_ == kEnd : postings_ == end_; }

Xapian::docid WordPresence::get_docid() const { return bits_ ? current_ : *postings_; }

std::string WordPresence::get_description() const {
  return "WordPresence(" + term_ + (bits_ ? ", bitset)" : ", posting list)");
}

}  // namespace errkb::store
