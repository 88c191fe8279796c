// The scanner behind CodeGrammar::find_codes (private to lib/codes).
//
// One pass over the bytes cuts the text into tokens (runs of letters, digits, '_' and non-ASCII
// bytes, joined by an inner '.' or '-': "ORA-00942", "java.lang.OutOfMemoryError", "1.2.3").
// Ordinary words cost one bit test in the word table's filter. Words that matter leave a "mark"
// (a cue such as "error", "HTTP", "STOP"; a vendor such as "MySQL"; context such as "BSOD"), and
// a number is a code only when a mark stands right before it, or when its spelling says so on its
// own (0x80070005, ORA-942, E_ACCESSDENIED). Every look-ahead and look-behind is bounded, so the
// whole pass is linear in the text's length.
//
// A second, short pass over the occurrences ranks the readings of ambiguous codes ("error 5") by
// the context words seen anywhere in the text and by the caller's CodeContext, and keeps bare
// numbers that match a taught catalogue code only when that catalogue's vendor is in context.
// Shapes that are codes only in a context found anywhere in the text wait for that pass too: a
// lone SMTP status "5.7.1" or failure reply "550" (mail words), a bare SQLSTATE "23505"
// (PostgreSQL words), a short hex "0x7B" (crash words).
//
// Where each part lives, by what it scans:
//   tokens.cc        the first pass: cutting the text into tokens, simple and compound tokens,
//                    recording occurrences
//   words.cc         words: cues and marks (and the words that combine), taught phrases, vendor
//                    phrases, symbolic names (E_ACCESSDENIED, snake_case), exception names
//   numbers.cc       decimal numbers: after a cue, alone, SQLSTATEs, bare catalogue numbers
//   dotted.cc        dotted statuses: IIS sub-statuses (403.14), SMTP enhanced statuses (5.7.1)
//   hex.cc           hex values: Windows status values, bug checks, short values decided at the end
//   letter_codes.cc  codes spelled with letters and digits (LNK2019, ORA-942, ABC-1234, KB5005565,
//                    MSSQLSERVER_18456) and the codes catalogues taught
//   context.cc       context (explicit and mentioned vendors), the second pass that ranks the
//                    readings, the catalogues' vendor patterns
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codes/grammar_impl.h"

namespace errkb::codes::scanner {

enum CharClass : uint8_t {
  kWord = 1,  // part of a token
  kDigit = 2,
  kUpper = 4,
  kLower = 8,
  kHex = 16,    // 0-9a-fA-F
  kHigh = 32,   // non-ASCII byte (UTF-8)
  kUnder = 64,  // '_'
};

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = kWord | kDigit | kHex;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kWord | kUpper | (c <= 'F' ? kHex : 0);
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kWord | kLower | (c <= 'f' ? kHex : 0);
  for (int c = 0x80; c <= 0xFF; ++c) t[c] = kWord | kHigh;
  t['_'] = kWord | kUnder;
  return t;
}
inline constexpr std::array<uint8_t, 256> kCls = make_classes();

inline uint8_t cls(char c) { return kCls[static_cast<uint8_t>(c)]; }
inline bool is_alnum(char c) { return cls(c) & (kDigit | kUpper | kLower); }
inline char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

inline bool all_of_class(std::string_view s, uint8_t mask) {
  for (char c : s)
    if (!(cls(c) & mask)) return false;
  return !s.empty();
}

// The value a code's digits spell, kept beside its family readings (codes.h, literal readings).
struct Literal {
  uint8_t base = 0;  // 16 or 10; 0: none
  uint64_t value = 0;
};
inline Literal hex_literal(uint64_t value) { return {16, value}; }
inline Literal number_literal(int64_t value) { return {10, static_cast<uint64_t>(value)}; }

struct Mark {
  size_t begin = 0;
  size_t end = 0;
  Cue cue = kCueNone;
  Part part = kPartNone;
  VendorFamily vendor = kVendorNone;
  int32_t catalogue_vendor = -1;
  bool capital = false;    // written with a capital first letter ("Code 10")
  bool all_caps = false;   // "STOP", "ERROR"
  bool merged = false;     // made of several words ("error code", "bug check")
  bool code_word = false;  // "code" came first in a merged cue ("код ошибки", "cod eroare")
  bool exit_code = false;  // "exit code", "return code": a process's status, not a device's
  bool valid = false;
};

struct Candidate {
  CodeInterpretation reading;
  double prior = 0.5;
  uint32_t affinity = 0;   // context bits that support this reading
  int32_t vendor_id = -1;  // catalogue vendor that supports it
};

enum class Kind : uint8_t {
  kFixed,          // readings decided by the spelling
  kRanked,         // several plausible readings: rank by context
  kCodeCue,        // "code 43": Device Manager when the context says so, else ranked
  kShortHex,       // 0x7B: a bug check in a crash context, else Win32 and bug check by value and context
  kCatalogueOnly,  // a bare number equal to a taught code: a code only if its vendor is in context
  kSmtpEnhanced,   // "5.7.1" alone: an SMTP status only in a mail context (fixed holds the reading)
  kSqlstateBare,   // "23505" alone: a SQLSTATE only among PostgreSQL words (fixed holds the reading)
  kSmtpReplyBare,  // "550" alone: an SMTP reply only in a mail context (fixed holds the reading)
};

// Kept small (a long text holds up to kMaxCodeOccurrences of them): the fields are ordered to pack.
struct Pending {
  size_t begin = 0;
  size_t end = 0;
  std::vector<Candidate> cands;           // readings still to be ranked
  std::vector<CodeInterpretation> fixed;  // kFixed: final readings, moved out as they are
  size_t number_begin = 0;
  uint64_t literal_value = 0;  // the literal appended to the readings (base 0: none)
  uint32_t value = 0;          // short hex: the value, read once the context is known
  uint32_t digits = 0;         // catalogue-only: length of the number
  Kind kind = Kind::kFixed;
  uint8_t literal_base = 0;
  bool cued = false;       // short hex: a cue, zero padding or a stop line made it a code
  bool padded = false;     // short hex: written with eight digits (0x0000007B), as stop codes are
  bool generic = false;    // readings guessed from the number alone: vendors named in the text join
  bool weak_code = false;  // "код ошибки 10": the Device Manager reading needs hardware words

  void set_literal(Literal l) {
    literal_base = l.base;
    literal_value = l.value;
  }
  Literal literal() const { return {literal_base, literal_value}; }
};

// One scan of one text: constructed, run once.
class Scanner {
 public:
  Scanner(const GrammarState& st, std::string_view text, const CodeContext& ctx) : st_(st), text_(text) {
    explicit_context(ctx);
  }

  std::vector<CodeOccurrence> run();

 private:
  static constexpr size_t kMaxToken = 256;  // nothing longer is a code

  std::string_view tok(size_t i, size_t j) const { return text_.substr(i, j - i); }

  // tokens.cc: the first pass, and what it records.
  void scan_tokens();
  void simple(size_t i, size_t j, uint8_t flags);
  void compound(size_t i, size_t j, uint8_t flags, bool dotted, bool dashed);
  void add_fixed(size_t b, size_t e, std::vector<CodeInterpretation> readings, Literal literal = {});
  void consume_fixed(size_t b, size_t e, std::vector<CodeInterpretation> readings, Literal literal = {});
  void defer_fixed(size_t i, size_t j, Kind kind, CodeInterpretation reading, Literal literal = {});

  // words.cc: words, marks, phrases and names.
  void word(size_t i, size_t j, uint8_t flags);
  void snake(size_t i, size_t j);
  void generic_symbol(size_t i, size_t j);
  void symbol(size_t i, size_t j, uint8_t flags);
  void add_named(size_t i, size_t j, const ReadingIds& ids);
  bool folded_name(size_t i, size_t j, std::string_view t);
  void exception_camel(size_t i, size_t j);
  bool exception_dotted(size_t i, size_t j);
  void on_word(size_t i, size_t j, const WordInfo& w, std::string_view t);
  bool words_adjacent(size_t end, size_t begin) const;
  bool combine(Mark& prev, const Mark& cur);
  bool combine_parts(Mark& prev, const Mark& cur);
  bool combine_cues(Mark& prev, const Mark& cur);
  size_t skip_blanks(size_t pos, bool underscore = true) const;
  size_t match_words(size_t pos, const std::vector<std::string>& words, size_t from, bool underscore,
                     uint8_t stop) const;
  bool phrase(size_t i, size_t j);
  bool vendor_phrase(size_t i, size_t j);

  // numbers.cc: decimal numbers.
  void decimal(size_t i, size_t j);
  void catalogue_number(size_t i, size_t j);
  const Mark* cue_before(size_t i) const;
  bool gap_has(size_t from, size_t to, char c) const;
  size_t close_paren(size_t cue_end, size_t number_begin, size_t number_end) const;
  size_t count_digits(size_t i) const;
  bool unit_follows(size_t j) const;
  bool cued_number(const Mark& cue, size_t i, size_t j, int64_t value);
  bool vendor_cued_number(const Mark& cue, size_t i, size_t j, int64_t value);
  std::optional<bool> family_cued_number(const Mark& cue, size_t i, size_t j, size_t end, int64_t value);
  void rank_cued_number(const Mark& cue, size_t i, size_t j, size_t end, int64_t value);
  CodeInterpretation error_tag_reading(std::string_view digits) const;
  std::optional<CodeInterpretation> vendor_number(const Mark& cue, int64_t value,
                                                  std::string_view digits) const;
  std::vector<Candidate> generic_candidates(int64_t value, std::string_view digits, bool code_cue) const;
  bool mysql_state_follows(size_t j);
  bool http_reason_follows(size_t j, int64_t value) const;
  bool sqlstate_token(size_t i, size_t j);

  // dotted.cc: IIS sub-statuses and SMTP enhanced statuses.
  void http_substatus(size_t i, size_t j, size_t dot);
  void smtp_dotted(size_t i, size_t j, const std::array<std::pair<size_t, size_t>, 64>& seg, size_t nseg,
                   bool dashed);
  size_t smtp_enhanced_after(size_t j, char klass) const;

  // hex.cc: hex values.
  bool hex_token(size_t i, size_t j);
  bool suffixed_hex(size_t i, size_t j);
  bool bare_hex8(size_t i, size_t j);
  bool stop_cue_hex(size_t i, size_t j);
  void windows_value(size_t i, size_t j, uint32_t v);
  void short_hex(size_t i, size_t j, uint32_t v, bool padded);
  bool parameters_follow(size_t j) const;
  void skip_parameters(size_t j);
  std::vector<CodeInterpretation> short_hex_readings(Pending& p, uint32_t all_bits) const;

  // letter_codes.cc: codes spelled with letters and digits, and taught codes.
  bool dashed_code(size_t i, size_t j, std::string_view p, std::string_view d);
  bool letters_digits_code(size_t i, size_t j);
  bool letter_code_cue(size_t i, std::string_view letters) const;
  bool taught_letters(std::string_view letters, size_t digits) const;
  bool spaced_letter_code(size_t i, size_t j, const WordInfo* w);
  bool kb_token(size_t i, size_t j);
  bool numbered_symbol(size_t i, size_t j);
  bool taught_token(size_t i, size_t j);

  // context.cc: context, the second pass, vendor patterns.
  void explicit_context(const CodeContext& ctx);
  void mention(int32_t vendor_id);
  bool is_explicit(int32_t vid) const;
  bool is_mentioned(int32_t vid) const;
  std::vector<CodeOccurrence> finalize();
  std::vector<CodeInterpretation> final_readings(Pending& p, uint32_t all_bits) const;
  std::vector<CodeInterpretation> catalogue_only_readings(Pending& p) const;
  double score(const Candidate& c) const;
  std::vector<CodeInterpretation> rank(std::vector<Candidate> cands) const;
  void add_text_vendors(Pending& p) const;
  bool named_or_explained(const CodeInterpretation& r) const;
  void explain(CodeInterpretation& r) const;
  void merge_vendor_patterns(std::vector<CodeOccurrence>& out);

  const GrammarState& st_;
  std::string_view text_;
  std::vector<Pending> pending_;
  Mark last_;
  size_t skip_until_ = 0;
  std::string phrase_key_;  // phrase()'s lookup key, kept to reuse its buffer
  size_t deferred_ = 0;     // pendings that only the whole text's context can admit
  size_t expect_sqlstate_at_ = static_cast<size_t>(-1);
  size_t expect_smtp_at_ = static_cast<size_t>(-1);  // "5.7.1" right after a reply code
  bool in_compound_ = false;
  uint32_t ctx_bits_ = 0;       // from words in the text
  uint32_t explicit_bits_ = 0;  // from the caller's CodeContext
  std::vector<int32_t> mentioned_;
  std::vector<int32_t> explicit_vendors_;
};

}  // namespace errkb::codes::scanner
