#include "store/postings_in_memory.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "errkb/schema.h"

namespace errkb::store {

namespace {

void put_varint(std::vector<uint8_t>& out, uint32_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

size_t varint_bytes(uint32_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// BM25's wdf part, wdf / (k1 + wdf) (schema::kBm25K1OfScaledWdf), from a table for the common small
// wdfs: the division per posting was the matching loop's costliest instruction. The same double either way.
const std::vector<double> kWdfShares = [] {
  std::vector<double> t(512);
  for (size_t i = 0; i < t.size(); ++i)
    t[i] = static_cast<double>(i) / (schema::kBm25K1OfScaledWdf + static_cast<double>(i));
  return t;
}();

inline double wdf_share(Xapian::termcount wdf) {
  if (wdf < kWdfShares.size()) return kWdfShares[wdf];
  const double w = wdf;
  return w / (schema::kBm25K1OfScaledWdf + w);
}

// The best `want` hits so far, as a heap whose top is the worst of them: lower weight, or equal weight
// and a higher docid (Xapian's order for equal weights).
class BestHits {
 public:
  struct Hit {
    double weight;
    Xapian::docid did;
    uint64_t mask;
  };
  explicit BestHits(size_t want) : want_(want) { best_.reserve(want + 1); }
  void offer(const Hit& hit) {
    if (best_.size() < want_) {
      best_.push_back(hit);
      std::push_heap(best_.begin(), best_.end(), better);
    } else if (better(hit, best_.front())) {
      std::pop_heap(best_.begin(), best_.end(), better);
      best_.back() = hit;
      std::push_heap(best_.begin(), best_.end(), better);
    }
  }
  // Best first, into out's docids, weights and words.
  void take(MemoryMatch& out) {
    std::sort(best_.begin(), best_.end(), better);
    for (const Hit& h : best_) {
      out.docids.push_back(h.did);
      out.weights.push_back(h.weight);
      out.words.push_back(h.mask);
    }
  }

 private:
  static bool better(const Hit& a, const Hit& b) {
    return a.weight != b.weight ? a.weight > b.weight : a.did < b.did;
  }
  size_t want_;
  std::vector<Hit> best_;
};

// Calls kept(term, termfreq) for each term whose list is loaded: the prose words and their title copies,
// the long code lists.
template <typename Fn>
void for_each_kept_term(const Xapian::Database& db, Fn&& kept) {
  const std::string stems(schema::kStemPrefix);
  for (auto t = db.allterms_begin(stems); t != db.allterms_end(stems); ++t)
    if (PostingsInMemory::keeps_every_list_of(*t)) kept(*t, t.get_termfreq());
  for (const std::string_view prefix : {schema::kCodePrefix, schema::kWeakCodePrefix}) {
    const std::string p(prefix);
    for (auto t = db.allterms_begin(p); t != db.allterms_end(p); ++t)
      if (t.get_termfreq() >= PostingsInMemory::kMinCodePostings) kept(*t, t.get_termfreq());
  }
}

// A term's bytes in a TermIndex: its characters, its offset and two slots.
size_t term_table_bytes(const std::string& term) { return term.size() + 3 * sizeof(uint32_t); }

}  // namespace

PostingsInMemory PostingsInMemory::load(const Xapian::Database& db, const Limits& limits,
                                        const std::vector<std::string>& filter_prefixes) {
  PostingsInMemory out;
  out.doccount_ = db.get_doccount();
  out.last_docid_ = db.get_lastdocid();
  // Sized first (term frequencies come with the term list): growing the arrays while loading would
  // leave their earlier copies as freed memory the process keeps.
  size_t term_count = 0, block_count = 0, data_bytes = 0;
  for_each_kept_term(db, [&](const std::string&, Xapian::doccount termfreq) {
    ++term_count;
    block_count += (termfreq + kBlockPostings - 1) / kBlockPostings;
    // A posting's docid delta, about last_docid / termfreq, and a wdf, mostly one byte.
    data_bytes += termfreq * (varint_bytes(std::max<Xapian::docid>(1, out.last_docid_ / termfreq)) + 1);
  });
  data_bytes += data_bytes / 8;
  if (block_count * sizeof(Block) + data_bytes > limits.max_bytes) return out;
  TermIndex::Builder terms;
  std::vector<List> lists;
  std::vector<Block> blocks;
  std::vector<uint8_t> data;
  lists.reserve(term_count);
  blocks.reserve(block_count);
  data.reserve(data_bytes);
  Xapian::docid docids[kBlockPostings];
  Xapian::termcount wdfs[kBlockPostings];
  size_t table_bytes = 0;
  bool over = false;
  for_each_kept_term(db, [&](const std::string& term, Xapian::doccount termfreq) {
    if (over) return;
    List list;
    list.termfreq = termfreq;
    list.first_block = static_cast<uint32_t>(blocks.size());
    Xapian::docid previous_last = 0;
    uint32_t n = 0;
    auto flush = [&] {
      Block block{docids[n - 1], n, data.size()};
      Xapian::docid previous = previous_last;
      for (uint32_t i = 0; i < n; ++i) {
        put_varint(data, docids[i] - previous);
        put_varint(data, wdfs[i]);
        previous = docids[i];
      }
      blocks.push_back(block);
      previous_last = docids[n - 1];
      n = 0;
    };
    for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
      docids[n] = *p;
      wdfs[n] = p.get_wdf();
      if (++n == kBlockPostings) flush();
    }
    if (n > 0) flush();
    list.blocks = static_cast<uint32_t>(blocks.size()) - list.first_block;
    terms.add(term);
    lists.push_back(list);
    table_bytes += term_table_bytes(term) + sizeof(List);
    over = data.size() + blocks.size() * sizeof(Block) + table_bytes > limits.max_bytes;
  });
  if (over) return PostingsInMemory();
  data.shrink_to_fit();
  out.bytes_ = data.size() + blocks.size() * sizeof(Block) + table_bytes;
  out.terms_ = terms.finish();
  out.lists_ = FlatArray<List>(std::move(lists));
  out.blocks_ = FlatArray<Block>(std::move(blocks));
  out.data_ = FlatArray<uint8_t>(std::move(data));
  TermIndex::Builder filter_terms;
  for (const std::string& prefix : filter_prefixes)
    for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
      DocidSet& set = out.filters_.emplace_back();
      filter_terms.add(*t);
      set.size_ = t.get_termfreq();
      if (uint64_t{set.size_} * 32 >= out.last_docid_) {
        set.bits_ = CommonTermBits::Bits::read(db, *t);
      } else {
        std::vector<Xapian::docid> listed;
        listed.reserve(set.size_);
        for (auto p = db.postlist_begin(*t); p != db.postlist_end(*t); ++p) listed.push_back(*p);
        set.docids_ = FlatArray<Xapian::docid>(std::move(listed));
      }
      out.bytes_ += set.bytes() + term_table_bytes(*t);
      if (out.bytes_ > limits.max_bytes) return PostingsInMemory();
    }
  out.filter_terms_ = filter_terms.finish();
  out.loaded_ = true;
  return out;
}

void PostingsInMemory::write(TablesWriter& out) const {
  out.u64(loaded_);
  out.u64(bytes_);
  out.u64(doccount_);
  out.u64(last_docid_);
  terms_.write(out);
  out.array(lists_.span());
  out.array(blocks_.span());
  out.array(data_.span());
  filter_terms_.write(out);
  for (const DocidSet& set : filters_) {
    out.u64(set.size_);
    out.u64(set.bits_.has_value());
    if (set.bits_)
      set.bits_->write(out);
    else
      out.array(set.docids_.span());
  }
}

PostingsInMemory PostingsInMemory::read(TablesReader& in) {
  PostingsInMemory out;
  out.loaded_ = in.u64() != 0;
  out.bytes_ = in.u64();
  out.doccount_ = static_cast<Xapian::doccount>(in.u64());
  out.last_docid_ = static_cast<Xapian::docid>(in.u64());
  out.terms_ = TermIndex::read(in);
  out.lists_ = in.array<List>();
  out.blocks_ = in.array<Block>();
  out.data_ = in.array<uint8_t>();
  out.filter_terms_ = TermIndex::read(in);
  out.filters_.resize(out.filter_terms_.size());
  for (DocidSet& set : out.filters_) {
    set.size_ = static_cast<Xapian::doccount>(in.u64());
    if (in.u64() != 0)
      set.bits_ = CommonTermBits::Bits::read(in);
    else
      set.docids_ = in.array<Xapian::docid>();
  }
  // The lists must name blocks that exist, and the blocks bytes that do (their varints are the
  // checksum's to vouch for).
  bool sound = out.lists_.size() == out.terms_.size();
  for (const List& l : out.lists_) sound = sound && uint64_t{l.first_block} + l.blocks <= out.blocks_.size();
  for (const Block& b : out.blocks_)
    sound = sound && b.count <= kBlockPostings && b.offset < out.data_.size();
  if (!sound) in.fail();
  return out;
}

void DocidSet::mark(Xapian::docid lo, Xapian::docid hi, uint64_t* bits) const {
  auto set = [&](Xapian::docid did) { bits[(did - lo) >> 6] |= uint64_t{1} << ((did - lo) & 63); };
  if (bits_) {
    for (Xapian::docid did = bits_->first_from(lo); did != 0 && did <= hi; did = bits_->first_from(did + 1))
      set(did);
    return;
  }
  for (auto it = std::lower_bound(docids_.begin(), docids_.end(), lo); it != docids_.end() && *it <= hi; ++it)
    set(*it);
}

PostingsInMemory::Cursor::Cursor(const PostingsInMemory& postings, const List& list)
    : postings_(&postings), first_(list.first_block), end_(list.first_block + list.blocks) {
  if (first_ == end_) {
    at_end_ = true;
    docids_[0] = 0;
    wdfs_[0] = 0;
    return;
  }
  decode(first_);
}

void PostingsInMemory::Cursor::decode(uint32_t block) {
  uint32_t i = 0;
  postings_->each_posting(block, first_, [&](Xapian::docid did, Xapian::termcount wdf) {
    docids_[i] = did;
    wdfs_[i++] = wdf;
  });
  block_ = block;
  count_ = i;
  pos_ = 0;
}

bool PostingsInMemory::Cursor::next() {
  if (at_end_) return false;
  if (++pos_ < count_) return true;
  if (block_ + 1 == end_) {
    at_end_ = true;
    pos_ = count_ - 1;
    return false;
  }
  decode(block_ + 1);
  return true;
}

bool PostingsInMemory::Cursor::seek(Xapian::docid did) {
  if (at_end_) return false;
  if (docids_[pos_] >= did) return true;
  if (postings_->blocks_[block_].last < did) {
    const uint32_t found = postings_->block_reaching(block_ + 1, end_, did);
    if (found == end_) {
      at_end_ = true;
      pos_ = count_ - 1;
      return false;
    }
    decode(found);
  }
  while (docids_[pos_] < did) ++pos_;  // the block's last docid is >= did
  return true;
}

PostingsInMemory::Membership::Membership(const PostingsInMemory& postings, const List& list)
    : postings_(&postings), first_(list.first_block), end_(list.first_block + list.blocks) {
  if (first_ < end_)
    enter(first_);
  else
    block_ = end_;
}

void PostingsInMemory::Membership::enter(uint32_t block) {
  const Block& b = postings_->blocks_[block];
  block_ = block;
  left_ = b.count;
  at_ = postings_->data_.data() + b.offset;
  decoded_ = postings_->docid_before(block, first_);
}

bool PostingsInMemory::Membership::holds(Xapian::docid did) {
  if (block_ == end_) return false;
  if (postings_->blocks_[block_].last < did) {
    block_ = postings_->block_reaching(block_ + 1, end_, did);
    if (block_ == end_) return false;
    enter(block_);
  }
  while (decoded_ < did && left_ > 0) {
    decoded_ += get_varint(at_);
    skip_varint(at_);
    --left_;
  }
  return decoded_ == did;
}

double bm25_termweight(Xapian::doccount doccount, Xapian::doccount termfreq, double factor) {
  constexpr double k1 = schema::kBm25K1OfScaledWdf;
  // As Xapian 1.4's BM25Weight::init (no relevance set, wqf 1 so that k3 changes nothing), in its order
  // of operations: the same rounding.
  double tw = (static_cast<double>(doccount) - termfreq + 0.5) / (termfreq + 0.5);
  if (tw < 2) tw = tw * 0.5 + 1;
  return std::log(tw) * factor * (k1 + 1);
}

Xapian::doccount synonym_termfreq(Xapian::doccount doccount, std::vector<Xapian::doccount> termfreqs) {
  if (termfreqs.empty()) return 0;
  const double n = std::max<double>(1, doccount);
  auto larger = std::greater<Xapian::doccount>();  // a heap with the smallest on top
  std::make_heap(termfreqs.begin(), termfreqs.end(), larger);
  while (termfreqs.size() > 1) {
    std::pop_heap(termfreqs.begin(), termfreqs.end(), larger);
    const double a = termfreqs.back();
    termfreqs.pop_back();
    std::pop_heap(termfreqs.begin(), termfreqs.end(), larger);
    const double b = termfreqs.back();
    termfreqs.back() = static_cast<Xapian::doccount>(std::lround(a + b - a * b / n));
    std::push_heap(termfreqs.begin(), termfreqs.end(), larger);
  }
  return termfreqs.front();
}

MemoryMatch match_words(const PostingsInMemory& postings, const std::vector<MatchWord>& words,
                        const std::vector<std::pair<Xapian::docid, Xapian::docid>>& ranges, size_t want,
                        const std::vector<const DocidSet*>& filters) {
  MemoryMatch out;
  if (words.empty() || words.size() > 64 || want == 0) return out;
  // A chunk's accumulators (16,384 docids: 128 KB of weights and 128 KB of word masks) stay in the
  // cache while every word's postings in it are added.
  constexpr Xapian::docid kChunk = 1 << 14;
  struct Accumulator {
    double weight = 0;
    uint64_t mask = 0;  // side by side with the weight: one cache line for both
  };
  struct Scratch {
    std::vector<Accumulator> acc = std::vector<Accumulator>(kChunk);
    std::vector<uint32_t> touched;
    std::vector<Xapian::termcount> group_wdf =
        std::vector<Xapian::termcount>(kChunk, 0);  // a synonym group's
    std::vector<uint32_t> group_touched;
    std::vector<uint64_t> listed;  // the chunk's docids in each list filter: kChunk / 64 words a filter
  };
  thread_local Scratch scratch;
  std::vector<const DocidSet*> bitset_filters, list_filters;
  for (const DocidSet* f : filters) (f->is_bitset() ? bitset_filters : list_filters).push_back(f);
  scratch.listed.resize(list_filters.size() * (kChunk / 64));
  // Whether the chunk's passage `at` (from `lo`) is in every filter.
  auto passes = [&](Xapian::docid lo, uint32_t at) {
    for (const DocidSet* f : bitset_filters)
      if (!f->contains(lo + at)) return false;
    for (size_t k = 0; k < list_filters.size(); ++k)
      if ((scratch.listed[k * (kChunk / 64) + (at >> 6)] >> (at & 63) & 1) == 0) return false;
    return true;
  };
  std::vector<PostingsInMemory::Cursor> cursors;  // every list of every word, word by word
  std::vector<size_t> first_cursor;               // of each word, and the end
  for (const auto& w : words) {
    first_cursor.push_back(cursors.size());
    for (const PostingsInMemory::List* list : w.lists) cursors.emplace_back(postings, *list);
  }
  first_cursor.push_back(cursors.size());

  BestHits best(want);

  for (const auto& [range_lo, range_hi] : ranges) {
    Xapian::docid lo = range_lo;
    while (lo <= range_hi) {
      // Start the chunk at the first posting of any word from `lo` on.
      Xapian::docid first = ~Xapian::docid{0};
      for (auto& c : cursors)
        if (c.seek(lo)) first = std::min(first, c.docid());
      if (first > range_hi) break;
      lo = first;
      const Xapian::docid hi = std::min<uint64_t>(range_hi, uint64_t{lo} + kChunk - 1);
      for (size_t i = 0; i < words.size(); ++i) {
        const double tw = words[i].termweight;
        const uint64_t bit = uint64_t{1} << i;
        auto add = [&](uint32_t at, Xapian::termcount wdf) {
          Accumulator& a = scratch.acc[at];
          if (a.mask == 0) scratch.touched.push_back(at);
          a.weight += tw * wdf_share(wdf);
          a.mask |= bit;
        };
        if (first_cursor[i + 1] - first_cursor[i] == 1) {
          cursors[first_cursor[i]].walk_until(
              hi, [&](Xapian::docid did, Xapian::termcount wdf) { add(did - lo, wdf); });
          continue;
        }
        // Synonyms: their wdfs in a passage add up first.
        for (size_t k = first_cursor[i]; k < first_cursor[i + 1]; ++k)
          cursors[k].walk_until(hi, [&](Xapian::docid did, Xapian::termcount wdf) {
            const uint32_t at = did - lo;
            if (scratch.group_wdf[at] == 0) scratch.group_touched.push_back(at);
            scratch.group_wdf[at] += wdf;
          });
        for (uint32_t at : scratch.group_touched) {
          add(at, scratch.group_wdf[at]);
          scratch.group_wdf[at] = 0;
        }
        scratch.group_touched.clear();
      }
      if (filters.empty()) {
        out.matches += scratch.touched.size();
        for (uint32_t at : scratch.touched) {
          best.offer({scratch.acc[at].weight, lo + at, scratch.acc[at].mask});
          scratch.acc[at] = {};
        }
      } else {
        std::fill(scratch.listed.begin(), scratch.listed.end(), 0);
        for (size_t k = 0; k < list_filters.size(); ++k)
          list_filters[k]->mark(lo, hi, scratch.listed.data() + k * (kChunk / 64));
        for (uint32_t at : scratch.touched) {
          if (passes(lo, at)) {
            ++out.matches;
            best.offer({scratch.acc[at].weight, lo + at, scratch.acc[at].mask});
          }
          scratch.acc[at] = {};
        }
      }
      scratch.touched.clear();
      if (hi == range_hi) break;
      lo = hi + 1;
    }
  }
  best.take(out);
  return out;
}

MemoryMatch match_code_pass(const PostingsInMemory& postings, const std::vector<CodeList>& codes,
                            const std::vector<MatchWord>& words, const std::vector<PresenceWord>& presence,
                            size_t want, const std::vector<const DocidSet*>& filters) {
  MemoryMatch out;
  if (codes.empty() || codes.size() + words.size() + presence.size() > 64 || want == 0) return out;
  // The candidates: every code's postings, merged by docid.
  struct Candidate {
    Xapian::docid did;
    double code_weight = 0, prose_weight = 0;
    uint64_t mask = 0;
  };
  std::vector<Candidate> candidates;
  {
    struct Posting {
      Xapian::docid did;
      uint32_t code;
      Xapian::termcount wdf;
    };
    std::vector<Posting> all;
    for (uint32_t i = 0; i < codes.size(); ++i)
      for (const auto& [did, wdf] : codes[i].postings) all.push_back({did, i, wdf});
    // Each code's postings are in docid order: a stable sort keeps a passage's codes in query order.
    if (codes.size() > 1)
      std::stable_sort(all.begin(), all.end(),
                       [](const Posting& a, const Posting& b) { return a.did < b.did; });
    candidates.reserve(all.size());
    auto in_filters = [&](Xapian::docid did) {
      for (const DocidSet* f : filters)
        if (!f->contains(did)) return false;
      return true;
    };
    for (const Posting& p : all) {
      if (candidates.empty() || candidates.back().did != p.did) {
        if (!in_filters(p.did)) continue;
        candidates.push_back({p.did});
      }
      candidates.back().code_weight += codes[p.code].termweight * wdf_share(p.wdf);
      candidates.back().mask |= uint64_t{1} << p.code;
    }
  }
  out.matches = candidates.size();
  // Each word through the candidates in docid order: a skip along its lists (their wdfs summed, for a
  // synonym group).
  uint32_t bit = static_cast<uint32_t>(codes.size());
  for (const auto& w : words) {
    std::vector<PostingsInMemory::Cursor> cursors;
    for (const PostingsInMemory::List* list : w.lists) cursors.emplace_back(postings, *list);
    for (auto& c : candidates) {
      Xapian::termcount wdf_sum = 0;
      for (auto& cursor : cursors)
        if (cursor.seek(c.did) && cursor.docid() == c.did) wdf_sum += cursor.wdf();
      if (wdf_sum == 0) continue;
      c.prose_weight += w.termweight * wdf_share(wdf_sum);
      c.mask |= uint64_t{1} << bit;
    }
    ++bit;
  }
  for (const auto& p : presence) {
    std::optional<PostingsInMemory::Cursor> cursor;  // without a bitset
    if (!p.bits && p.list) cursor.emplace(postings, *p.list);
    for (auto& c : candidates) {
      const bool present =
          p.bits ? p.bits->contains(c.did) : cursor && cursor->seek(c.did) && cursor->docid() == c.did;
      if (!present) continue;
      c.prose_weight += p.weight;
      c.mask |= uint64_t{1} << bit;
    }
    ++bit;
  }
  BestHits best(want);
  for (const auto& c : candidates) best.offer({c.code_weight + c.prose_weight, c.did, c.mask});
  best.take(out);
  return out;
}

}  // namespace errkb::store
