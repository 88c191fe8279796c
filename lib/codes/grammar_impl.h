// Private state of CodeGrammar: the word table, names, taught catalogue codes and vendor patterns.
// The scanner (scanner.cc) reads it; CodeGrammar's teaching methods (grammar.cc) fill it.
#pragma once

#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codes/readings.h"
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
  kCueError,      // error, err, eroare, errore, ошибка, exit code, return code ...
  kCueCode,       // code, codice, cod, код (alone: "Code 10" may be Device Manager)
  kCueStatus,     // status (HTTP when 100..599)
  kCueErrno,      // errno
  kCueHttp,       // HTTP
  kCueStop,       // STOP, bugcheck, bug check, stop code
  kCueMsg,        // Msg (SQL Server)
  kCueSqlstate,   // SQLSTATE, SQL state
  kCueErrorTag,   // <ErrorCode>, "ErrorCode": (eBay responses)
  kCueKb,         // KB 5005565
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
  uint32_t ctx = 0;            // context bits this word sets for the whole text
  int32_t catalogue_vendor = -1;
  bool phrase_start = false;   // first word of a taught lower-case name ("inaccessible boot device")
  bool vendor_phrase_start = false;  // first word of a catalogue vendor's name in words ("Shop Flow")
};

// Word table keyed by ASCII-lower-cased word, with a bit filter so that ordinary prose words are
// rejected by one bit test instead of a hash-map lookup.
class WordTable {
 public:
  WordInfo& upsert(std::string_view folded_key);
  // The word as written (ASCII letters are folded here); nullptr for nearly every prose word after
  // one bit test.
  const WordInfo* find(std::string_view word) const {
    if (word.size() > max_len_ || word.empty()) return nullptr;
    const uint32_t h = filter_hash(word);
    if (!(filter_[h >> 6] & (1ull << (h & 63)))) return nullptr;
    return lookup(word);
  }
  static uint32_t filter_hash(std::string_view w) {
    auto fold = [](char c) -> uint32_t {
      return static_cast<uint8_t>((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    };
    uint32_t h = static_cast<uint32_t>(w.size()) * 0x9E3779B1u;
    h ^= fold(w.front()) * 0x85EBCA6Bu;
    h ^= fold(w.back()) * 0xC2B2AE35u;
    if (w.size() > 1) h ^= fold(w[1]) * 0x27D4EB2Fu;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    return h & 0xFFFF;
  }

 private:
  const WordInfo* lookup(std::string_view word) const;
  StringMap<WordInfo> map_;
  std::vector<uint64_t> filter_ = std::vector<uint64_t>(1 << 10, 0);  // 65536 bits
  size_t max_len_ = 0;
};

// A 65,536-bit filter over keys (ASCII case folded): most lookups of ordinary tokens end at one
// bit test instead of hashing into a large map.
class KeyFilter {
 public:
  void add(std::string_view key) {
    if (key.empty()) return;
    const uint32_t h = WordTable::filter_hash(key);
    bits_[h >> 6] |= 1ull << (h & 63);
  }
  bool may_contain(std::string_view key) const {
    if (key.empty()) return false;
    const uint32_t h = WordTable::filter_hash(key);
    return bits_[h >> 6] & (1ull << (h & 63));
  }

 private:
  std::vector<uint64_t> bits_ = std::vector<uint64_t>(1 << 10, 0);
};

struct TaughtCode {
  int32_t vendor_id = -1;   // catalogue vendor (index into vendor_keys)
  uint32_t ctx = 0;         // context bits of a system family (win32, ebay ...)
  CodeInterpretation reading;
};

struct Phrase {
  std::vector<std::string> words;  // lower-case ASCII, first word included
  std::vector<CodeInterpretation> readings;
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
  // Exact symbolic names (E_ACCESSDENIED, EACCES, unique_violation, taught names) -> readings.
  StringMap<std::vector<CodeInterpretation>> names;
  KeyFilter name_filter;
  // The same names folded to lower case ("e_accessdenied", "error_access_denied"), for names
  // with an underscore written in another case than the table's.
  StringMap<std::vector<CodeInterpretation>> folded_names;
  // Taught codes by lower-cased code text ("sf-2001", "21919300").
  StringMap<std::vector<TaughtCode>> taught_codes;
  KeyFilter taught_filter;
  // Phrases by their first two words ("inaccessible boot"): a common first word such as "error"
  // starts hundreds of taught names, the first two words only a few.
  StringMap<std::vector<Phrase>> phrases;
  // Canonical -> (name, message) from catalogues, to explain what prose mentions.
  StringMap<std::pair<std::string, std::string>> taught_info;
  // Vendor names of several words by their first word ("shop" -> "Shop Flow").
  StringMap<std::vector<VendorPhrase>> vendor_phrases;
  std::vector<std::string> vendor_keys;
  StringMap<int32_t> vendor_ids;
  std::vector<VendorPattern> patterns;

  GrammarState();
  void add_folded_name(std::string_view name, const CodeInterpretation& r);
  int32_t vendor_id(const std::string& key);  // adds when new
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
