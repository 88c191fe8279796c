// The document data format: what the server shows of a passage comes back exactly, and damaged data
// is refused rather than misread.
#include "store/documents.h"

#include <gtest/gtest.h>

namespace errkb::store {
namespace {

StoredPassage sample() {
  StoredPassage s;
  Passage& p = s.passage;
  p.id = "windows/update-0x80070005#2";
  p.doc_id = "windows/update-0x80070005";
  p.kind = SourceKind::kForum;
  p.title = "Windows Update fails with 0x80070005";
  p.heading = "Cause 2: the SoftwareDistribution folder is locked";
  p.symptoms = "Install fails at 0%; Доступ запрещён";
  p.cause = "Another process holds the folder.";
  p.checks = {"Run handle.exe", "Look at the event log"};
  p.resolutions = {"Stop the service", "", "Rename the folder"};
  p.prevention = "Exclude the folder from scans.";
  p.body = std::string(3000, 'x');
  p.url = "https://kb.example/0x80070005";
  p.vendor = "Microsoft";
  p.product = "Windows Update";
  p.language = "en";
  p.codes = {"0x80070005"};
  p.code_name = "E_ACCESSDENIED";
  p.tags = {"windows", "update"};
  p.severity = "Error";
  p.category = "System";
  p.created = "2026-01-02T03:04:05Z";
  p.updated = "2026-05-14";
  p.votes = -3;
  p.accepted = true;
  p.author = "ana";
  s.item_uid = "article:windows/update-0x80070005";
  s.code_terms = {"hresult:0x80070005"};
  s.weak_code_terms = {"win32:5"};
  s.primary_code_terms = {"hresult:0x80070005"};
  s.authority = 0.7;
  return s;
}

TEST(DocumentData, RoundTripsEveryField) {
  const StoredPassage in = sample();
  StoredPassage out;
  ASSERT_TRUE(decode_passage(encode_passage(in), out));
  const Passage &a = in.passage, &b = out.passage;
  EXPECT_EQ(b.id, a.id);
  EXPECT_EQ(b.doc_id, a.doc_id);
  EXPECT_EQ(b.kind, a.kind);
  EXPECT_EQ(b.title, a.title);
  EXPECT_EQ(b.heading, a.heading);
  EXPECT_EQ(b.symptoms, a.symptoms);
  EXPECT_EQ(b.cause, a.cause);
  EXPECT_EQ(b.checks, a.checks);
  EXPECT_EQ(b.resolutions, a.resolutions);
  EXPECT_EQ(b.prevention, a.prevention);
  EXPECT_EQ(b.body, a.body);
  EXPECT_EQ(b.url, a.url);
  EXPECT_EQ(b.vendor, a.vendor);
  EXPECT_EQ(b.product, a.product);
  EXPECT_EQ(b.language, a.language);
  EXPECT_EQ(b.codes, a.codes);
  EXPECT_EQ(b.code_name, a.code_name);
  EXPECT_EQ(b.tags, a.tags);
  EXPECT_EQ(b.severity, a.severity);
  EXPECT_EQ(b.category, a.category);
  EXPECT_EQ(b.created, a.created);
  EXPECT_EQ(b.updated, a.updated);
  EXPECT_EQ(b.votes, a.votes);
  EXPECT_EQ(b.accepted, a.accepted);
  EXPECT_EQ(b.author, a.author);
  EXPECT_EQ(out.item_uid, in.item_uid);
  EXPECT_EQ(out.code_terms, in.code_terms);
  EXPECT_EQ(out.weak_code_terms, in.weak_code_terms);
  EXPECT_EQ(out.primary_code_terms, in.primary_code_terms);
  EXPECT_NEAR(out.authority, in.authority, 1e-6);
}

TEST(DocumentData, EmptyPassageRoundTrips) {
  StoredPassage in, out;
  ASSERT_TRUE(decode_passage(encode_passage(in), out));
  EXPECT_EQ(out.passage.id, "");
  EXPECT_TRUE(out.passage.checks.empty());
}

TEST(DocumentData, DamagedDataIsRefused) {
  const std::string good = encode_passage(sample());
  StoredPassage out;
  for (size_t cut : {size_t{0}, size_t{1}, size_t{7}, good.size() / 2, good.size() - 1})
    EXPECT_FALSE(decode_passage(good.substr(0, cut), out)) << "cut at " << cut;
  EXPECT_FALSE(decode_passage(good + "x", out));
  EXPECT_FALSE(decode_passage("{\"id\":\"old JSON data\"}", out));
  std::string huge_length = good;
  huge_length[1] = '\xff';  // the first string's length now claims far more than there is
  EXPECT_FALSE(decode_passage(huge_length, out));
}

}  // namespace
}  // namespace errkb::store
