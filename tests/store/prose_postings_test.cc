// ProsePostings (store/prose_postings.h) on a real glass database: the lists hold exactly the index's
// postings, and matching over them returns what Xapian's matcher returns for the same pass.
#include "store/prose_postings.h"

#include "errkb/schema.h"
#include "store/scan_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "test_util.h"

namespace errkb::store {
namespace {

using errkb::testing::TempDir;

// 3,000 documents with words at several densities and varied wdfs (more than a block of 128 postings
// for the common ones), a title copy and a code term that are not prose words.
class ProsePostingsTest : public ::testing::Test {
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
      if (i == 2999) continue;  // a gap in the docids
      db.replace_document(i, doc);
    }
    db.commit();
    db_ = Xapian::Database((dir_ / "db").string());
  }

  // Words: a term, or a synonym group of several.
  using Words = std::vector<std::vector<std::string>>;

  // Xapian's answer for the words ORed (a term twice is two leaves), as the engine asks for it.
  std::vector<std::pair<Xapian::docid, double>> xapian_top(const Words& terms, size_t want, double sampled_share = 0) {
    std::vector<Xapian::Query> leaves;
    for (const auto& word : terms) {
      if (word.size() == 1) {
        leaves.emplace_back(word[0]);
        continue;
      }
      std::vector<Xapian::Query> synonyms(word.begin(), word.end());
      leaves.emplace_back(Xapian::Query::OP_SYNONYM, synonyms.begin(), synonyms.end());
    }
    Xapian::Query q(Xapian::Query::OP_OR, leaves.begin(), leaves.end());
    if (sampled_share > 0) {
      auto* windows = new DocidWindows(db_.get_lastdocid(), sampled_share);
      q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(windows->release()));
    }
    Xapian::Enquire enquire(db_);
    enquire.set_query(q);
    enquire.set_weighting_scheme(Xapian::BM25Weight(schema::kBm25K1OfScaledWdf, 0, 1, 0, schema::kMinNormLength));
    Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(want));
    std::vector<std::pair<Xapian::docid, double>> out;
    for (auto it = mset.begin(); it != mset.end(); ++it) out.emplace_back(*it, it.get_weight());
    return out;
  }

  MemoryMatch memory_top(const ProsePostings& p, const Words& terms, size_t want, double sampled_share = 0) {
    std::vector<MatchWord> words;
    for (const auto& word : terms) {
      MatchWord w;
      std::vector<Xapian::doccount> termfreqs;
      for (const auto& t : word)
        if (const ProsePostings::List* list = p.find(t)) {
          w.lists.push_back(list);
          termfreqs.push_back(list->termfreq);
        }
      w.termweight = bm25_termweight(p.doccount(), synonym_termfreq(p.doccount(), termfreqs));
      words.push_back(w);
    }
    auto ranges = sampled_share > 0 ? DocidWindows::ranges(p.last_docid(), sampled_share)
                                    : std::vector<std::pair<Xapian::docid, Xapian::docid>>{{1, p.last_docid()}};
    return match_words(p, words, ranges, want);
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

TEST_F(ProsePostingsTest, ListsHoldTheProseWordsPostingsExactly) {
  ProsePostings p = ProsePostings::load(db_, {});
  ASSERT_TRUE(p.loaded());
  EXPECT_EQ(p.terms(), 4u);  // not the title copy nor the code
  EXPECT_EQ(p.find("ZSorder"), nullptr);
  EXPECT_EQ(p.find("XC:http:500"), nullptr);
  EXPECT_EQ(p.doccount(), db_.get_doccount());
  for (const char* term : {"Zorder", "Zerror", "Zprinter", "Zrare"}) {
    const ProsePostings::List* list = p.find(term);
    ASSERT_NE(list, nullptr) << term;
    EXPECT_EQ(list->termfreq, db_.get_termfreq(term));
    std::vector<std::pair<Xapian::docid, Xapian::termcount>> expected;
    for (auto it = db_.postlist_begin(term); it != db_.postlist_end(term); ++it)
      expected.emplace_back(*it, it.get_wdf());
    // next() walks them all,
    ProsePostings::Cursor walk(p, *list);
    for (const auto& [did, wdf] : expected) {
      ASSERT_FALSE(walk.at_end()) << term;
      EXPECT_EQ(walk.docid(), did) << term;
      EXPECT_EQ(walk.wdf(), wdf) << term;
      walk.next();
    }
    EXPECT_TRUE(walk.at_end()) << term;
    // and seek() lands on the first docid at or after its target, forward from anywhere.
    ProsePostings::Cursor seeker(p, *list);
    for (Xapian::docid target = 1; target <= 3100; target += 1 + target % 37) {
      auto at = std::lower_bound(expected.begin(), expected.end(), std::make_pair(target, Xapian::termcount{0}));
      const bool found = seeker.seek(target);
      ASSERT_EQ(found, at != expected.end()) << term << " seek " << target;
      if (!found) break;
      EXPECT_EQ(seeker.docid(), at->first) << term << " seek " << target;
      EXPECT_EQ(seeker.wdf(), at->second) << term << " seek " << target;
    }
  }
}

TEST_F(ProsePostingsTest, MatchingReturnsXapiansCandidatesAndWeights) {
  ProsePostings p = ProsePostings::load(db_, {});
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

TEST_F(ProsePostingsTest, WordMasksSayWhichWordsEachPassageHas) {
  ProsePostings p = ProsePostings::load(db_, {});
  MemoryMatch m = memory_top(p, {{"Zorder"}, {"Zerror"}, {"Zprinter"}}, 200);
  ASSERT_EQ(m.docids.size(), 200u);
  for (size_t i = 0; i < m.docids.size(); ++i) {
    const Xapian::docid did = m.docids[i];
    const uint64_t expected = (did % 2 == 0 ? 1u : 0u) | (did % 7 == 0 ? 2u : 0u) | (did % 50 == 0 ? 4u : 0u);
    EXPECT_EQ(m.words[i], expected) << "docid " << did;
  }
}

TEST_F(ProsePostingsTest, OverTheMemoryLimitNothingIsKept) {
  ProsePostings none = ProsePostings::load(db_, {.max_bytes = 1000});
  EXPECT_FALSE(none.loaded());
  EXPECT_EQ(none.terms(), 0u);
  EXPECT_EQ(none.find("Zorder"), nullptr);
  ProsePostings all = ProsePostings::load(db_, {});
  EXPECT_GT(all.bytes(), 1000u);
  EXPECT_LT(all.bytes(), 64u * 1024);
}

}  // namespace
}  // namespace errkb::store
