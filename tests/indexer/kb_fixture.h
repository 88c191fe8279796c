// A small KB written into a temp dir, and an index beside it, for the update-protocol tests.
#pragma once

#include <gtest/gtest.h>
#include <xapian.h>

#include <chrono>
#include <map>
#include <thread>

#include "errkb/engine.h"
#include "errkb/indexer.h"
#include "errkb/schema.h"
#include "store/catalogue_codes.h"
#include "test_util.h"

namespace errkb::testing {

inline std::string article(const std::string& id, const std::string& title, const std::string& cause) {
  return "---\nid: " + id + "\ntitle: " + title +
         "\nlanguage: en\nvendor: ShopFlow\ncodes: [SF-3104]\n---\n# " + title +
         "\n\n## Symptoms\n\nWebhook deliveries are rejected by the store backend.\n\n## Cause 1: " + cause +
         "\n\nThe shared secret configured on the receiving side does not match.\n\n## Resolution 1\n\n"
         "Copy the signing secret again from the ShopFlow admin and redeploy.\n";
}

inline std::string catalogue(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = "{\"vendor\":\"ParcelHub\",\"product\":\"Labels\",\"language\":\"en\",\"errors\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ",";
    out += "{\"code\":\"" + entries[i].first + "\",\"name\":\"N" + std::to_string(i) +
           "\",\"severity\":\"Error\","
           "\"message\":\"" +
           entries[i].second + "\",\"description\":\"" + entries[i].second +
           " happens when the carrier refuses the label.\",\"resolution\":\"Fix the address.\"}";
  }
  return out + "]}";
}

// Every errkb:catcodes: value of the live generation of `index_dir`, by key.
inline std::map<std::string, std::string> kept_codes(const std::filesystem::path& index_dir) {
  auto gen = live_generation(index_dir);
  EXPECT_TRUE(gen.ok());
  if (!gen.ok()) return {};
  Xapian::Database db(gen->string());
  EXPECT_TRUE(store::keeps_catalogue_codes(db));
  std::map<std::string, std::string> out;
  const std::string prefix(schema::kMetaCatalogueCodesPrefix);
  for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it)
    out[*it] = db.get_metadata(*it);
  return out;
}

class KbFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    kb_ = std::make_unique<TempDir>("errkb-kb");
    index_ = std::make_unique<TempDir>("errkb-index");
    write_file(kb() / "articles/webhooks/signature.md",
               article("webhooks/signature", "Webhook signature mismatch", "Signing secret rotated"));
    write_file(
        kb() / "articles/dns/domain.md",
        "---\nid: dns/domain\ntitle: Custom domain does not resolve\nlanguage: en\n---\n"
        "# Custom domain does not resolve\n\n## Symptoms\n\nBrowsers show DNS_PROBE_FINISHED_NXDOMAIN.\n\n"
        "## Cause\n\nThe CNAME record points to the old host.\n\n## Resolution\n\nUpdate the CNAME "
        "record.\n");
    write_file(kb() / "catalogues/parcelhub.json",
               catalogue({{"PH-101", "Address rejected"}, {"PH-102", "Weight over limit"}}));
  }

  std::filesystem::path kb() const { return kb_->path(); }
  // Writes a KB file a moment after the last update, so that its mtime differs from the indexed one.
  void write_later(const std::string& relative_path, const std::string& text) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    write_file(kb() / relative_path, text);
  }
  std::filesystem::path index() const { return index_->path() / "idx"; }
  IndexerOptions options(bool strict = false) const {
    IndexerOptions o;
    o.kb_dirs = {kb()};
    o.index_dir = index();
    o.strict = strict;
    o.threads = 2;
    return o;
  }
  UpdateReport update(bool strict = false) {
    auto r = update_index(options(strict));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : UpdateReport{};
  }
  std::unique_ptr<Engine> engine() { return engine(EngineOptions{}); }
  // An engine on this fixture's index with `options` otherwise.
  std::unique_ptr<Engine> engine(EngineOptions options) {
    options.index_dir = index();
    auto e = Engine::Open(options);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(*e) : nullptr;
  }
  // The first 20 hits for q (with the request's filters), in order.
  static std::vector<Hit> hits(Engine& e, const std::string& q, SearchRequest r = {}) {
    r.q = q;
    r.limit = 20;
    auto resp = e.search(r);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? resp->hits : std::vector<Hit>{};
  }
  // "passage id|score" of the hits for q, in order: two engines rank alike when these are equal.
  static std::vector<std::string> ranking(Engine& e, const std::string& q,
                                          const SearchRequest& filters = {}) {
    std::vector<std::string> rows;
    for (const auto& h : hits(e, q, filters)) rows.push_back(h.id + "|" + std::to_string(h.score));
    return rows;
  }
  // Both engines diagnose `text` with the same causes in the same order and the same scores.
  static void expect_same_diagnosis(Engine& expected, Engine& actual, const std::string& text,
                                    DiagnoseRequest request = {}) {
    request.text = text;
    auto a = expected.diagnose(request), b = actual.diagnose(request);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(b->causes.size(), a->causes.size());
    for (size_t i = 0; i < a->causes.size(); ++i) {
      EXPECT_EQ(b->causes[i].id, a->causes[i].id);
      EXPECT_DOUBLE_EQ(b->causes[i].score, a->causes[i].score);
    }
  }
  // Waits (up to 10 s) until the engine's in-memory tables are loaded.
  static bool wait_warm(Engine& e) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!e.info()->warm && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return e.info()->warm;
  }
  // doc ids of the hits for q, in order.
  static std::vector<std::string> doc_ids(Engine& e, const std::string& q) {
    std::vector<std::string> ids;
    for (const auto& h : hits(e, q)) ids.push_back(h.doc_id);
    return ids;
  }
  static bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  std::unique_ptr<TempDir> kb_, index_;
};

}  // namespace errkb::testing
