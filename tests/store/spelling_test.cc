// The in-memory spelling dictionary: one-edit corrections in each script, the most frequent word
// winning, and the table read from a real index's spelling table.
#include "store/spelling.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace errkb::store {
namespace {

SpellingDictionary sample() {
  return SpellingDictionary::of_words({{"payment", 40},
                                       {"payments", 5},
                                       {"shipping", 30},
                                       {"shopping", 3},
                                       {"timeout", 12},
                                       {"заказ", 9},
                                       {"оплата", 7},
                                       {"plată", 4}});
}

TEST(SpellingDictionary, EachKindOfEdit) {
  SpellingDictionary d = sample();
  EXPECT_EQ(d.one_edit("paymnet"), "payment");    // two neighbours swapped
  EXPECT_EQ(d.one_edit("paymentt"), "payment");   // a letter too many
  EXPECT_EQ(d.one_edit("timout"), "timeout");     // a letter missing
  EXPECT_EQ(d.one_edit("shipoing"), "shipping");  // a wrong letter
}

TEST(SpellingDictionary, MostFrequentWins) {
  SpellingDictionary d = sample();
  EXPECT_EQ(d.one_edit("shippping"), "shipping");
  EXPECT_EQ(d.one_edit("shoppinh"), "shopping");  // the only one edit away
  EXPECT_EQ(d.one_edit("paymentz"), "payment");   // payments is one edit away too, but rarer
}

TEST(SpellingDictionary, CyrillicAndDiacritics) {
  SpellingDictionary d = sample();
  EXPECT_EQ(d.one_edit("закас"), "заказ");
  EXPECT_EQ(d.one_edit("оплта"), "оплата");
  EXPECT_EQ(d.one_edit("plata"), "plată");  // ă is a letter the table uses
}

TEST(SpellingDictionary, NothingForKnownOrFarWords) {
  SpellingDictionary d = sample();
  EXPECT_EQ(d.one_edit("payment"), "");
  EXPECT_EQ(d.one_edit("pymnt"), "");  // two edits
  EXPECT_EQ(d.one_edit(""), "");
}

TEST(SpellingDictionary, LoadsTheIndexSpellingTable) {
  errkb::testing::TempDir dir("errkb-spelling");
  {
    Xapian::WritableDatabase db((dir / "db").string(), Xapian::DB_CREATE_OR_OVERWRITE);
    db.add_spelling("refund", 3);
    db.add_spelling("rembursare", 2);
    db.commit();
  }
  SpellingDictionary d = SpellingDictionary::load(Xapian::Database((dir / "db").string()));
  EXPECT_EQ(d.size(), 2u);
  EXPECT_EQ(d.one_edit("refnud"), "refund");
  EXPECT_EQ(d.one_edit("rembursre"), "rembursare");
}

}  // namespace
}  // namespace errkb::store
