// Private state of CodeGrammar: the word table, names, taught catalogue codes and vendor patterns.
// The scanner (scanner/) reads it; CodeGrammar's teaching methods (grammar.cc) fill it.
#pragma once

#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "codes/readings.h"
#include "codes/taught_catalogue.h"
#include "errkb/codes.h"

namespace errkb::codes {

// Hash and equality that let maps keyed by std::string be searched with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
template <typename T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

// What a word announces about the number that follows it.
enum Cue : uint8_t {
  kCueNone = 0,
  kCueError,     // error, err, eroare, errore, ошибка, exit code, return code ...
  kCueCode,      // code, codice, cod, код (alone: "Code 10" may be Device Manager)
  kCueStatus,    // status (HTTP when 100..599)
  kCueErrno,     // errno
  kCueHttp,      // HTTP
  kCueStop,      // STOP, bugcheck, bug check, stop code
  kCueMsg,       // Msg (SQL Server)
  kCueSqlstate,  // SQLSTATE, SQL state
  kCueErrorTag,  // <ErrorCode>, "ErrorCode": (eBay responses)
  kCueKb,        // KB 5005565
  kCueWarning,  // warning, avviso, предупреждение: a cue for letter codes only ("Warning LNK4098")
  kCueEvent,  // Event ID, EventID (Windows event log)
};

// Words that only mean something next to another word ("bug check", "SQL Server", "exit code").
enum Part : uint8_t {
  kPartNone = 0,
  kPartSql,
  kPartServer,
  kPartState,
  kPartBug,
  kPartCheck,
  kPartDevice,
  kPartManager,
  kPartBlue,
  kPartScreen,
  kPartExit,
  kPartReturn,
  kPartUpdate,
  kPartStop,
  kPartConnector,  // de, di, of: "codul de eroare"
  kPartVersion,    // version, versiunea, версия, v: "version 5.7.1" is no SMTP status
  kPartReplied,    // replied, responded: "mail server replied 550"
  kPartDeclined,   // declined, refused: "card declined 51"
  kPartSystem,     // system, sistema: "System error 5" is a Win32 error
  kPartEvent,      // event: "Event ID 1000"
  kPartId,         // ID
};

// The family a vendor word selects in "<vendor> error N".
enum VendorFamily : uint8_t {
  kVendorNone = 0,
  kVendorWindows,
  kVendorErrno,
  kVendorCurl,
  kVendorSqlite,
  kVendorMysql,
  kVendorOracle,
  kVendorMssql,
  kVendorPostgres,
  kVendorEbay,
  kVendorHttp,
  kVendorCatalogue,  // a vendor taught by a catalogue (catalogue_vendor says which)
  kVendorSmtp,       // SMTP, ESMTP: "SMTP 550", "SMTP error 550"
};

struct WordInfo {
  Cue cue = kCueNone;
  Part part = kPartNone;
  VendorFamily vendor = kVendorNone;
  uint32_t ctx = 0;  // context bits this word sets for the whole text
  int32_t catalogue_vendor = -1;
  bool phrase_start = false;         // first word of a taught lower-case name ("inaccessible boot device")
  bool vendor_phrase_start = false;  // first word of a catalogue vendor's name in words ("Shop Flow")
  uint8_t code_digits = 0;  // the letters of taught letters+digits codes (add_code_shape): bit n for n digits
  // A word taught only as the letters of a code: no mark of its own.
  bool only_code_letters() const {
    return code_digits != 0 && cue == kCueNone && part == kPartNone && vendor == kVendorNone && ctx == 0 &&
           catalogue_vendor < 0 && !phrase_start && !vendor_phrase_start;
  }
};

// A Bloom filter over keys (ASCII case folded), sized to what it holds (16 bits a key, two probes:
// about 1.5% false positives): most lookups of ordinary tokens end at two bit tests instead of hashing
// into a large map, even when catalogues taught hundreds of thousands of names and codes.
class KeyFilter {
 public:
  // Room for `keys` more keys without regrowing.
  void reserve(size_t keys) {
    hashes_.reserve(hashes_.size() + keys);
    grow_for(hashes_.size() + keys);
  }
  void add(std::string_view key) {
    if (key.empty()) return;
    const uint64_t h = hash(key);
    hashes_.push_back(h);
    if (!grow_for(hashes_.size())) set(h);
  }
  bool may_contain(std::string_view key) const {
    if (key.empty()) return false;
    const uint64_t h = hash(key);
    const uint64_t mask = bits_.size() * 64 - 1;
    const uint64_t a = h & mask, b = (h >> 32) & mask;
    return (bits_[a >> 6] >> (a & 63) & 1) && (bits_[b >> 6] >> (b & 63) & 1);
  }

 private:
  static constexpr size_t kBitsPerKey = 16;
  static uint64_t hash(std::string_view key) {  // FNV-1a over the folded bytes, then a final mix
    uint64_t h = 0xcbf29ce484222325ull;
    for (char c : key) {
      const auto u = static_cast<uint8_t>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
      h = (h ^ u) * 0x100000001b3ull;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
  }
  // Doubles the bits until `keys` keys fit, then sets every key again; false if they fit already.
  bool grow_for(size_t keys) {
    size_t words = bits_.size();
    while (keys * kBitsPerKey > words * 64) words *= 2;
    if (words == bits_.size()) return false;
    bits_.assign(words, 0);
    for (uint64_t old : hashes_) set(old);
    return true;
  }
  void set(uint64_t h) {
    const uint64_t mask = bits_.size() * 64 - 1;
    const uint64_t a = h & mask, b = (h >> 32) & mask;
    bits_[a >> 6] |= 1ull << (a & 63);
    bits_[b >> 6] |= 1ull << (b & 63);
  }
  std::vector<uint64_t> bits_ = std::vector<uint64_t>(1 << 10, 0);  // 65,536 bits to start
  std::vector<uint64_t> hashes_;  // to re-set the bits when the filter doubles
};

// Word table keyed by ASCII-lower-cased word, behind a KeyFilter so that ordinary prose words are
// rejected by bit tests instead of a hash-map lookup.
class WordTable {
 public:
  WordInfo& upsert(std::string_view folded_key);
  // The word as written (ASCII letters are folded here); nullptr for nearly every prose word.
  const WordInfo* find(std::string_view word) const {
    if (word.size() > max_len_ || word.empty() || !filter_.may_contain(word)) return nullptr;
    return lookup(word);
  }

 private:
  const WordInfo* lookup(std::string_view word) const;
  StringMap<WordInfo> map_;
  KeyFilter filter_;
  size_t max_len_ = 0;
};

// Letters+digits codes (E1234, LNK2019, AADSTS50020): one to six letters, four to six digits.
inline constexpr size_t kMaxCodeLetters = 6;
inline constexpr size_t kMinCodeDigits = 4;
inline constexpr size_t kMaxCodeDigits = 6;

// Positions in GrammarState::readings.
using ReadingId = uint32_t;
using ReadingIds = std::vector<ReadingId>;

struct TaughtCode {
  int32_t vendor_id = -1;  // catalogue vendor (index into vendor_keys)
  uint32_t ctx = 0;        // context bits of a system family (win32, ebay ...)
  ReadingId reading = 0;
};

// A catalogue vendor whose name is several words ("Shop Flow"): its words, lower-case ASCII.
struct VendorPhrase {
  std::vector<std::string> words;
  int32_t vendor_id = -1;
};

struct VendorPattern {
  std::string vendor_key;
  std::unique_ptr<RE2> re;
};

struct GrammarState {
  WordTable words;
  // The built-in tables' readings, kept once: the name tables below hold positions in it.
  std::vector<CodeInterpretation> readings;
  ReadingId keep(CodeInterpretation r) {
    readings.push_back(std::move(r));
    return static_cast<ReadingId>(readings.size() - 1);
  }
  // What catalogues taught. A ReadingId with kTaughtBit set is the reading of that taught entry.
  TaughtCatalogue catalogue;
  static constexpr ReadingId kTaughtBit = 1u << 31;
  // A reading by its id: a built-in one, or a taught entry's (its name, without its message: the
  // scanner explains what it finds from catalogue.info).
  CodeInterpretation reading(ReadingId id) const;
  std::string_view canonical_of(ReadingId id) const;
  std::vector<CodeInterpretation> readings_of(const ReadingIds& ids) const {
    std::vector<CodeInterpretation> out;
    out.reserve(ids.size());
    for (ReadingId id : ids) out.push_back(reading(id));
    return out;
  }

  // Readings of a symbolic name: the built-in tables' first, then the catalogues', each canonical
  // once. Exact (E_ACCESSDENIED, EACCES, unique_violation, taught names), or folded to lower case
  // ("e_accessdenied", "error_access_denied": names with an underscore written in another case).
  ReadingIds names_of(std::string_view name) const;
  ReadingIds folded_names_of(std::string_view folded) const;
  // Taught names in lower-case words, by the whole phrase ("inaccessible boot device"), and the word
  // count of the longest phrase that starts with a pair of words ("inaccessible boot" -> 3). The
  // scanner extends a pair word by word and looks each extension up: a pair such as "inventory
  // order" can start thousands of taught names.
  ReadingIds phrase_readings(std::string_view phrase) const;
  uint8_t longest_phrase(std::string_view pair) const {
    return phrase_filter.may_contain(pair) ? catalogue.longest_phrase(pair) : 0;
  }
  // Taught codes by lower-cased code text ("sf-2001", "21919300").
  std::vector<TaughtCode> taught_codes_of(std::string_view key) const;
  bool has_taught_codes() const { return catalogue.has_readable_codes(); }

  // The built-in tables' names, exact and folded (the catalogues' are in `catalogue`); the filter
  // holds both.
  StringMap<ReadingIds> names;
  KeyFilter name_filter;
  StringMap<ReadingIds> folded_names;
  KeyFilter taught_filter;  // the catalogues' code keys
  KeyFilter phrase_filter;  // the word pairs that start a taught phrase: most pairs of prose are not one
  // Vendor names of several words by their first word ("shop" -> "Shop Flow").
  StringMap<std::vector<VendorPhrase>> vendor_phrases;
  std::vector<std::string> vendor_keys;
  StringMap<int32_t> vendor_ids;
  // Each vendor name as catalogues and patterns write it, taught as words once; and in teaching order.
  std::unordered_set<std::string, StringHash, std::equal_to<>> vendor_spellings;
  std::vector<std::pair<std::string, int32_t>> spelled_vendors;
  std::vector<VendorPattern> patterns;

  GrammarState();
  void add_folded_name(std::string_view name, ReadingId id);
  int32_t vendor_id(const std::string& key);  // adds when new
  // A word pair that starts a taught phrase: in the phrase filter, its first word marked as a start.
  void add_phrase_pair(std::string_view pair);
  // The vendor's name as words in prose: "ShopFlow" is one word, "Shop Flow" a vendor phrase.
  void add_vendor_words(std::string_view vendor, int32_t vid);
};

// The system catalogue vendors whose codes live in a built-in family ("win32", "hresult", "eBay").
struct SystemVendor {
  std::string_view key;
  uint32_t ctx;
  VendorFamily family;
};
const SystemVendor* system_vendor(std::string_view key);

std::vector<CodeInterpretation> catalogue_readings(std::string_view vendor, std::string_view code,
                                                   std::string_view name);

std::vector<CodeOccurrence> scan(const GrammarState& state, std::string_view text, const CodeContext& ctx);

}  // namespace errkb::codes
