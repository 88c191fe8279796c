// Hostile KB files met by `update`, by `rebuild` and by the server's reindex job: each is rejected
// alone with "path:line: what is wrong", the run goes on, and what the index held from the file
// before stays findable. The files are generated here (some are megabytes of nesting).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../indexer/kb_fixture.h"
#include "errkb/ingest.h"

namespace errkb::testing {
namespace {

std::string repeat(std::string_view piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// One hostile file: where it goes (replacing a fixture file), its bytes, the message expected, and a
// query whose hit (doc id) the fixture had indexed from that file before.
struct HostileCase {
  std::string name;
  std::string path;
  std::string content;
  std::string where;     // "path:line" or "path" (a whole-file error) the message starts with
  std::string fragment;  // part of the message
  std::string query, doc_id;
  std::string original = {};  // the file's indexed version, when the fixture has none at `path`
};

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

std::vector<HostileCase> hostile_cases() {
  const std::string catalogue_path = "catalogues/parcelhub.json";
  const std::string article_path = "articles/dns/domain.md";
  const std::string front = "---\nid: dns/domain\ntitle: Custom domain does not resolve\nlanguage: en\n";
  const std::string article_body =
      "---\n# Custom domain does not resolve\n\n## Cause\n\nThe CNAME record points to the old host.\n";
  const std::string long_word = repeat("x", 300);
  const std::string html_path = "articles/print/spooler.html";
  const std::string html_article =
      "<html><head><title>Spooler stopped</title></head><body><h2>Cause</h2>"
      "<p>The print spooler service is stopped.</p></body></html>";
  return {
      {"CatalogueNumberBeyondDouble", catalogue_path,
       "{\"vendor\":\"ParcelHub\",\"errors\":[\n{\"code\":\"PH-101\",\"message\":\"Address rejected\"},\n"
       "{\"code\":\"PH-103\",\"weight\":1e400}]}",
       catalogue_path + ":3", "beyond the range of a double", "weight over limit", "parcelhub:PH-102"},
      {"CatalogueNestedDeep", catalogue_path, "{\"vendor\":\"ParcelHub\",\"errors\":" + repeat("[", 100000),
       catalogue_path + ":1", "nested deeper than", "weight over limit", "parcelhub:PH-102"},
      {"CatalogueCodeOverTermLimit", catalogue_path,
       catalogue({{"PH-101", "Address rejected"}, {long_word, "Weight over limit"}}), catalogue_path + ":",
       "errors[1]: code \"xxx", "weight over limit", "parcelhub:PH-102"},
      {"CatalogueVendorOverTermLimit", catalogue_path,
       "{\"vendor\":\"" + long_word + "\",\"errors\":[{\"code\":\"PH-101\",\"message\":\"Address rejected\"}]}",
       catalogue_path + ":", "vendor \"xxx", "weight over limit", "parcelhub:PH-102"},
      {"ArticleTagOverTermLimit", article_path, front + "tags: [dns, " + long_word + "]\n" + article_body,
       article_path + ":", "tag \"xxx", "CNAME old host", "dns/domain"},
      {"ArticleIdOverTermLimit", article_path, "---\nid: " + long_word + "\n" + article_body,
       article_path + ":", "id \"", "CNAME old host", "dns/domain"},
      {"HtmlNestedDeep", html_path, "<html><head><title>Spooler</title></head><body>\n" + repeat("<div>", 100000),
       html_path + ":2", "nested deeper than", "print spooler stopped", "print/spooler", html_article},
  };
}

class HostileKb : public KbFixture, public ::testing::WithParamInterface<HostileCase> {
 protected:
  // The run's errors include one for the case's file, at its line, saying what the case expects.
  static void expect_reported(const UpdateReport& r, const HostileCase& c) {
    std::string all;
    bool found = false;
    for (const InputError& e : r.errors) {
      const std::string text = e.to_string();
      all += text + "\n";
      if (text.rfind(c.where, 0) == 0 && text.find(c.fragment) != std::string::npos) found = true;
    }
    EXPECT_TRUE(found) << "expected " << c.where << ": ..." << c.fragment << "\ngot:\n" << all;
  }
  void expect_still_found(const HostileCase& c) {
    auto e = engine();
    ASSERT_TRUE(e);
    EXPECT_TRUE(contains(doc_ids(*e, c.query), c.doc_id)) << c.doc_id << " lost";
  }
};

TEST_P(HostileKb, UpdateRejectsTheFileAndKeepsWhatWasIndexed) {
  const HostileCase& c = GetParam();
  if (!c.original.empty()) write_file(kb() / c.path, c.original);
  update();
  write_later(c.path, c.content);
  auto r = update_index(options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  expect_reported(*r, c);
  EXPECT_EQ(r->items_removed, 0u);
  expect_still_found(c);
}

TEST_P(HostileKb, RebuildRejectsTheFileAndKeepsWhatWasIndexed) {
  const HostileCase& c = GetParam();
  if (!c.original.empty()) write_file(kb() / c.path, c.original);
  update();
  write_later(c.path, c.content);
  auto r = rebuild_index(options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  expect_reported(*r, c);
  expect_still_found(c);
}

INSTANTIATE_TEST_SUITE_P(Files, HostileKb, ::testing::ValuesIn(hostile_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace errkb::testing
