// CommonTermBits (store/common_terms.h) on a real glass database: which words get a bitset, and that a
// bitset answers exactly as the word's posting list does.
#include "store/common_terms.h"

#include <gtest/gtest.h>

#include <set>

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

}  // namespace
}  // namespace errkb::store
