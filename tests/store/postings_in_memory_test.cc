// PostingsInMemory (store/postings_in_memory.h) on a real glass database: the lists hold exactly the index's
// postings, and matching over them returns what Xapian's matcher returns for the same pass.
#include "store/postings_in_memory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "errkb/schema.h"
#include "store/common_terms.h"
#include "store/scan_plan.h"
#include "test_util.h"

namespace errkb::store {
namespace {

using errkb::testing::TempDir;

// 3,000 documents with words at several densities and varied wdfs (more than a block of 128 postings
// for the common ones), a title copy that is not a prose word, codes with long and short lists, and
// vendors in many passages and in few.
class PostingsInMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Xapian::WritableDatabase db((dir_ / "db").string(), Xapian::DB_CREATE_OR_OVERWRITE);
    for (unsigned i = 1; i <= 3000; ++i) {
      Xapian::Document doc;
      if (i % 2 == 0) doc.add_term("Zorder", 1 + (i * 7) % 45);
      if (i % 7 == 0) doc.add_term("Zerror", 1 + (i * 13) % 300);  // wdfs past one varint byte
      if (i % 50 == 0) doc.add_term("Zprinter", 16 + i % 5);
      if (i == 1234) doc.add_term("Zrare", 40);
      doc.add_term("ZSorder", 3);
      doc.add_term("XC:http:500");
      if (i % 5 == 0) doc.add_term("XC:hot", 1 + i % 4);
      if (i % 300 == 0) doc.add_term("XCW:hot", 2);       // 10 passages: read through Xapian
      if (i % 3 == 0) doc.add_boolean_term("XV:big");     // a bitset
      if (i % 97 == 0) doc.add_boolean_term("XV:small");  // a list of docids
      if (i == 2999) continue;                            // a gap in the docids
      db.replace_document(i, doc);
    }
    db.commit();
    db_ = Xapian::Database((dir_ / "db").string());
  }

  // Words: a term, or a synonym group of several.
  using Words = std::vector<std::vector<std::string>>;

  // The words ORed as the query parser makes them (a term twice is two leaves, a group OP_SYNONYM).
  static Xapian::Query words_query(const Words& terms) {
    std::vector<Xapian::Query> leaves;
    for (const auto& word : terms) {
      if (word.size() == 1) {
        leaves.emplace_back(word[0]);
        continue;
      }
      std::vector<Xapian::Query> synonyms(word.begin(), word.end());
      leaves.emplace_back(Xapian::Query::OP_SYNONYM, synonyms.begin(), synonyms.end());
    }
    return leaves.size() == 1 ? leaves[0] : Xapian::Query(Xapian::Query::OP_OR, leaves.begin(), leaves.end());
  }

  // Xapian's best `want` for `q` (filtered by every term of `filters`), and how many passages match.
  std::pair<std::vector<std::pair<Xapian::docid, double>>, Xapian::doccount> xapian_run(
      Xapian::Query q, size_t want, const std::vector<std::string>& filters = {}) {
    if (!filters.empty())
      q = Xapian::Query(Xapian::Query::OP_FILTER, q,
                        Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
    Xapian::Enquire enquire(db_);
    enquire.set_query(q);
    enquire.set_weighting_scheme(
        Xapian::BM25Weight(schema::kBm25K1OfScaledWdf, 0, 1, 0, schema::kMinNormLength));
    Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(want), db_.get_doccount());
    std::vector<std::pair<Xapian::docid, double>> out;
    for (auto it = mset.begin(); it != mset.end(); ++it) out.emplace_back(*it, it.get_weight());
    return {out, mset.get_matches_estimated()};
  }

  // Xapian's answer for the words ORed, as the engine asks for it.
  std::vector<std::pair<Xapian::docid, double>> xapian_top(const Words& terms, size_t want,
                                                           double sampled_share = 0,
                                                           const std::vector<std::string>& filters = {}) {
    Xapian::Query q = words_query(terms);
    if (sampled_share > 0) {
      auto* windows = new DocidWindows(db_.get_lastdocid(), sampled_share);
      q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(windows->release()));
    }
    return xapian_run(q, want, filters).first;
  }

  static MatchWord match_word(const PostingsInMemory& p, const std::vector<std::string>& word) {
    MatchWord w;
    std::vector<Xapian::doccount> termfreqs;
    for (const auto& t : word)
      if (const PostingsInMemory::List* list = p.find(t)) {
        w.lists.push_back(list);
        termfreqs.push_back(list->termfreq);
      }
    w.termweight = bm25_termweight(p.doccount(), synonym_termfreq(p.doccount(), termfreqs));
    return w;
  }

  static std::vector<const DocidSet*> filter_sets(const PostingsInMemory& p,
                                                  const std::vector<std::string>& filters) {
    std::vector<const DocidSet*> sets;
    for (const auto& f : filters) sets.push_back(&p.filter(f));
    return sets;
  }

  MemoryMatch memory_top(const PostingsInMemory& p, const Words& terms, size_t want, double sampled_share = 0,
                         const std::vector<std::string>& filters = {}) {
    std::vector<MatchWord> words;
    for (const auto& word : terms) words.push_back(match_word(p, word));
    auto ranges = sampled_share > 0
                      ? DocidWindows::ranges(p.last_docid(), sampled_share)
                      : std::vector<std::pair<Xapian::docid, Xapian::docid>>{{1, p.last_docid()}};
    return match_words(p, words, ranges, want, filter_sets(p, filters));
  }

  // The code pass as the engine runs it through Xapian and in memory: codes (term, factor) ORed,
  // AND_MAYBE the prose with its common words (in at least `common_min` passages) by presence, from
  // `common`'s bitsets when it has them.
  struct CodePass {
    std::vector<std::pair<std::string, double>> codes;
    Words prose;
    uint64_t common_min = 1000;
    const CommonTermBits* common = nullptr;
    std::vector<std::string> filters;
  };

  std::pair<std::vector<std::pair<Xapian::docid, double>>, Xapian::doccount> xapian_code_pass(
      const CodePass& pass, size_t want) {
    std::vector<Xapian::Query> codes;
    for (const auto& [term, factor] : pass.codes)
      codes.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(term), factor);
    Xapian::Query q(Xapian::Query::OP_OR, codes.begin(), codes.end());
    if (!pass.prose.empty()) {
      TermFreqs freqs;
      q = Xapian::Query(
          Xapian::Query::OP_AND_MAYBE, q,
          prose_for_code_pass(db_, freqs, words_query(pass.prose), pass.common, pass.common_min));
    }
    return xapian_run(q, want, pass.filters);
  }

  MemoryMatch memory_code_pass(const PostingsInMemory& p, const CodePass& pass, size_t want) {
    std::vector<CodeList> codes;
    for (const auto& [term, factor] : pass.codes) {
      CodeList& code = codes.emplace_back();
      code.termweight = bm25_termweight(p.doccount(), db_.get_termfreq(term), factor);
      for (auto it = db_.postlist_begin(term); it != db_.postlist_end(term); ++it)
        code.postings.emplace_back(*it, it.get_wdf());
    }
    std::vector<MatchWord> words;
    std::vector<PresenceWord> presence;
    if (!pass.prose.empty()) {
      TermFreqs freqs;
      CodePassProse split =
          split_for_code_pass(db_, freqs, words_query(pass.prose), pass.common, pass.common_min);
      for (const auto& part : split.ranked) {
        std::vector<std::string> word(part.get_unique_terms_begin(), part.get_unique_terms_end());
        words.push_back(match_word(p, word));
      }
      for (const auto& w : split.present)
        presence.push_back({w.bits, w.bits ? nullptr : p.find(w.term), w.weight});
    }
    return match_code_pass(p, codes, words, presence, want, filter_sets(p, pass.filters));
  }

  void expect_same(const std::vector<std::pair<Xapian::docid, double>>& xapian, const MemoryMatch& memory,
                   const std::string& what) {
    ASSERT_EQ(memory.docids.size(), xapian.size()) << what;
    for (size_t i = 0; i < xapian.size(); ++i) {
      EXPECT_EQ(memory.docids[i], xapian[i].first) << what << " rank " << i;
      EXPECT_NEAR(memory.weights[i], xapian[i].second, 1e-9 * xapian[i].second) << what << " rank " << i;
    }
  }

  TempDir dir_{"errkb-prose-postings"};
  Xapian::Database db_;
};

TEST_F(PostingsInMemoryTest, ListsHoldTheProseWordsTheirTitleCopiesAndLongCodesPostingsExactly) {
  PostingsInMemory p = PostingsInMemory::load(db_, {});
  ASSERT_TRUE(p.loaded());
  EXPECT_EQ(p.terms(), 7u);  // not the short code list
  EXPECT_EQ(p.find("XCW:hot"), nullptr);
  EXPECT_TRUE(PostingsInMemory::keeps_every_list_of("ZSorder"));
  EXPECT_FALSE(PostingsInMemory::keeps_every_list_of("ZXSYMorder"));
  EXPECT_FALSE(PostingsInMemory::keeps_every_list_of("XWP:order print"));
  EXPECT_EQ(p.doccount(), db_.get_doccount());
  for (const char* term : {"Zorder", "ZSorder", "Zerror", "Zprinter", "Zrare", "XC:http:500", "XC:hot"}) {
    const PostingsInMemory::List* list = p.find(term);
    ASSERT_NE(list, nullptr) << term;
    EXPECT_EQ(list->termfreq, db_.get_termfreq(term));
    std::vector<std::pair<Xapian::docid, Xapian::termcount>> expected;
    for (auto it = db_.postlist_begin(term); it != db_.postlist_end(term); ++it)
      expected.emplace_back(*it, it.get_wdf());
    // next() walks them all,
    PostingsInMemory::Cursor walk(p, *list);
    for (const auto& [did, wdf] : expected) {
      ASSERT_FALSE(walk.at_end()) << term;
      EXPECT_EQ(walk.docid(), did) << term;
      EXPECT_EQ(walk.wdf(), wdf) << term;
      walk.next();
    }
    EXPECT_TRUE(walk.at_end()) << term;
    // and seek() lands on the first docid at or after its target, forward from anywhere.
    PostingsInMemory::Cursor seeker(p, *list);
    for (Xapian::docid target = 1; target <= 3100; target += 1 + target % 37) {
      auto at =
          std::lower_bound(expected.begin(), expected.end(), std::make_pair(target, Xapian::termcount{0}));
      const bool found = seeker.seek(target);
      ASSERT_EQ(found, at != expected.end()) << term << " seek " << target;
      if (!found) break;
      EXPECT_EQ(seeker.docid(), at->first) << term << " seek " << target;
      EXPECT_EQ(seeker.wdf(), at->second) << term << " seek " << target;
    }
    // walk_until() hands over each posting once, in order, in steps ending inside blocks, on their
    // last docids and past several of them, after a seek too, and leaves the cursor where next() would.
    for (Xapian::docid step : {1u, 7u, 130u, 256u, 999u, 5000u}) {
      PostingsInMemory::Cursor stepper(p, *list);
      std::vector<std::pair<Xapian::docid, Xapian::termcount>> walked;
      const Xapian::docid start = step == 130u ? 400 : 1;
      if (start > 1) stepper.seek(start);
      for (Xapian::docid hi = start + step - 1; !stepper.at_end(); hi += step) {
        stepper.walk_until(hi, [&](Xapian::docid did, Xapian::termcount wdf) {
          EXPECT_LE(did, hi) << term;
          walked.emplace_back(did, wdf);
        });
        if (!stepper.at_end()) {
          EXPECT_GT(stepper.docid(), hi) << term << " step " << step;
        }
      }
      auto from =
          std::lower_bound(expected.begin(), expected.end(), std::make_pair(start, Xapian::termcount{0}));
      EXPECT_EQ(walked, decltype(walked)(from, expected.end())) << term << " step " << step;
      EXPECT_EQ(stepper.docid(), expected.back().first) << term << " step " << step;
    }
    // Membership says which of a rising series of docids the list holds: each docid, in steps that stay
    // inside a block and that skip several, and the same docid asked twice.
    for (Xapian::docid step : {1u, 3u, 130u, 999u}) {
      PostingsInMemory::Membership in(p, *list);
      for (Xapian::docid did = 1; did <= 3100; did += step) {
        const bool held =
            std::binary_search(expected.begin(), expected.end(), std::make_pair(did, Xapian::termcount{0}),
                               [](const auto& a, const auto& b) { return a.first < b.first; });
        ASSERT_EQ(in.holds(did), held) << term << " step " << step << " docid " << did;
        ASSERT_EQ(in.holds(did), held) << term << " asked again, docid " << did;
      }
    }
  }
}

TEST_F(PostingsInMemoryTest, MatchingReturnsXapiansCandidatesAndWeights) {
  PostingsInMemory p = PostingsInMemory::load(db_, {});
  ASSERT_TRUE(p.loaded());
  const std::vector<Words> queries = {
      {{"Zorder"}},
      {{"Zprinter"}, {"Zrare"}},
      {{"Zorder"}, {"Zerror"}, {"Zprinter"}, {"Zrare"}},
      {{"Zerror"}, {"Zorder"}, {"Zerror"}},
      // Synonym groups: wdfs add up, the group's termfreq is Xapian's estimate.
      {{"Zorder", "Zerror"}, {"Zprinter"}},
      {{"Zprinter", "Zrare", "Zmissing"}, {"Zorder"}},
      {{"Zorder", "Zerror", "Zprinter"}, {"Zrare"}},
  };
  for (const auto& terms : queries) {
    std::string what;
    for (const auto& word : terms) {
      for (const auto& t : word) what += t + (word.size() > 1 ? "|" : "");
      what += " ";
    }
    for (size_t want : {1u, 10u, 60u, 5000u}) {
      expect_same(xapian_top(terms, want), memory_top(p, terms, want), what + "top " + std::to_string(want));
      // A sampled pass: only the docids of DocidWindows, as Xapian filters by it.
      for (double share : {0.05, 0.3})
        expect_same(xapian_top(terms, want, share), memory_top(p, terms, want, share),
                    what + "sampled " + std::to_string(share) + " top " + std::to_string(want));
    }
  }
  // Every passage with any of the words is counted, however few are kept.
  EXPECT_EQ(memory_top(p, {{"Zprinter"}, {"Zrare"}}, 3).matches, 61u);  // 1234 is not a multiple of 50
  EXPECT_EQ(memory_top(p, {{"Zorder"}, {"Zerror"}}, 3).matches, 1500u + 428u - 214u);
}

TEST_F(PostingsInMemoryTest, FiltersHoldTheirPassagesAsBitsetsOrLists) {
  PostingsInMemory p = PostingsInMemory::load(db_, {}, {"XV:"});
  ASSERT_TRUE(p.loaded());
  const DocidSet &big = p.filter("XV:big"), &small = p.filter("XV:small"), &none = p.filter("XV:none");
  EXPECT_TRUE(big.is_bitset());
  EXPECT_FALSE(small.is_bitset());
  EXPECT_EQ(big.size(), db_.get_termfreq("XV:big"));
  EXPECT_EQ(small.size(), db_.get_termfreq("XV:small"));
  EXPECT_EQ(none.size(), 0u);
  for (Xapian::docid did = 1; did <= 3100; ++did) {
    const bool exists = did <= 3000 && did != 2999;
    EXPECT_EQ(big.contains(did), exists && did % 3 == 0) << did;
    EXPECT_EQ(small.contains(did), exists && did % 97 == 0) << did;
    EXPECT_FALSE(none.contains(did)) << did;
  }
  // mark(): a list's docids in a range, as bits from its start.
  for (const DocidSet* set : {&big, &small})
    for (const auto& [lo, hi] :
         std::vector<std::pair<Xapian::docid, Xapian::docid>>{{1, 3000}, {200, 1100}, {2990, 3000}}) {
      std::vector<uint64_t> bits((hi - lo) / 64 + 1, 0);
      set->mark(lo, hi, bits.data());
      for (Xapian::docid did = lo; did <= hi; ++did)
        EXPECT_EQ((bits[(did - lo) / 64] >> ((did - lo) % 64) & 1) != 0, set->contains(did))
            << lo << "-" << hi << ": " << did;
    }
  // Without filter prefixes, none is loaded.
  EXPECT_EQ(PostingsInMemory::load(db_, {}).filter("XV:big").size(), 0u);
}

TEST_F(PostingsInMemoryTest, FilteredMatchingReturnsXapiansAnswer) {
  PostingsInMemory p = PostingsInMemory::load(db_, {}, {"XV:"});
  ASSERT_TRUE(p.loaded());
  const std::vector<std::vector<std::string>> filter_sets = {
      {"XV:big"}, {"XV:small"}, {"XV:big", "XV:small"}, {"XV:none"}};
  const std::vector<Words> queries = {{{"Zorder"}, {"Zerror"}},
                                      {{"Zprinter"}, {"Zrare"}, {"Zorder", "Zerror"}}};
  for (const Words& terms : queries)
    for (const auto& filters : filter_sets) {
      const std::string what = terms[0][0] + " filtered by " + filters[0] + (filters.size() > 1 ? "+" : "");
      for (size_t want : {1u, 10u, 60u, 5000u}) {
        expect_same(xapian_top(terms, want, 0, filters), memory_top(p, terms, want, 0, filters), what);
        expect_same(xapian_top(terms, want, 0.3, filters), memory_top(p, terms, want, 0.3, filters),
                    what + " sampled");
      }
      EXPECT_EQ(memory_top(p, terms, 3, 0, filters).matches,
                xapian_run(words_query(terms), 3, filters).second)
          << what;
    }
}

TEST_F(PostingsInMemoryTest, CodePassReturnsXapiansAnswer) {
  PostingsInMemory p = PostingsInMemory::load(db_, {}, {"XV:"});
  ASSERT_TRUE(p.loaded());
  // Every prose word has a bitset here; presence is also tested from the lists (common = nullptr).
  const CommonTermBits bits = CommonTermBits::load(db_, {.min_postings = 1});
  std::vector<CodePass> passes = {
      {.codes = {{"XC:hot", 1.0}}},
      {.codes = {{"XCW:hot", 0.5}}},  // a short list, read through Xapian
      {.codes = {{"XC:hot", 1.0}, {"XCW:hot", 0.5}, {"XC:http:500", 0.3}}},
      {.codes = {{"XC:hot", 0.8}}, .prose = {{"Zorder"}, {"Zprinter"}, {"Zrare"}}},
      {.codes = {{"XC:hot", 1.0}, {"XCW:hot", 0.5}}, .prose = {{"Zerror"}, {"Zprinter"}, {"Zerror"}}},
      // Synonym groups stay ranked words however common; a common word written twice counts once.
      {.codes = {{"XC:hot", 1.0}}, .prose = {{"Zorder", "Zerror"}, {"Zprinter"}, {"Zorder"}, {"Zorder"}}},
  };
  const size_t plain = passes.size();
  for (size_t i = 0; i < plain; ++i) {
    CodePass filtered = passes[i];
    filtered.filters = {"XV:big"};
    passes.push_back(filtered);
    filtered.filters = {"XV:small", "XV:big"};
    passes.push_back(filtered);
  }
  for (size_t i = 0; i < passes.size(); ++i)
    for (const CommonTermBits* common : {static_cast<const CommonTermBits*>(nullptr), &bits}) {
      CodePass pass = passes[i];
      pass.common = common;
      const std::string what = "pass " + std::to_string(i) + (common ? " with bitsets" : " with lists");
      for (size_t want : {1u, 10u, 60u, 5000u}) {
        const auto [xapian, matches] = xapian_code_pass(pass, want);
        const MemoryMatch memory = memory_code_pass(p, pass, want);
        expect_same(xapian, memory, what + " top " + std::to_string(want));
        EXPECT_EQ(memory.matches, matches) << what;
      }
    }
  // Masks: the codes first, then the ranked words, then the present ones.
  CodePass pass{.codes = {{"XC:hot", 1.0}, {"XCW:hot", 0.5}}, .prose = {{"Zprinter"}, {"Zorder"}}};
  const MemoryMatch m = memory_code_pass(p, pass, 600);
  ASSERT_EQ(m.docids.size(), 600u);
  for (size_t i = 0; i < m.docids.size(); ++i) {
    const Xapian::docid did = m.docids[i];
    const uint64_t expected =
        1u | (did % 300 == 0 ? 2u : 0u) | (did % 50 == 0 ? 4u : 0u) | (did % 2 == 0 ? 8u : 0u);
    EXPECT_EQ(m.words[i], expected) << "docid " << did;
  }
}

TEST_F(PostingsInMemoryTest, WordMasksSayWhichWordsEachPassageHas) {
  PostingsInMemory p = PostingsInMemory::load(db_, {});
  MemoryMatch m = memory_top(p, {{"Zorder"}, {"Zerror"}, {"Zprinter"}}, 200);
  ASSERT_EQ(m.docids.size(), 200u);
  for (size_t i = 0; i < m.docids.size(); ++i) {
    const Xapian::docid did = m.docids[i];
    const uint64_t expected = (did % 2 == 0 ? 1u : 0u) | (did % 7 == 0 ? 2u : 0u) | (did % 50 == 0 ? 4u : 0u);
    EXPECT_EQ(m.words[i], expected) << "docid " << did;
  }
}

TEST_F(PostingsInMemoryTest, OverTheMemoryLimitNothingIsKept) {
  PostingsInMemory none = PostingsInMemory::load(db_, {.max_bytes = 1000});
  EXPECT_FALSE(none.loaded());
  EXPECT_EQ(none.terms(), 0u);
  EXPECT_EQ(none.find("Zorder"), nullptr);
  PostingsInMemory all = PostingsInMemory::load(db_, {});
  EXPECT_GT(all.bytes(), 1000u);
  EXPECT_LT(all.bytes(), 64u * 1024);
}

}  // namespace
}  // namespace errkb::store
