// CommonTermBits (store/common_terms.h) on a real glass database: which words get a bitset, and that a
// bitset answers exactly as the word's posting list does.
#include "store/common_terms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "store/scan_plan.h"
#include "test_util.h"

namespace errkb::store {
namespace {

using errkb::testing::TempDir;

// 1000 documents: "Zorder" in every 2nd, "Zerror" in every 3rd, "Zrare" in every 100th; the title
// copy "ZSorder" in all of them, and the code term "XC:http:500" in all.
class CommonTermBitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Xapian::WritableDatabase db((dir_ / "db").string(), Xapian::DB_CREATE_OR_OVERWRITE);
    for (int i = 1; i <= 1000; ++i) {
      Xapian::Document doc;
      if (i % 2 == 0) doc.add_term("Zorder");
      if (i % 3 == 0) doc.add_term("Zerror");
      if (i % 100 == 0) doc.add_term("Zrare");
      doc.add_term("ZSorder");
      doc.add_term("XC:http:500");
      db.add_document(doc);
    }
    db.commit();
    db_ = Xapian::Database((dir_ / "db").string());
  }

  TempDir dir_{"errkb-common-terms"};
  Xapian::Database db_;
};

TEST_F(CommonTermBitsTest, CommonProseWordsOnlyAndBitsMatchPostingLists) {
  CommonTermBits bits = CommonTermBits::load(db_, {.min_postings = 300, .max_bytes = 1 << 20});
  EXPECT_EQ(bits.terms(), 2u);  // Zorder (500) and Zerror (333); not Zrare (10), the title copy or the code
  EXPECT_EQ(bits.find("Zrare"), nullptr);
  EXPECT_EQ(bits.find("ZSorder"), nullptr);
  EXPECT_EQ(bits.find("XC:http:500"), nullptr);
  for (const char* term : {"Zorder", "Zerror"}) {
    const CommonTermBits::Bits* b = bits.find(term);
    ASSERT_NE(b, nullptr) << term;
    std::set<Xapian::docid> postings;
    for (auto p = db_.postlist_begin(term); p != db_.postlist_end(term); ++p) postings.insert(*p);
    for (Xapian::docid did = 0; did <= 1100; ++did)
      EXPECT_EQ(b->contains(did), postings.count(did) > 0) << term << " docid " << did;
  }
}

TEST_F(CommonTermBitsTest, MemoryLimitKeepsTheCommonestWords) {
  // A bitset of 1000 docids is 16 words of 8 bytes: room for one.
  CommonTermBits one = CommonTermBits::load(db_, {.min_postings = 1, .max_bytes = 200});
  EXPECT_EQ(one.terms(), 1u);
  EXPECT_NE(one.find("Zorder"), nullptr);
  EXPECT_EQ(one.bytes(), 128u);
  CommonTermBits none = CommonTermBits::load(db_, {.min_postings = 1, .max_bytes = 64});
  EXPECT_EQ(none.terms(), 0u);
}

// A WordsPresence leaf walks the docids that have any of its words, alike whether bitsets or posting
// lists answer, and weighs each passage by the words it has.
TEST_F(CommonTermBitsTest, WordsPresenceWalksTheWordsDocidsFromBitsOrPostings) {
  CommonTermBits bits = CommonTermBits::load(db_, {.min_postings = 300, .max_bytes = 1 << 20});
  ASSERT_NE(bits.find("Zorder"), nullptr);
  ASSERT_NE(bits.find("Zerror"), nullptr);
  // Expected: the docids with Zorder (every 2nd, weight 2) or Zerror (every 3rd, weight 3).
  std::map<Xapian::docid, double> expected;
  for (Xapian::docid did = 1; did <= 1000; ++did)
    if (did % 2 == 0 || did % 3 == 0) expected[did] = (did % 2 == 0 ? 2.0 : 0.0) + (did % 3 == 0 ? 3.0 : 0.0);
  for (bool from_bits : {true, false}) {
    auto words = [&] {
      return std::vector<WordsPresence::Word>{
          {"Zorder", db_.get_termfreq("Zorder"), 2.0, from_bits ? bits.find("Zorder") : nullptr},
          {"Zerror", db_.get_termfreq("Zerror"), 3.0, from_bits ? bits.find("Zerror") : nullptr}};
    };
    const std::string how = from_bits ? "from bits" : "from postings";
    WordsPresence walk(words());
    walk.init(db_);
    std::map<Xapian::docid, double> walked;
    for (walk.next(0); !walk.at_end(); walk.next(0)) walked[walk.get_docid()] = walk.get_weight();
    EXPECT_EQ(walked, expected) << how;

    WordsPresence skip(words());
    skip.init(db_);
    for (Xapian::docid target : {1u, 7u, 7u, 50u, 333u, 335u, 999u}) {
      skip.skip_to(target, 0);
      auto at = expected.lower_bound(target);
      ASSERT_FALSE(skip.at_end()) << how << " skip to " << target;
      EXPECT_EQ(skip.get_docid(), at->first) << how << " skip to " << target;
      EXPECT_EQ(skip.get_weight(), at->second) << how << " skip to " << target;
    }
    skip.skip_to(1001, 0);
    EXPECT_TRUE(skip.at_end()) << how;
  }
}

// The code pass (scan_plan.h) counts common words by presence, rarer ones by BM25: the ranking of the
// passages carrying a code is the same whether the common words' bitsets are loaded or not.
TEST_F(CommonTermBitsTest, CodePassCountsCommonWordsByPresenceWithOrWithoutBits) {
  CommonTermBits bits = CommonTermBits::load(db_, {.min_postings = 300, .max_bytes = 1 << 20});
  const std::vector<Xapian::Query> words = {Xapian::Query("Zorder"), Xapian::Query("Zerror"),
                                            Xapian::Query("Zrare"), Xapian::Query("Zorder")};
  const Xapian::Query prose(Xapian::Query::OP_OR, words.begin(), words.end());
  auto ranked = [&](const CommonTermBits* common) {
    TermFreqs freqs;
    const Xapian::Query pass = prose_for_code_pass(db_, freqs, prose, common, 300);
    const std::string described = pass.get_description();
    const std::string by_presence = "WordsPresence(Zorder: ";
    EXPECT_NE(described.find(by_presence), std::string::npos) << described;
    EXPECT_NE(described.find("Zerror: "), std::string::npos) << described;
    EXPECT_EQ(described.find("Zrare: "), std::string::npos) << described;
    EXPECT_EQ(described.find("Zorder: ", described.find("Zorder: ") + 1), std::string::npos)
        << "a word written twice counts once: " << described;
    Xapian::Enquire enquire(db_);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_AND_MAYBE, Xapian::Query("XC:http:500"), pass));
    Xapian::MSet mset = enquire.get_mset(0, 2000);
    std::map<Xapian::docid, double> weights;
    for (auto it = mset.begin(); it != mset.end(); ++it) weights[*it] = it.get_weight();
    return weights;
  };
  const auto with_bits = ranked(&bits), without = ranked(nullptr);
  ASSERT_EQ(with_bits.size(), 1000u);  // every passage carries the code
  ASSERT_EQ(without.size(), 1000u);
  for (const auto& [did, weight] : with_bits) EXPECT_DOUBLE_EQ(weight, without.at(did)) << "docid " << did;
  // Both common words > one of them > none; the rare word adds its BM25 weight.
  EXPECT_GT(with_bits.at(6), with_bits.at(2));
  EXPECT_GT(with_bits.at(2), with_bits.at(1));
  EXPECT_GT(with_bits.at(300), with_bits.at(6));
  // The commoner word weighs less.
  EXPECT_GT(with_bits.at(3), with_bits.at(2));
}

}  // namespace
}  // namespace errkb::store
