// The compact table of what catalogues taught the grammar (lib/codes/taught_catalogue.h): several
// entries under one key come back in the order taught, each canonical once, through the index's
// growth; a canonical's name and meaning are the last a catalogue gave; and, through the grammar,
// a taught entry is found by its code, its name in any case and its name in words.
#include "codes/taught_catalogue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "errkb/codes.h"

namespace errkb::codes {
namespace {

TaughtCatalogue::Added texts(const std::string& code, const std::string& name, const std::string& message,
                             const std::string& canonical) {
  return {code, code, name, message, canonical};
}

TEST(SlotIndex, ValuesOfOneHashComeBackInTheOrderAddedThroughGrowthAndWrapAround) {
  SlotIndex index;
  // Hashes near the top of the table wrap around; thousands of values make it grow many times.
  const uint32_t shared = 0xFFFFFFFFu;
  std::vector<uint32_t> expected;
  for (uint32_t v = 0; v < 5000; ++v) {
    if (v % 3 == 0) {
      index.add(shared, v);
      expected.push_back(v);
    } else {
      index.add(0xFFFFFF00u + v % 200, v);
    }
  }
  std::vector<uint32_t> found;
  index.find(shared, found);
  EXPECT_EQ(found, expected);
  std::vector<uint32_t> none;
  index.find(12345, none);
  EXPECT_TRUE(none.empty());
}

TEST(TaughtCatalogue, CodesComeInTheOrderTaughtEachCanonicalOnce) {
  TaughtCatalogue t;
  TaughtEntry e;
  e.vendor_id = 0;
  ASSERT_TRUE(t.add(e, texts("sf-2001", "", "first", "shopflow:sf-2001")).added);
  e.vendor_id = 1;
  ASSERT_TRUE(t.add(e, texts("sf-2001", "", "other vendor", "acme:sf-2001")).added);
  e.vendor_id = 0;
  ASSERT_TRUE(t.add(e, texts("sf-2001", "", "again", "shopflow:sf-2001")).added);
  const std::vector<uint32_t> found = t.by_code("sf-2001");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(t.text(t.entry(found[0]).canonical), "shopflow:sf-2001");
  EXPECT_EQ(t.text(t.entry(found[1]).canonical), "acme:sf-2001");
  EXPECT_TRUE(t.by_code("sf-2002").empty());
  EXPECT_TRUE(t.by_code("SF-2001").empty());  // keys are lower case
}

TEST(TaughtCatalogue, InfoIsTheLastNameAndTheLastOwnMessageElseTheSystemMeaning) {
  TaughtCatalogue t;
  TaughtEntry system;
  system.own_message = false;
  ASSERT_TRUE(t.add(system, texts("5", "", "Access is denied.", "win32:5")).added);
  auto info = t.info("win32:5");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->message, "Access is denied.");
  TaughtEntry own;
  own.own_message = true;
  ASSERT_TRUE(t.add(own, texts("5", "ERROR_ACCESS_DENIED", "Denied by the catalogue", "win32:5")).added);
  ASSERT_TRUE(t.add(system, texts("5", "", "Access is denied.", "win32:5")).added);
  info = t.info("win32:5");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->name, "ERROR_ACCESS_DENIED");
  EXPECT_EQ(info->message, "Denied by the catalogue");
  EXPECT_FALSE(t.info("win32:6"));
}

TEST(TaughtCatalogue, PhrasesByTheirWordsAndTheLongestPhraseOfAPair) {
  TaughtCatalogue t;
  TaughtEntry e;
  auto add = [&](const std::string& name) {
    ASSERT_TRUE(t.add(e, texts(name, name, "", "bugcheck:" + name)).added);
  };
  add("INACCESSIBLE_BOOT_DEVICE");
  add("Inaccessible-Boot Device Again Later");
  add("Inaccessible boot (device)");  // not a name in words: other characters
  EXPECT_EQ(t.longest_phrase("inaccessible boot"), 5);
  EXPECT_EQ(t.longest_phrase("boot device"), 0);
  ASSERT_EQ(t.by_phrase("inaccessible boot device").size(), 1u);
  EXPECT_EQ(t.by_phrase("inaccessible boot device again later").size(), 1u);
  EXPECT_TRUE(t.by_phrase("inaccessible boot").empty());
  EXPECT_EQ(t.by_folded_name("inaccessible_boot_device").size(), 1u);
  EXPECT_EQ(t.by_name("INACCESSIBLE_BOOT_DEVICE").size(), 1u);
  EXPECT_TRUE(t.by_name("inaccessible_boot_device").empty());
}

// Through the grammar, with enough entries that every index grows many times.
TEST(TaughtCatalogueGrammar, ManyTaughtEntriesAreFoundByCodeNameAndWords) {
  CodeGrammar g;
  for (int i = 0; i < 20000; ++i) {
    const std::string n = std::to_string(i);
    g.add_catalogue_code({"Shop Flow", "SF-" + n, "ORDER_SYNC_FAILED_" + n, "Order sync failed " + n});
  }
  const auto by_code = g.find_codes("we got SF-1234 twice");
  ASSERT_EQ(by_code.size(), 1u);
  EXPECT_EQ(by_code[0].interpretations[0].canonical, "shopflow:sf-1234");
  EXPECT_EQ(by_code[0].interpretations[0].name, "ORDER_SYNC_FAILED_1234");
  EXPECT_EQ(by_code[0].interpretations[0].message, "Order sync failed 1234");
  const auto by_name = g.find_codes("log: order_sync_failed_19999 at noon");
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0].interpretations[0].canonical, "shopflow:sf-19999");
  const auto by_words = g.find_codes("it said order sync failed 77 again");
  ASSERT_FALSE(by_words.empty());
  EXPECT_EQ(by_words[0].interpretations[0].canonical, "shopflow:sf-77");
  const auto typed = g.interpret("sf1042");
  ASSERT_FALSE(typed.empty());
  EXPECT_EQ(typed[0].canonical, "shopflow:sf-1042");
}

}  // namespace
}  // namespace errkb::codes

namespace errkb::codes {
namespace {

void teach_sample(CodeGrammar& g) {
  (void)g.add_vendor_pattern("ParcelHub", "PH-[0-9]{3}");
  g.add_catalogue_code({"Shop Flow", "SF-2001", "SYNC_TOKEN_EXPIRED", "token expired"});
  g.add_catalogue_code({"Shop Flow", "SF-2002", "ORDER SYNC FAILED NOW", "order sync failed"});
  g.add_catalogue_code({"Acme", "SF-2001", "ACME_SF_CLASH", "the same code at another vendor"});
  g.add_catalogue_code({"eBay", "21919300", "", "Quantity invalid"});
  g.add_catalogue_code({"win32", "5", "ERROR_ACCESS_DENIED", ""});
  g.add_catalogue_code({"bugcheck", "0x7B", "INACCESSIBLE_BOOT_DEVICE", ""});
  g.add_catalogue_code({"smtp", "5.7.1", "", "Relay denied"});
  g.add_catalogue_code({"ParcelHub", "PH-101", "PARCEL_LOST_IN_TRANSIT", "parcel lost"});
  for (int i = 0; i < 3000; ++i)
    g.add_catalogue_code(
        {"Shop Flow", "SF-" + std::to_string(5000 + i), "BULK_ENTRY_" + std::to_string(i), "bulk"});
}

std::string described(const CodeGrammar& g, const std::string& text) {
  std::string out;
  for (const auto& o : g.find_codes(text)) {
    out += std::to_string(o.begin) + "-" + std::to_string(o.end) + ":";
    for (const auto& r : o.interpretations)
      out += " " + r.canonical + "|" + r.name + "|" + r.message + "|" + std::to_string(r.confidence) +
             (r.certain ? "|c" : "|u");
    out += "\n";
  }
  for (const auto& r : g.interpret_catalogue_code("Shop Flow", "SF-2001"))
    out += r.canonical + "|" + r.message;
  return out;
}

const std::vector<std::string> kTexts = {"Shop Flow error SF-2001 after sync",
                                         "sf2002 again",
                                         "order sync failed now, then sync_token_expired",
                                         "eBay error 21919300",
                                         "ERROR_ACCESS_DENIED and error_access_denied",
                                         "STOP 0x0000007B inaccessible boot device",
                                         "the mail server replied 550 5.7.1 relay denied",
                                         "PH-101 and parcel lost in transit",
                                         "BULK_ENTRY_2999 SF-7999",
                                         "Acme error SF-2001"};

TEST(TaughtBytes, AGrammarReadBackFindsWhatTheTaughtOneFinds) {
  CodeGrammar taught;
  teach_sample(taught);
  CodeGrammar read;
  (void)read.add_vendor_pattern("ParcelHub", "PH-[0-9]{3}");
  ASSERT_TRUE(read.read_taught_bytes(taught.taught_bytes()));
  for (const auto& text : kTexts) EXPECT_EQ(described(read, text), described(taught, text)) << text;
  EXPECT_EQ(read.taught_bytes(), taught.taught_bytes());
}

TEST(TaughtBytes, CutOrTaughtTwiceIsRefusedAndChangesNothing) {
  CodeGrammar taught;
  teach_sample(taught);
  const std::string bytes = taught.taught_bytes();
  const std::string untaught = described(CodeGrammar(), kTexts[0]);
  for (size_t cut = 0; cut < bytes.size(); cut += 997) {
    CodeGrammar g;
    EXPECT_FALSE(g.read_taught_bytes(std::string_view(bytes).substr(0, cut))) << cut;
    EXPECT_EQ(described(g, kTexts[0]), untaught);
  }
  EXPECT_FALSE(taught.read_taught_bytes(bytes));
  std::string other_layout = bytes;
  other_layout[8] = '9';  // the format number
  EXPECT_FALSE(CodeGrammar().read_taught_bytes(other_layout));
}

}  // namespace
}  // namespace errkb::codes
