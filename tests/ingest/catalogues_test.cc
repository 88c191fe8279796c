// Catalogue readers: our JSON and CSV shapes, eBay's ErrorType as JSON and XML.
#include <gtest/gtest.h>

#include "errkb/ingest.h"
#include "fixtures.h"

namespace errkb {
namespace {

using testing::errors_of;
using testing::expect_file_refused;
using testing::read_fixture;

const Passage* find_passage(const FileReadResult& r, const std::string& id) {
  for (const auto& item : r.items) {
    for (const auto& p : item.passages) {
      if (p.id == id) return &p;
    }
  }
  return nullptr;
}

// The fields an eBay ErrorType entry fills, in JSON or XML.
struct EbayFields {
  std::string id, title, cause, severity, category, body;
};

void expect_ebay_passage(const Passage& p, const EbayFields& want) {
  EXPECT_EQ(p.id, want.id);
  EXPECT_EQ(p.title, want.title);
  EXPECT_EQ(p.cause, want.cause);
  EXPECT_EQ(p.severity, want.severity);
  EXPECT_EQ(p.category, want.category);
  EXPECT_EQ(p.body, want.body);
}

TEST(CatalogueJson, EntriesBecomeOnePassageEach) {
  const auto r =
      read_catalogue_json("catalogues/acme-payments.json", read_fixture("kb/catalogues/acme-payments.json"));
  EXPECT_EQ(r.catalogue_vendor, "AcmePay");
  EXPECT_EQ(r.code_pattern, "ACP-[0-9]{4}");
  EXPECT_EQ(r.code_pattern_line, 5);  // messages about the pattern name its line
  ASSERT_EQ(r.items.size(), 3u) << errors_of(r);
  const Item& item = r.items[0];
  EXPECT_EQ(item.uid, "catalogue:acmepay:ACP-1001");
  EXPECT_EQ(item.container, "catalogues/acme-payments.json");
  ASSERT_EQ(item.passages.size(), 1u);
  const Passage& p = item.passages[0];
  EXPECT_EQ(p.id, "acmepay:ACP-1001");
  EXPECT_EQ(p.doc_id, "acmepay:ACP-1001");
  EXPECT_EQ(p.kind, SourceKind::kCatalogue);
  EXPECT_EQ(p.title, "ACP-1001 CARD_DECLINED: The card was declined");
  EXPECT_EQ(p.cause, "Insufficient funds\nCard reported lost");
  EXPECT_EQ(p.body, "The issuer refused the authorisation.");
  EXPECT_EQ(p.resolutions, (std::vector<std::string>{"Ask for another card", "Retry after 24 hours"}));
  EXPECT_EQ(p.code_name, "CARD_DECLINED");
  EXPECT_EQ(p.codes, std::vector<std::string>{"ACP-1001"});
  EXPECT_EQ(p.severity, "Error");
  EXPECT_EQ(p.category, "Payment");
  EXPECT_EQ(p.vendor, "AcmePay");
  EXPECT_EQ(p.product, "Gateway");
  EXPECT_EQ(p.language, "en");
  EXPECT_EQ(p.url, "https://docs.acmepay.example/errors/ACP-1001");
  // Without causes the description is the body: what the code means, not a known cause.
  const Passage* key = find_passage(r, "acmepay:ACP-2002");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->cause, "");
  EXPECT_EQ(key->body, "The key was revoked or mistyped.");
  EXPECT_EQ(key->title, "ACP-2002 INVALID_API_KEY: The API key is not valid");
  // A numeric code is read as text.
  const Passage* numeric = find_passage(r, "acmepay:3003");
  ASSERT_NE(numeric, nullptr);
  EXPECT_EQ(numeric->title, "3003: Numeric code");
}

TEST(CatalogueJson, DuplicateCodeAndMissingCodeAreErrors) {
  const auto r =
      read_catalogue_json("catalogues/acme-payments.json", read_fixture("kb/catalogues/acme-payments.json"));
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].to_string(),
            "catalogues/acme-payments.json: errors[2]: duplicate code ACP-2002 (first at errors[1])");
  EXPECT_EQ(r.errors[1].to_string(), "catalogues/acme-payments.json: errors[3]: entry without a code");
  // The first definition is the one kept.
  EXPECT_EQ(find_passage(r, "acmepay:ACP-2002")->code_name, "INVALID_API_KEY");
}

TEST(CatalogueJson, BrokenJsonNamesTheLine) {
  const auto r = read_catalogue_json("catalogues/broken.json", read_fixture("malformed/broken.json"));
  expect_file_refused(r, 5, "broken JSON");
}

TEST(CatalogueJson, SignatureChangesWithAnEntryOnly) {
  const std::string a =
      R"({"vendor":"V","errors":[{"code":"1","message":"one"},{"code":"2","message":"two"}]})";
  const std::string b =
      R"({"vendor":"V","errors":[{"code":"1","message":"one"},{"code":"2","message":"TWO"}]})";
  const auto ra = read_catalogue_json("c.json", a);
  const auto rb = read_catalogue_json("c.json", b);
  ASSERT_EQ(ra.items.size(), 2u);
  ASSERT_EQ(rb.items.size(), 2u);
  EXPECT_EQ(ra.items[0].signature, rb.items[0].signature);
  EXPECT_NE(ra.items[1].signature, rb.items[1].signature);
}

TEST(CatalogueJson, WrongTypeIsAnErrorForThatEntry) {
  const auto r = read_catalogue_json(
      "catalogues/v.json", R"({"vendor":"V","errors":[{"code":"1","message":["not","text"]},{"code":"2"}]})");
  ASSERT_EQ(r.items.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "errors[0]: \"message\" must be a string, not array");
}

TEST(CatalogueEbayJson, ErrorTypeArray) {
  const auto r =
      read_catalogue_json("catalogues/ebay-trading.json", read_fixture("kb/catalogues/ebay-trading.json"));
  EXPECT_TRUE(r.errors.empty()) << errors_of(r);
  EXPECT_EQ(r.catalogue_vendor, "eBay");
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].uid, "catalogue:ebay:21919300");
  const Passage& p = r.items[0].passages.at(0);
  EXPECT_EQ(p.vendor, "eBay");
  expect_ebay_passage(
      p, {.id = "ebay:21919300",
          .title = "21919300: Listing violates item specifics policy.",
          .cause = "",
          .severity = "Error",
          .category = "RequestError",
          .body = "Some required item specifics are missing for this category.\nParameter 0: Brand"});
  EXPECT_EQ(r.items[1].uid, "catalogue:ebay:932");  // numeric ErrorCode
}

TEST(CatalogueEbayJson, ErrorsObjectForm) {
  const auto r = read_catalogue_json(
      "catalogues/e.json",
      R"({"Errors":[{"ErrorCode":"17","ShortMessage":"Item not found.","SeverityCode":"Error"}]})");
  ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.items[0].passages.at(0).id, "ebay:17");
  EXPECT_EQ(r.items[0].passages.at(0).title, "17: Item not found.");
}

TEST(CatalogueCsv, QuotedFieldsAndABadRow) {
  const auto r =
      read_catalogue_csv("catalogues/shipfast-labels.csv", read_fixture("kb/catalogues/shipfast-labels.csv"));
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.errors.size(), 1u);
  // SF-100 spans lines 2-3 (a newline inside quotes), so the short SF-300 row is on line 5.
  EXPECT_EQ(r.errors[0].to_string(), "catalogues/shipfast-labels.csv:5: row has 5 columns, the header has 9");
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.catalogue_vendor, "shipfast");
  const Passage* a = find_passage(r, "shipfast:SF-100");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->vendor, "shipfast");  // from the file name
  EXPECT_EQ(a->product, "labels");
  EXPECT_EQ(a->body, "The carrier could not match the address, street or postcode.");  // commas inside quotes
  EXPECT_EQ(a->cause, "Postcode does not match city\nMissing house number");
  EXPECT_EQ(a->resolutions, (std::vector<std::string>{"Correct the address", "Retry the label"}));
  EXPECT_EQ(a->url, "https://shipfast.example/e/SF-100");
  const Passage* b = find_passage(r, "shipfast:SF-200");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->title, "SF-200 WEIGHT_LIMIT: Parcel too heavy \"over 31.5 kg\"");  // "" escapes
  EXPECT_NE(find_passage(r, "shipfast:SF-400"), nullptr);                         // read after the bad row
}

TEST(CatalogueCsv, VendorColumnsAndCrlf) {
  const auto r = read_catalogue_csv("catalogues/mixed.csv",
                                    "vendor,product,code,message\r\nMicrosoft,Windows,0x80070005,Access is "
                                    "denied\r\nOracle,Database,ORA-00942,table or view does not exist\r\n");
  EXPECT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].uid, "catalogue:microsoft:0x80070005");
  EXPECT_EQ(r.items[0].passages[0].product, "Windows");
  EXPECT_EQ(r.items[1].passages[0].id, "oracle:ORA-00942");
  EXPECT_EQ(r.items[1].passages[0].title, "ORA-00942: table or view does not exist");
}

TEST(CatalogueCsv, UnclosedQuoteAndMissingCodeColumn) {
  const auto r = read_catalogue_csv("catalogues/q.csv", read_fixture("malformed/unclosed-quote.csv"));
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 2);
  // The broken row is dropped; reading resumes on the next line.
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].passages[0].codes, std::vector<std::string>{"Q-2"});

  const auto h = read_catalogue_csv("catalogues/h.csv", "name,message\nX,Y\n");
  ASSERT_EQ(h.errors.size(), 1u);
  EXPECT_EQ(h.errors[0].to_string(), "catalogues/h.csv:1: the header row has no \"code\" column");
}

TEST(CatalogueXml, EbayErrorsElementsInANamespacedResponse) {
  const auto r =
      read_catalogue_xml("catalogues/ebay-response.xml", read_fixture("kb/catalogues/ebay-response.xml"));
  EXPECT_TRUE(r.errors.empty()) << errors_of(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.catalogue_vendor, "eBay");
  ASSERT_EQ(r.items.size(), 2u);
  expect_ebay_passage(r.items[0].passages.at(0),
                      {.id = "ebay:87",
                       .title = "87: Invalid category.",
                       .cause = "",
                       .severity = "Error",
                       .category = "RequestError",
                       .body = "The category selected is not a leaf category.\nParameter 0: 12345"});
  EXPECT_EQ(r.items[1].uid, "catalogue:ebay:21919067");
}

TEST(CatalogueXml, TruncatedXmlIsReportedWithItsLine) {
  const auto r = read_catalogue_xml("catalogues/t.xml", read_fixture("malformed/ebay-truncated.xml"));
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_GE(r.errors[0].line, 12);
  EXPECT_NE(r.errors[0].message.find("truncated XML"), std::string::npos);
}

TEST(CatalogueXml, Utf16XmlIsDecodedByTheParser) {
  const std::string ascii =
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?><R><Errors><ErrorCode>5</ErrorCode>"
      "<ShortMessage>Five.</ShortMessage></Errors></R>";
  std::string utf16 = "\xFF\xFE";  // little-endian byte order mark
  for (char c : ascii) {
    utf16 += c;
    utf16 += '\0';
  }
  const auto r = read_catalogue_xml("catalogues/u.xml", utf16);
  EXPECT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].passages.at(0).title, "5: Five.");
}

TEST(CatalogueXml, NoErrorsElements) {
  const auto r = read_catalogue_xml("catalogues/n.xml",
                                    "<?xml version=\"1.0\"?><Response><Ack>Success</Ack></Response>");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("no <Errors>"), std::string::npos);
}

}  // namespace
}  // namespace errkb
