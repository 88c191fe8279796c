// The document data format: what the server shows of a passage comes back exactly, and damaged data
// is refused rather than misread.
#include "store/documents.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "errkb/codes.h"
#include "errkb/schema.h"
#include "test_util.h"

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

TEST(RankRecord, RoundTripsAndFindsItsPrimaryCodes) {
  Passage p;
  p.id = "windows/update-0x80070005#2";
  p.kind = SourceKind::kForum;
  p.votes = -3;
  p.language = "ro";
  p.vendor = "Micro\tsoft";  // a tab inside a field cannot split the record
  p.product = "Windows";
  p.severity = "error";
  const std::string text =
      encode_rank_record(p, 0.45, 0.5, "20260321", 123456789012, {"win32:5", "hresult:80070005"});
  RankRecord r;
  ASSERT_TRUE(decode_rank_record(text, r));
  EXPECT_EQ(r.passage_id, p.id);
  EXPECT_NEAR(r.authority, 0.45, 1e-9);
  EXPECT_NEAR(r.focus, 0.5, 1e-9);
  EXPECT_EQ(r.votes, -3);
  EXPECT_EQ(r.date, "20260321");
  EXPECT_EQ(r.language, "ro");
  EXPECT_EQ(r.kind, "forum");
  EXPECT_EQ(r.vendor, "Micro soft");
  EXPECT_EQ(r.product, "Windows");
  EXPECT_EQ(r.severity, "error");
  EXPECT_EQ(r.data_offset, 123456789012u);
  EXPECT_TRUE(r.has_primary_code("win32:5"));
  EXPECT_TRUE(r.has_primary_code("hresult:80070005"));
  EXPECT_FALSE(r.has_primary_code("win32:50"));
  EXPECT_FALSE(r.has_primary_code("hresult"));

  // A copy into another passage file changes the offset and nothing else.
  RankRecord moved;
  const std::string moved_text = with_data_offset(text, 7);  // the record's views point into it
  ASSERT_TRUE(decode_rank_record(moved_text, moved));
  EXPECT_EQ(moved.data_offset, 7u);
  EXPECT_EQ(moved.passage_id, p.id);
  EXPECT_EQ(moved.severity, "error");
  EXPECT_TRUE(moved.has_primary_code("hresult:80070005"));
  EXPECT_EQ(with_data_offset("id\t0.5", 7), "");

  ASSERT_TRUE(decode_rank_record(encode_rank_record(p, 1.0, 1.0, "", 0, {}), r));
  EXPECT_EQ(r.date, "");
  EXPECT_FALSE(r.has_primary_code(""));
  EXPECT_FALSE(r.has_primary_code("win32:5"));

  EXPECT_FALSE(decode_rank_record("id\t0.5\t1\t3\t20260101\ten", r));  // fewer than eleven fields
  EXPECT_FALSE(decode_rank_record("id\t0.5\t1\t3\t20260101\ten\tforum\tv\tp\terror", r));  // ten
  EXPECT_FALSE(decode_rank_record("", r));
  // Eleven fields: without primary codes, with an empty list after the eleventh's tab, with one code.
  ASSERT_TRUE(decode_rank_record("id\t0.5\t1\t3\t20260101\ten\tforum\tv\tp\terror\t42", r));
  EXPECT_EQ(r.data_offset, 42u);
  EXPECT_EQ(r.severity, "error");
  EXPECT_EQ(r.primary_codes, "");
  ASSERT_TRUE(decode_rank_record("id\t0.5\t1\t3\t20260101\ten\tforum\tv\tp\terror\t42\t", r));
  EXPECT_EQ(r.primary_codes, "");
  ASSERT_TRUE(decode_rank_record("\t\t\t\t\t\t\t\t\t\t42\tx:1", r));  // empty fields stay fields
  EXPECT_EQ(r.passage_id, "");
  EXPECT_EQ(r.data_offset, 42u);
  EXPECT_EQ(r.primary_codes, "x:1");
  EXPECT_TRUE(r.has_primary_code("x:1"));
  EXPECT_FALSE(
      decode_rank_record("id\t0.5\t1\t3\t20260101\ten\tforum\tv\tp\terror\tx12", r));  // offset not a number
}

// A code the title or heading names makes the passage about it; one it only declares, a little less.
TEST(RankRecordTest, TellsANamedCodeFromADeclaredOne) {
  Passage p;
  p.id = "ebay-931#1";
  const std::string text = encode_rank_record(p, 1.0, 1.0, "", 0, {"ebay:931", "ebay:17470"}, {"ebay:931"});
  RankRecord r;
  ASSERT_TRUE(decode_rank_record(text, r));
  EXPECT_EQ(r.primary_hold("ebay:931"), rank::CodeHold::kAbout);
  EXPECT_EQ(r.primary_hold("ebay:17470"), rank::CodeHold::kDeclared);
  EXPECT_EQ(r.primary_hold("17470"), rank::CodeHold::kNone);
  EXPECT_TRUE(r.has_primary_code("ebay:17470"));
  EXPECT_FALSE(r.has_primary_code("ebay:1747"));
}

// BM25 with b = 0 and k1 × kWdfScale over stored wdfs gives BM25(k1, b) over raw wdfs with the pivot
// as average length, up to one factor for every term and passage (schema.h), so the ranking is the same.
TEST(LengthNormalisedWdf, MatchesBm25WithLengthNormalisation) {
  using namespace schema;
  auto bm25 = [](double wdf, double length) {
    double norm = std::max(length / kLengthPivot, kMinNormLength);
    return (kBm25K1 + 1) * wdf / (kBm25K1 * ((1 - kBm25B) + kBm25B * norm) + wdf);
  };
  auto stored = [](double wdf, double length) {
    double w = scaled_wdf(static_cast<unsigned>(wdf), wdf_scale(length));
    double k1 = kBm25K1 * kWdfScale;
    return (k1 + 1) * w / (k1 + w);
  };
  const double factor = (kBm25K1 * kWdfScale + 1) / (kBm25K1 + 1);
  // The stored wdf is an integer: its rounding costs precision in long passages (a word once in a
  // passage 22 times the pivot length is stored as 3).
  for (double length : {5.0, 20.0, 45.0, 100.0, 300.0, 1000.0})
    for (double wdf : {1.0, 2.0, 3.0, 7.0, 20.0})
      EXPECT_NEAR(stored(wdf, length) / factor, bm25(wdf, length),
                  (length < 300 ? 0.03 : 0.1) * bm25(wdf, length))
          << "wdf " << wdf << ", length " << length;
}

// Documents built as the indexer builds them, and the wdf of their terms.
class BuiltDocument : public ::testing::Test {
 protected:
  void SetUp() override {
    auto passages = PassageFileWriter::Open(dir_ / "passages.dat", true);
    ASSERT_TRUE(passages.ok()) << passages.status().ToString();
    passages_ = std::move(*passages);
    builder_ = std::make_unique<DocumentBuilder>(grammar_, false, *passages_);
    item_.uid = "article:a";
  }
  Xapian::Document build(const Passage& p) { return builder_->build(item_, p); }
  static unsigned wdf_of(const Xapian::Document& doc, const std::string& term) {
    auto it = doc.termlist_begin();
    it.skip_to(term);
    return it != doc.termlist_end() && *it == term ? it.get_wdf() : 0u;
  }

  CodeGrammar grammar_;
  testing::TempDir dir_{"errkb-documents"};
  std::unique_ptr<PassageFileWriter> passages_;
  std::unique_ptr<DocumentBuilder> builder_;
  Item item_;
};

TEST_F(BuiltDocument, TheSameWordWeighsMoreInAShorterPassage) {
  Passage short_p, long_p;
  short_p.id = "a#1";
  short_p.language = long_p.language = "en";
  short_p.title = long_p.title = "Checkout timeout";
  long_p.id = "a#2";
  for (int i = 0; i < 60; ++i) long_p.body += "shipping label printer carrier warehouse ";
  Xapian::Document a = build(short_p);
  Xapian::Document b = build(long_p);
  EXPECT_GT(wdf_of(a, "Zcheckout"), wdf_of(b, "Zcheckout"));
  EXPECT_GT(wdf_of(b, "Zcheckout"), 0u);
  // Title words carry the title's weight (3) in both.
  EXPECT_EQ(wdf_of(a, "Zcheckout"), schema::scaled_wdf(3, schema::wdf_scale(3 * 2 + 2)));
}

// A code sample's words count kCodeSampleWeight of a body word, in the wdf and in the length, and in no
// field's prefixed copy: "cout" in prose outweighs "cout" in an example.
TEST_F(BuiltDocument, ACodeSamplesWordsWeighLessThanProse) {
  Passage prose;
  prose.id = "a#1";
  prose.language = "en";
  prose.symptoms = "cout undeclared in main";
  prose.body = "cout undeclared in main";
  Passage code = prose;
  code.id = "a#2";
  code.code.symptoms = code.symptoms;
  code.code.body = code.body;
  const Xapian::Document as_prose = build(prose);
  const Xapian::Document as_code = build(code);
  // Prose: 3 words in the symptoms (weight 3 and the prefixed copy) and in the body (weight 1): length
  // 3 × 4 + 3. Code: the same 6 words at half a body word: length 3.
  EXPECT_EQ(wdf_of(as_prose, "Zcout"), schema::scaled_wdf(3 + 1, schema::wdf_scale(3 * 4 + 3)));
  EXPECT_EQ(wdf_of(as_prose, "ZXSYMcout"), schema::scaled_wdf(1, schema::wdf_scale(3 * 4 + 3)));
  EXPECT_EQ(wdf_of(as_code, "Zcout"),
            2 * schema::scaled_wdf(1, schema::wdf_scale(3) * schema::kCodeSampleWeight));
  EXPECT_EQ(wdf_of(as_code, "ZXSYMcout"), 0u);
  // Prose beside a sample in one field keeps its weight: only the sample's occurrences are taken out.
  Passage mixed = prose;
  mixed.id = "a#3";
  mixed.symptoms.clear();
  mixed.body = "Use cout.\ncout << x;";
  mixed.code.body = "cout << x;";
  const Xapian::Document as_mixed = build(mixed);
  const double scale = schema::wdf_scale(2 + 1);  // "use", "cout"; "cout", "x" at half
  EXPECT_EQ(wdf_of(as_mixed, "Zcout"),
            schema::scaled_wdf(1, scale) + schema::scaled_wdf(1, scale * schema::kCodeSampleWeight));
  EXPECT_EQ(wdf_of(as_mixed, "Zuse"), schema::scaled_wdf(1, scale));
  // A code sample that is not in its field's text (a reader that placed it elsewhere) adds nothing.
  Passage plain = mixed;
  plain.id = "a#4";
  plain.code = {};
  Passage stray = plain;
  stray.id = "a#5";
  stray.code.body = "printf();";
  const Xapian::Document as_stray = build(stray);
  EXPECT_EQ(wdf_of(as_stray, "Zprintf"), 0u);
  for (const char* term : {"Zcout", "Zuse", "Zx"})
    EXPECT_EQ(wdf_of(as_stray, term), wdf_of(build(plain), term));
}

}  // namespace
}  // namespace errkb::store
