// Passage <-> Xapian document. Private to the store layer (the only code that includes <xapian.h>).
#pragma once

#include <xapian.h>

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "errkb/codes.h"
#include "errkb/record.h"
#include "errkb/schema.h"
#include "errkb/text.h"
#include "rank/ranking.h"
#include "store/passage_file.h"
#include "store/prose_terms.h"

namespace errkb::store {

// What a document's data holds: the passage plus what indexing worked out about it.
struct StoredPassage {
  Passage passage;
  std::string item_uid;
  std::vector<std::string> code_terms;          // canonical codes, certain readings
  std::vector<std::string> weak_code_terms;     // readings of ambiguous codes
  std::vector<std::string> primary_code_terms;  // codes the passage is about (declared, in title or heading)
  double authority = 0;
};

std::string encode_passage(const StoredPassage& stored);
bool decode_passage(const std::string& data, StoredPassage& out);

// Authority prior of a source, 0..1 (schema slot 12): KB article > vendor catalogue > accepted forum
// answer > voted forum answer > unanswered thread.
double source_authority(const Passage& p);

// "2026-05-14T10:00:00Z" -> "20260514"; "" when not a date.
std::string date_key(const std::string& iso);

using errkb::lower_ascii;  // errkb/text.h

// Xapian refuses a term over 245 bytes, and the refusal would end the run: a longer term keeps its
// first bytes (cut at a UTF-8 boundary) and a hash of the whole, so that equal values still meet.
// Every term an index writer makes from KB values goes through it.
std::string bounded_term(std::string term);

// Builds Xapian documents for passages; one per writer thread (it caches stems and fields).
class DocumentBuilder {
 public:
  // With `learn_spelling`, the words of titles, headings and symptoms are counted for the spelling
  // table; flush_spelling() writes the counts (before each commit), one add_spelling per distinct word.
  // The passages' data goes to `passages` (store/passage_file.h), their rank records say where.
  DocumentBuilder(const CodeGrammar& grammar, bool learn_spelling, PassageFileWriter& passages);
  Xapian::Document build(const Item& item, const Passage& passage);
  void flush_spelling(Xapian::WritableDatabase& db);
  // The codes of one passage, as its terms and rank record carry them.
  struct PassageCodes {
    std::vector<std::string> certain, weak;  // canonical codes: certain readings, readings of ambiguous codes
    std::vector<std::string> primary;        // codes it is about: declared, or named in its title or heading
    std::vector<std::string> named;          // the primary codes its title or heading names
    std::vector<std::string> families;
    std::vector<std::string> primary_vendors;  // reading_vendor of the primary codes
  };
  PassageCodes collect_codes(const Passage& passage) const;

 private:
  struct FieldCache {
    bool valid = false;
    std::string text, code;
    std::string language;
    StemCounts stems;                // the field's prose: its words less those of its code samples
    StemCounts code_stems;           // the words of its code samples
    std::vector<std::string> pairs;  // schema::kWordPairPrefix terms, for a field with word_pairs
  };
  const FieldCache& analysed_field(size_t field, const std::string& text, const std::string& code,
                                   const std::string& language, bool learn_spelling);

  const CodeGrammar& grammar_;
  const bool learn_spelling_;
  PassageFileWriter& passages_;
  ProseTerms prose_;
  std::unordered_map<std::string, unsigned> spelling_;
  std::vector<FieldCache> field_cache_ = std::vector<FieldCache>(std::size(schema::kFields));
};

// What ranking reads of a passage without decoding its data (value slot schema::kSlotRankRecord).
// Views into the encoded record, which must outlive it: ranking decodes one per candidate, and
// copies of its fields would be most of the work.
struct RankRecord {
  std::string_view passage_id;
  double authority = 0;
  double focus = 0;  // rank::focus_prior of the passage
  int votes = 0;
  std::string_view date;  // YYYYMMDD or ""
  std::string_view language;
  std::string_view kind;
  std::string_view vendor;
  std::string_view product;
  std::string_view severity;
  uint64_t data_offset = 0;        // of the passage's record in the passage file
  std::string_view primary_codes;  // tab-separated; a code only declared (not named) after kDeclaredMark
  // kAbout for a code the passage's title or heading names, kDeclared for one it only declares, else kNone.
  rank::CodeHold primary_hold(std::string_view code) const;
  bool has_primary_code(std::string_view code) const { return primary_hold(code) != rank::CodeHold::kNone; }
};
inline constexpr char kDeclaredMark = '~';
// `primary` are the codes the passage is about; those not in `named` are written after kDeclaredMark.
std::string encode_rank_record(const Passage& p, double authority, double focus, const std::string& date,
                               uint64_t data_offset, const std::vector<std::string>& primary,
                               const std::vector<std::string>& named = {});
bool decode_rank_record(std::string_view text, RankRecord& out);
// The passage whose record is at `data_offset` of `passages`, decoded; false when it is missing or
// damaged. The second form finds the offset in the document's rank record.
bool read_passage(PassageFileReader& passages, uint64_t data_offset, StoredPassage& out);
bool read_passage(PassageFileReader& passages, const Xapian::Document& doc, StoredPassage& out);

// The record pointing at another data offset (a document copied into another generation's passage file).
// Empty when `text` is not a rank record.
std::string with_data_offset(std::string_view text, uint64_t data_offset);

// Prose of a passage, field by field, in the order of schema::kFields (for code finding and snippets).
std::string passage_text(const Passage& p);

}  // namespace errkb::store
