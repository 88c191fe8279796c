// Readers never throw and never crash, whatever prefix of a file they get: every cut of every
// fixture yields items, errors, or an empty result.
#include <gtest/gtest.h>

#include "errkb/ingest.h"
#include "fixtures.h"

namespace errkb {
namespace {

using testing::fixture_root;
using testing::read_fixture;

using Reader = FileReadResult (*)(std::string_view, std::string_view);

struct Case {
  const char* fixture;
  Reader reader;
};

TEST(ReaderRobustness, EveryPrefixOfEveryFixture) {
  const Case cases[] = {
      {"kb/articles/en/custom-domain-dns.md", read_markdown_article},
      {"kb/articles/ro/eroare-smtp-535.md", read_markdown_article},
      {"kb/articles/html/template-blank.html", read_html_article},
      {"kb/articles/txt/shipping-label.txt", read_text_article},
      {"kb/forums/shop-community.jsonl", read_forum_jsonl},
      {"kb/catalogues/acme-payments.json", read_catalogue_json},
      {"kb/catalogues/ebay-trading.json", read_catalogue_json},
      {"kb/catalogues/shipfast-labels.csv", read_catalogue_csv},
      {"kb/catalogues/ebay-response.xml", read_catalogue_xml},
  };
  for (const Case& c : cases) {
    const std::string text = read_fixture(c.fixture);
    ASSERT_FALSE(text.empty()) << c.fixture;
    // Cuts at every 7th byte, including ones inside multi-byte UTF-8 sequences.
    for (size_t cut = 0; cut <= text.size(); cut += 7) {
      const std::string_view prefix(text.data(), cut);
      FileReadResult r;
      EXPECT_NO_THROW(r = c.reader("x/prefix", prefix)) << c.fixture << " cut at " << cut;
      for (const InputError& e : r.errors) {
        EXPECT_EQ(e.path, "x/prefix");
        EXPECT_FALSE(e.message.empty());
        EXPECT_FALSE(r.complete) << c.fixture << " cut at " << cut << ": errors but complete";
      }
      for (const Item& item : r.items) EXPECT_FALSE(item.passages.empty()) << c.fixture << " cut at " << cut;
    }
  }
}

TEST(ReaderRobustness, SynonymsAnyPrefix) {
  const std::string text = read_fixture("kb/synonyms.txt");
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_NO_THROW((void)read_synonyms("s.txt", std::string_view(text.data(), cut)));
  }
}

}  // namespace
}  // namespace errkb
