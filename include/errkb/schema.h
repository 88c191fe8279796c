// The index schema: every term prefix, value slot and metadata key errkb writes, in one place.
//
// Layout on disk. `--index DIR` is a directory owned by errkb:
//   DIR/current        Xapian stub file ("auto gen-000007"): the generation readers open. A rebuild
//                      writes a new generation and renames a new stub over this one (atomic switch).
//   DIR/gen-NNNNNN/    a glass database (one generation). The previous one is kept for readers still
//                      on it; older ones are removed by the next switch.
//   DIR/gen-NNNNNN/passages.dat   the generation's passages, one LZ4 record each, append-only
//                      (store/passage_file.h); a rank record (slot 20) holds its passage's offset.
//   DIR/gen-NNNNNN/tables-<revision>.dat   what a server keeps in memory for that revision (rank
//                      records, common-word bitsets, posting lists, spelling dictionary), mapped at
//                      start instead of read out of the index (store/tables_file.h, store/generation.h);
//                      written by the indexer after a rebuild or an update and by a server that had to
//                      build them. A cache: one of another revision, format or checksum is ignored.
//   DIR/gen-NNNNNN/tables-taught.dat   what the catalogues taught the code grammar (codes.h
//                      taught_bytes), for the catalogue revision it names: written with the tables
//                      file and by a server that had to teach them, read at start instead of teaching
//                      again. A cache like the tables file.
//   DIR/writer.lock    flock()ed by the one writer (update, rebuild or follow); holds "pid command
//   start-time". DIR/replica/       on a read replica only: the copy `xapian-replicate` keeps of the
//   primary's live
//                      database; `errkb-indexer follow` makes each complete revision of it a generation
//                      (store/replica.h).
//
// Documents. One Xapian document per cause passage (record.h), without document data: the passage in
// a compact binary form (store/documents.cc: what the server returns without reading source files) is
// a record of passages.dat. Terms:
//   Q<passage id>             unique id (boolean)                     e.g. Qwindows/update-0x80070005#2
//   XITEM:<item uid>          parent item; all passages of an item are replaced/removed together
//   XK<kind>                  article | forum | catalogue (boolean filter "kind:")
//   XV:<vendor>, XP:<product> lower-cased vendor / product (boolean filters "vendor:", "product:"); XV: also
//                             for the vendor of each code the passage is about (codes.h reading_vendor)
//   L<lang>                   ISO 639-1 language (boolean filter "lang:")
//   XS:<severity>, K<tag>     catalogue severity, tags (boolean filters)
//   XC:<canonical>            exact error code, certain reading (codes.h canonical; never stemmed); wdf as
//                             one word, plus kAboutCodeWdf when the passage is about the code (names it in
//                             its title, heading or declared codes)
//   XCW:<canonical>           one reading of an ambiguous code (weaker); the literal value of a number read
//                             as a code ("hex:7b", "num:208", codes.h) is always one
//   XCF:<family>              code family ("hresult", "ebay", ...)
//   XWP:<stem> <stem>         two words adjacent in the title, a heading or the symptoms (stop words skipped;
//                             the first kMaxPairWords words of each), boolean: a message quoted as written
//   ZS<stem> / ZXSYM<stem>    title / symptoms words, prefixed copies for "title:" / "symptoms:" search
//   Z...                      all prose, Z-stemmed with the passage's language stemmer (as Xapian's
//                             TermGenerator with STEM_ALL_Z and STOP_ALL makes them; store/prose_terms.h),
//                             weighted by field (wdf); an identifier also as its parts ("crt", "secure" of
//                             _CRT_SECURE_NO_WARNINGS) at half a word's wdf, counted in the raw length; the
//                             words of code samples (record.h CodeSamples) in no field's copy, at
//                             kCodeSampleWeight of a body word's wdf and length; no positions (snippets come
//                             from stored text)
// Within-document frequencies (wdf) carry BM25's length normalisation. A term's raw wdf (field weight ×
// occurrences; 1 for a code term) is stored as scaled_wdf(raw, wdf_scale(raw length of the passage)),
// i.e. multiplied by kWdfScale / ((1 - b) + b × max(length / kLengthPivot, kMinNormLength)). BM25 with
// b = 0 and k1 × kWdfScale (bm25 parameters below) over these wdfs ranks as BM25(k1, b) over raw wdfs
// with average length kLengthPivot (up to the rounding to an integer: within 3% for passages up to six
// times the pivot, tests/store/documents_test.cc), yet never reads document lengths: those reads (a
// seek in the length list per matching document) would be most of a rare term's match time.
// The pivot is fixed, so an update does not change the scores of passages it does not touch.
// Value slots (from 10 up, Omega's low numbers left alone; two only, as every slot costs indexing time):
//   10 item signature (hex): the update protocol skips unchanged items by it
//   20 rank record: what ranking and facets need in one read, '\t'-separated: passage id, authority,
//      focus (rank::focus_prior), votes, date YYYYMMDD, language, kind, vendor, product, severity, offset of
//      the passage's record in passages.dat, then the primary codes (canonical codes the passage is about;
//      one it declares without naming it in its title or heading after a '~')
//   Ranking reads slot 20 and the matched terms only; a passage is decoded just when it is shown.
// Metadata keys:
//   errkb:schema_version      integer; an index newer than the code is refused with a clear message
//   errkb:features            comma list of optional features present
//   errkb:catalogue_rev       bumped when catalogue items change (readers re-teach the code grammar)
//   errkb:synonyms_sig        signature of the synonyms files loaded into the synonym table
//   errkb:file:<xxh3 of path> state of one KB file: JSON {path,size,mtime,sig,items[],complete}
//   errkb:pattern:<vendor>    a catalogue's declared code pattern (RE2)
//   errkb:catcodes:<xxh3 of path>  what a catalogue file teaches the code grammar: uid, vendor, code, name
//                             and message of each entry indexed from it (store/catalogue_codes.h)
//   errkb:catcodes_kept       "1" when every catalogue file's errkb:catcodes: value is kept (else readers
//                             teach the grammar from the catalogue passages)
//   errkb:kb_dirs             the KB folders of the last update or rebuild, absolute, one per line
//   errkb:passages_size       in a replicable index: the bytes of passages.dat this revision refers to,
//                             all of them copied into the errkb:passages:<offset> keys below
//   errkb:passages:<offset>   a piece of passages.dat from <offset> (16 hex digits) on, so that Xapian's
//                             replication carries the passages with the revision (store/replica.h)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace errkb::schema {

inline constexpr int kSchemaVersion =
    10;  // 3: length-normalised wdf; 4: passages.dat; 5: focus; 6: word pairs;
         // 7: system catalogues under their maker in the vendor facet;
         // 8: the vendors of the codes a passage is about in its XV: terms;
         // 9: declared-only primary codes marked in the rank record, English
         //    words of Russian text stemmed and stopped as English;
         // 10: code samples' words at kCodeSampleWeight
inline constexpr std::string_view kFeatures = "passages,codes,synonyms,spelling";

inline constexpr std::string_view kStubName = "current";
inline constexpr std::string_view kGenerationPrefix = "gen-";
inline constexpr std::string_view kLockName = "writer.lock";
inline constexpr std::string_view kPassageFileName = "passages.dat";
inline constexpr std::string_view kTablesFilePrefix = "tables-";  // + revision + kTablesFileSuffix
inline constexpr std::string_view kTablesFileSuffix = ".dat";
inline constexpr std::string_view kTaughtFileName = "tables-taught.dat";

inline constexpr std::string_view kIdPrefix = "Q";
inline constexpr std::string_view kItemPrefix = "XITEM:";
inline constexpr std::string_view kCodePrefix = "XC:";
inline constexpr std::string_view kWeakCodePrefix = "XCW:";
inline constexpr std::string_view kCodeFamilyPrefix = "XCF:";
inline constexpr std::string_view kWordPairPrefix = "XWP:";
// Prose terms are Xapian's Z-stems (STEM_ALL_Z): kStemPrefix + stem; a field's copy of them is
// kStemPrefix + the field's prefix + stem ("ZS" for the title).
inline constexpr std::string_view kStemPrefix = "Z";
// A message is stated where a page starts; later words of a long symptoms section add index size, not
// evidence.
inline constexpr size_t kMaxPairWords = 64;

// BM25 over length-normalised wdfs (see above).
inline constexpr double kBm25K1 = 1.0;
inline constexpr double kBm25B = 0.5;
inline constexpr double kMinNormLength = 0.5;
inline constexpr double kLengthPivot = 45;  // mean raw length of the evaluation KB (tuned on it)
inline constexpr double kWdfScale = 32;     // fixed-point resolution of the stored wdf
inline constexpr double kBm25K1OfScaledWdf = kBm25K1 * kWdfScale;  // the k1 matching uses (b = 0)

// A word of a code sample against a word of the body's prose: a sample's words (its identifiers, keywords,
// output) say less about what the page is about than its prose says.
inline constexpr double kCodeSampleWeight = 0.5;

// Added to the wdf of a code the passage is about: above any mention's however short its passage, so a long
// page about the code ranks above the many short ones that mention it.
inline constexpr unsigned kAboutCodeWdf = static_cast<unsigned>(8 * kWdfScale);

inline constexpr double wdf_scale(double raw_length) {
  double norm = raw_length / kLengthPivot;
  if (norm < kMinNormLength) norm = kMinNormLength;
  return kWdfScale / ((1 - kBm25B) + kBm25B * norm);
}

inline constexpr unsigned scaled_wdf(unsigned raw_wdf, double scale) {
  double scaled = raw_wdf * scale + 0.5;
  return scaled < 1 ? 1 : static_cast<unsigned>(scaled);
}

enum Slot : unsigned {
  kSlotSignature = 10,
  kSlotRankRecord = 20,
};

inline constexpr std::string_view kMetaSchemaVersion = "errkb:schema_version";
inline constexpr std::string_view kMetaFeatures = "errkb:features";
inline constexpr std::string_view kMetaCatalogueRev = "errkb:catalogue_rev";
inline constexpr std::string_view kMetaSynonymsSig = "errkb:synonyms_sig";
inline constexpr std::string_view kMetaFilePrefix = "errkb:file:";
inline constexpr std::string_view kMetaPatternPrefix = "errkb:pattern:";
inline constexpr std::string_view kMetaCatalogueCodesPrefix = "errkb:catcodes:";
inline constexpr std::string_view kMetaCatalogueCodesKept = "errkb:catcodes_kept";
inline constexpr std::string_view kMetaKbDirs = "errkb:kb_dirs";
inline constexpr std::string_view kMetaPassagesSize = "errkb:passages_size";
inline constexpr std::string_view kMetaPassagesPrefix = "errkb:passages:";
inline constexpr std::string_view kReplicaStagingName = "replica";

// How a field is indexed and how the query parser reads "name:value".
enum class FieldType {
  kFilter,  // boolean term, exact lower-cased value; query "vendor:ebay" filters
  kText,    // free text; query "title:webhook" searches the prefixed copy
};

enum class PassageField {
  kNone,
  kKind,
  kVendor,
  kProduct,
  kLanguage,
  kSeverity,
  kTag,
  kTitle,
  kHeading,
  kSymptoms,
  kCause,
  kChecks,
  kResolutions,
  kPrevention,
  kBody,
};

struct FieldSpec {
  std::string_view name;    // query-side field name ("vendor", "title")
  std::string_view prefix;  // Xapian term prefix ("" = no prefixed copy)
  FieldType type;
  PassageField source;      // which passage field feeds it
  unsigned prose_weight;    // wdf multiplier in the unprefixed prose terms (0 = not prose)
  std::string_view facet;   // facet name reported by search ("" = none)
  bool word_pairs = false;  // adjacent words indexed as kWordPairPrefix terms
};

// The one table that drives both indexing (store/) and query parsing.
inline constexpr FieldSpec kFields[] = {
    {"kind", "XK", FieldType::kFilter, PassageField::kKind, 0, "kind"},
    {"vendor", "XV:", FieldType::kFilter, PassageField::kVendor, 0, "vendor"},
    {"product", "XP:", FieldType::kFilter, PassageField::kProduct, 0, "product"},
    {"lang", "L", FieldType::kFilter, PassageField::kLanguage, 0, "language"},
    {"severity", "XS:", FieldType::kFilter, PassageField::kSeverity, 0, "severity"},
    {"tag", "K", FieldType::kFilter, PassageField::kTag, 0, ""},
    {"title", "S", FieldType::kText, PassageField::kTitle, 3, "", true},
    {"heading", "", FieldType::kText, PassageField::kHeading, 3, "", true},
    {"symptoms", "XSYM", FieldType::kText, PassageField::kSymptoms, 3, "", true},
    {"cause", "", FieldType::kText, PassageField::kCause, 2, ""},
    {"checks", "", FieldType::kText, PassageField::kChecks, 1, ""},
    {"resolution", "", FieldType::kText, PassageField::kResolutions, 1, ""},
    {"prevention", "", FieldType::kText, PassageField::kPrevention, 1, ""},
    {"body", "", FieldType::kText, PassageField::kBody, 1, ""},
};

// The term prefix of a field of kFields by its name ("" for a field without one, or no such field).
constexpr std::string_view field_prefix(std::string_view name) {
  for (const auto& spec : kFields)
    if (spec.name == name) return spec.prefix;
  return {};
}

// The term of a filter field's value as the index holds it: the field's prefix and the lower-cased
// value ("kind", "catalogue" -> "XKcatalogue").
inline std::string filter_term(std::string_view field, std::string_view lower_case_value) {
  return std::string(field_prefix(field)).append(lower_case_value);
}

}  // namespace errkb::schema
