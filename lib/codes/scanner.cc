// The scanner behind CodeGrammar::find_codes.
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
#include <algorithm>
#include <array>
#include <cstring>

#include "codes/grammar_impl.h"
#include "codes/tables.h"

namespace errkb::codes {
namespace {

enum CharClass : uint8_t {
  kWord = 1,    // part of a token
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
constexpr std::array<uint8_t, 256> kCls = make_classes();

inline uint8_t cls(char c) { return kCls[static_cast<uint8_t>(c)]; }
inline bool is_alnum(char c) { return cls(c) & (kDigit | kUpper | kLower); }
inline char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

bool all_of_class(std::string_view s, uint8_t mask) {
  for (char c : s)
    if (!(cls(c) & mask)) return false;
  return !s.empty();
}

// Words after a number that make it a quantity, not a code ("500 MB", "5 times", "30 lei").
bool is_unit(std::string_view w) {
  static constexpr std::string_view kUnits[] = {
      "b",     "kb",      "mb",     "gb",    "tb",     "kib",   "mib",     "gib",    "bytes",   "byte",
      "ms",    "s",       "sec",    "secs",  "second", "seconds", "min",   "mins",   "minute",  "minutes",
      "h",     "hr",      "hrs",    "hour",  "hours",  "day",   "days",    "week",   "weeks",   "month",
      "months", "year",   "years",  "times", "percent", "eur",  "euro",    "euros",  "usd",     "dollars",
      "gbp",   "ron",     "lei",    "rub",   "px",     "mhz",   "ghz",     "fps",    "rpm",     "users",
      "items", "rows",    "records", "kg",   "km",     "cm",    "mm",      "m",      "minuti",  "secondi",
      "ore",   "giorni",  "minute", "secunde", "zile", "€",     "$",     "emails", "mails",  "messages",
      "recipients", "subscribers", "mesaje", "messaggi",
  };
  if (w.empty() || w.size() > 12) return false;
  char buf[12];
  for (size_t i = 0; i < w.size(); ++i) buf[i] = fold(w[i]);
  std::string_view f(buf, w.size());
  for (auto u : kUnits)
    if (u == f) return true;
  // Cyrillic units: "руб", "МБ", "ГБ", "раз".
  static constexpr std::string_view kCyrillic[] = {"руб", "рублей", "МБ", "ГБ", "Мб", "Гб", "раз", "сек", "мин"};
  for (auto u : kCyrillic)
    if (u == w) return true;
  return false;
}

bool generic_prefix_allowed(std::string_view prefix) {
  static constexpr std::string_view kNotVendors[] = {
      "ISO", "RFC", "SHA", "AES", "UTF", "RSA", "MD", "CVE", "COVID", "USB", "PCI", "DDR", "LPDDR", "IEEE",
      "EN",  "DIN", "ANSI", "TLS", "SSL", "GPT", "ECMA", "WPA", "HDMI", "MPEG", "JIS", "UN", "SARS", "IP",
      "TCP", "UDP", "ISBN", "ISSN", "GMT", "UTC", "NR", "NO", "ORA", "TNS", "PLS", "KB", "HTTP", "WIN", "X",
      "DOI", "ARM", "PS", "CAT", "TYPE", "EUR", "USD", "RON", "RUB", "RO", "IT", "RU", "US", "UK", "DE",
  };
  for (auto p : kNotVendors)
    if (iequals(p, prefix)) return false;
  return true;
}

// The value a code's digits spell, kept beside its family readings (codes.h, literal readings).
struct Literal {
  uint8_t base = 0;  // 16 or 10; 0: none
  uint64_t value = 0;
};
Literal hex_literal(uint64_t value) { return {16, value}; }
Literal number_literal(int64_t value) { return {10, static_cast<uint64_t>(value)}; }

struct Mark {
  size_t begin = 0;
  size_t end = 0;
  Cue cue = kCueNone;
  Part part = kPartNone;
  VendorFamily vendor = kVendorNone;
  int32_t catalogue_vendor = -1;
  bool capital = false;   // written with a capital first letter ("Code 10")
  bool all_caps = false;  // "STOP", "ERROR"
  bool merged = false;    // made of several words ("error code", "bug check")
  bool code_word = false; // "code" came first in a merged cue ("код ошибки", "cod eroare")
  bool exit_code = false; // "exit code", "return code": a process's status, not a device's
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
  uint32_t value = 0;     // short hex: the value, read once the context is known
  uint32_t digits = 0;    // catalogue-only: length of the number
  Kind kind = Kind::kFixed;
  uint8_t literal_base = 0;
  bool cued = false;      // short hex: a cue, zero padding or a stop line made it a code
  bool padded = false;    // short hex: written with eight digits (0x0000007B), as stop codes are
  bool generic = false;   // readings guessed from the number alone: vendors named in the text join
  bool weak_code = false; // "код ошибки 10": the Device Manager reading needs hardware words

  void set_literal(Literal l) {
    literal_base = l.base;
    literal_value = l.value;
  }
  Literal literal() const { return {literal_base, literal_value}; }
};

class Scanner {
 public:
  Scanner(const GrammarState& st, std::string_view text, const CodeContext& ctx) : st_(st), text_(text) {
    explicit_context(ctx);
  }

  std::vector<CodeOccurrence> run() {
    scan_tokens();
    std::vector<CodeOccurrence> out = finalize();
    if (!st_.patterns.empty()) merge_vendor_patterns(out);
    return out;
  }

 private:
  // ---- context -------------------------------------------------------------------------------
  void explicit_context(const CodeContext& ctx) {
    for (const std::string* s : {&ctx.vendor, &ctx.product}) {
      if (s->empty()) continue;
      const std::string key = vendor_key(*s);
      if (const SystemVendor* sys = system_vendor(key)) explicit_bits_ |= sys->ctx;
      if (auto it = st_.vendor_ids.find(key); it != st_.vendor_ids.end()) explicit_vendors_.push_back(it->second);
      if (key == "windowsupdate") explicit_bits_ |= kCtxWindowsUpdate | kCtxWindows;
      if (key == "devicemanager") explicit_bits_ |= kCtxDevmgr | kCtxWindows;
      if (key == "sqlserver" || key == "microsoftsqlserver") explicit_bits_ |= kCtxMssql;
      // Each word of "Microsoft SQL Server", "Windows Update" ...
      size_t i = 0;
      while (i < s->size()) {
        while (i < s->size() && !(cls((*s)[i]) & kWord)) ++i;
        size_t j = i;
        while (j < s->size() && (cls((*s)[j]) & kWord)) ++j;
        if (j > i) {
          if (const WordInfo* w = st_.words.find(std::string_view(*s).substr(i, j - i))) {
            explicit_bits_ |= w->ctx;
            if (w->catalogue_vendor >= 0) explicit_vendors_.push_back(w->catalogue_vendor);
          }
        }
        i = j;
      }
    }
  }

  void mention(int32_t vendor_id) {
    if (std::find(mentioned_.begin(), mentioned_.end(), vendor_id) == mentioned_.end())
      mentioned_.push_back(vendor_id);
  }
  bool is_explicit(int32_t vid) const {
    return vid >= 0 && std::find(explicit_vendors_.begin(), explicit_vendors_.end(), vid) != explicit_vendors_.end();
  }
  bool is_mentioned(int32_t vid) const {
    return vid >= 0 && std::find(mentioned_.begin(), mentioned_.end(), vid) != mentioned_.end();
  }

  // ---- tokens --------------------------------------------------------------------------------
  void scan_tokens() {
    const size_t n = text_.size();
    const char* s = text_.data();
    size_t i = 0;
    while (i < n) {
      if (!(cls(s[i]) & kWord)) {
        ++i;
        continue;
      }
      size_t j = i;
      uint8_t flags = 0;
      bool dotted = false;
      bool dashed = false;
      for (;;) {
        while (j < n && (cls(s[j]) & kWord)) flags |= cls(s[j++]);
        if (j + 1 < n && (s[j] == '.' || s[j] == '-') && is_alnum(s[j + 1])) {
          (s[j] == '.' ? dotted : dashed) = true;
          ++j;
          continue;
        }
        break;
      }
      if (pending_.size() - deferred_ >= kMaxCodeOccurrences) break;
      if (i >= skip_until_ && j - i <= kMaxToken) {
        if (dotted || dashed) compound(i, j, flags, dotted, dashed);
        else simple(i, j, flags);
      }
      i = j;
    }
  }

  static constexpr size_t kMaxToken = 256;  // nothing longer is a code

  std::string_view tok(size_t i, size_t j) const { return text_.substr(i, j - i); }

  void simple(size_t i, size_t j, uint8_t flags) {
    std::string_view t = tok(i, j);
    if (flags & kDigit) {
      if (!(flags & (kUpper | kLower | kHigh | kUnder))) {
        decimal(i, j);
        return;
      }
      if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && hex_token(i, j)) return;
      if ((t.back() == 'h' || t.back() == 'H') && suffixed_hex(i, j)) return;
      if (t.size() == 5 && sqlstate_token(i, j)) return;
      if (bare_hex8(i, j)) return;
      if (stop_cue_hex(i, j)) return;
      if (taught_token(i, j)) return;
      if (kb_token(i, j)) return;
      if ((flags & kUnder) && numbered_symbol(i, j)) return;
      if (letters_digits_code(i, j)) return;
      const WordInfo* w = st_.words.find(t);
      if ((flags & kUpper) && !(flags & (kLower | kHigh))) symbol(i, j, flags);
      else if ((flags & kUnder) && !(flags & kHigh) && !w) snake(i, j);  // "err_http2_protocol_error"
      if (w) on_word(i, j, *w, t);  // "Win32", "sqlite3"
      return;
    }
    word(i, j, flags);
  }

  void compound(size_t i, size_t j, uint8_t flags, bool dotted, bool dashed) {
    std::string_view t = tok(i, j);
    if ((flags & kDigit) && taught_token(i, j)) return;
    // Split into segments (at most kMaxToken bytes, so bounded).
    std::array<std::pair<size_t, size_t>, 64> seg;
    size_t nseg = 0;
    size_t a = i;
    for (size_t k = i; k <= j; ++k) {
      if (k == j || text_[k] == '.' || text_[k] == '-') {
        if (nseg < seg.size()) seg[nseg++] = {a, k};
        a = k + 1;
      }
    }
    auto seg_view = [&](size_t s) { return tok(seg[s].first, seg[s].second); };
    bool all_numeric = true;  // dates, versions, IPs, phone numbers: never codes, nor their parts
    for (size_t s = 0; s < nseg; ++s) {
      std::string_view v = seg_view(s);
      const bool version_head = s == 0 && v.size() > 1 && (v[0] == 'v' || v[0] == 'V') && all_of_class(v.substr(1), kDigit);
      if (!all_of_class(v, kDigit) && !version_head) all_numeric = false;
    }
    if (all_numeric) {
      // "HTTP/1.1 503": the version belongs to the HTTP cue.
      if (last_.valid && last_.cue == kCueHttp && last_.end + 1 == i && text_[last_.end] == '/') last_.end = j;
      else if (dotted && !dashed && nseg == 2) http_substatus(i, j, seg[0].second);
      else if (dotted) smtp_dotted(i, j, seg, nseg, dashed);
      return;
    }
    if (dashed && !dotted && nseg == 2) {
      std::string_view p = seg_view(0), d = seg_view(1);
      if (taught_letters(p, d.size()) && all_of_class(d, kDigit)) {  // "LNK-2019", "lnk-2019"
        std::vector<CodeInterpretation> readings{letters_digits_reading(p, d, true)};
        if (generic_dashed_code(p, d)) readings.push_back(generic_dashed_reading(t));
        add_fixed(i, j, std::move(readings));
        return;
      }
      if (p.size() == 3 && all_of_class(d, kDigit) && d.size() <= 5 &&
          (iequals(p, "ora") || iequals(p, "tns") || iequals(p, "pls"))) {
        add_fixed(i, j, {oracle_reading(ascii_lower(p), *parse_decimal(d))});
        return;
      }
      if (generic_dashed_code(p, d)) {
        add_fixed(i, j, {generic_dashed_reading(t)});
        return;
      }
    }
    if (dotted && !dashed && exception_dotted(i, j)) return;
    in_compound_ = true;  // "my_file.txt", "a_b-c": parts of a path or name, not symbols of their own
    for (size_t s = 0; s < nseg; ++s) {
      auto [b, e] = seg[s];
      if (b >= e || b < skip_until_) continue;
      uint8_t f = 0;
      for (size_t k = b; k < e; ++k) f |= cls(text_[k]);
      if (!(f & ~(kWord | kDigit | kHex))) continue;  // "3-D", "x86-64": a bare number inside a word
      simple(b, e, f);
    }
    in_compound_ = false;
  }

  // "ABC-1234": capitals (and digits), a hyphen, three to eight digits.
  static bool generic_dashed_code(std::string_view p, std::string_view d) {
    return p.size() >= 2 && p.size() <= 8 && (cls(p[0]) & kUpper) && all_of_class(p, kUpper | kDigit) &&
           d.size() >= 3 && d.size() <= 8 && all_of_class(d, kDigit) && generic_prefix_allowed(p);
  }
  static CodeInterpretation generic_dashed_reading(std::string_view t) {
    CodeInterpretation r = vendor_reading("code", t);
    r.ns = "";
    r.confidence = 0.8;
    return r;
  }

  // ---- HTTP sub-statuses ---------------------------------------------------------------------
  // IIS writes "403.14", "500.19": the sub-status is a reading of its own, the plain status a weaker
  // one. After an HTTP, IIS or error cue any registered 4xx/5xx status; alone only with a sub-status
  // from 1 to 999 written without a leading zero, not a price or a quantity.
  void http_substatus(size_t i, size_t j, size_t dot) {
    std::string_view status = tok(i, dot), sub = tok(dot + 1, j);
    if (status.size() != 3 || (status[0] != '4' && status[0] != '5') || sub.empty() || sub.size() > 3) return;
    const int64_t code = *parse_decimal(status), detail = *parse_decimal(sub);
    if (!find_value(http_statuses(), code)) return;
    CodeInterpretation exact = http_substatus_reading(code, detail);
    CodeInterpretation plain = http_reading(code);
    plain.certain = false;
    plain.confidence = 0.5;
    const Mark* cue = cue_before(i);
    if (cue && (cue->vendor == kVendorHttp || cue->cue == kCueHttp || cue->cue == kCueError ||
                cue->cue == kCueStatus || cue->cue == kCueCode)) {
      ctx_bits_ |= kCtxHttp;
      consume_fixed(cue->begin, j, {std::move(exact), std::move(plain)});
      return;
    }
    const bool currency = i > 0 && (text_[i - 1] == '$' || text_[i - 1] == '+' || text_[i - 1] == '-');
    if (sub[0] == '0' || currency || unit_follows(j)) return;
    exact.certain = false;
    exact.confidence = 0.6;
    plain.confidence = 0.4;
    add_fixed(i, j, {std::move(exact), std::move(plain)});
  }

  // ---- SMTP ----------------------------------------------------------------------------------
  // "5.7.1" (class.subject.detail) after a reply code, after "SMTP", or alone in a mail context;
  // "550-5.7.1" (a continued reply line) is the reply code and the status, two occurrences.
  void smtp_dotted(size_t i, size_t j, const std::array<std::pair<size_t, size_t>, 64>& seg, size_t nseg, bool dashed) {
    if (dashed) {
      if (nseg != 4 || text_[seg[0].second] != '-' || seg[0].second - seg[0].first != 3) return;
      const int64_t reply = *parse_decimal(tok(seg[0].first, seg[0].second));
      auto r = smtp_enhanced_reading(tok(seg[1].first, j));
      if (!smtp_reply_value(reply) || !r || text_[seg[1].first] != text_[i]) return;
      const Mark* cue = cue_before(i);
      const bool use_cue = cue && (cue->cue != kCueNone || cue->vendor == kVendorSmtp);
      add_fixed(use_cue ? cue->begin : i, seg[0].second, {smtp_reply_reading(reply)}, number_literal(reply));
      if (use_cue) last_.valid = false;
      add_fixed(seg[1].first, j, {std::move(*r)});
      ctx_bits_ |= kCtxSmtp;
      return;
    }
    if (nseg != 3 || j - i > 9) return;
    auto r = smtp_enhanced_reading(tok(i, j));
    if (!r) return;
    if (expect_smtp_at_ == i) {
      add_fixed(i, j, {std::move(*r)});
      return;
    }
    const Mark* cue = cue_before(i);
    if (cue && cue->part == kPartVersion) return;  // "version 5.7.1"
    if (cue && cue->vendor == kVendorSmtp) {
      consume_fixed(cue->begin, j, {std::move(*r)});
      return;
    }
    // Alone, only failures: "2.3.16" is far more often a version ("dovecot 2.3.16") than a success.
    if (text_[i] == '2' || deferred_ >= kMaxCodeOccurrences) return;
    defer_fixed(i, j, Kind::kSmtpEnhanced, std::move(*r));
  }

  // A reading decided once the whole text is read (counted against the deferred cap).
  void defer_fixed(size_t i, size_t j, Kind kind, CodeInterpretation reading, Literal literal = {}) {
    Pending p;
    p.begin = i;
    p.end = j;
    p.kind = kind;
    p.set_literal(literal);
    p.fixed.push_back(std::move(reading));
    pending_.push_back(std::move(p));
    ++deferred_;
  }

  // Position of an enhanced status code of class `klass` right after a reply code ("550 5.7.1").
  size_t smtp_enhanced_after(size_t j, char klass) const {
    size_t k = j;
    while (k < text_.size() && k - j < 2 && text_[k] == ' ') ++k;
    if (k == j || k + 5 > text_.size() || text_[k] != klass || text_[k + 1] != '.') return std::string_view::npos;
    size_t e = k + 2;
    if (!(cls(text_[e]) & kDigit) || e + 1 >= text_.size() || text_[e + 1] != '.') return std::string_view::npos;
    e += 2;
    const size_t d = e;
    while (e < text_.size() && e - d < 4 && (cls(text_[e]) & kDigit)) ++e;
    if (e == d || e - d > 3) return std::string_view::npos;
    if (e < text_.size() && ((cls(text_[e]) & kWord) || ((text_[e] == '.' || text_[e] == '-') && e + 1 < text_.size() &&
                                                          is_alnum(text_[e + 1]))))
      return std::string_view::npos;
    return smtp_enhanced_reading(tok(k, e)) ? k : std::string_view::npos;
  }

  // ---- words ---------------------------------------------------------------------------------
  void word(size_t i, size_t j, uint8_t flags) {
    std::string_view t = tok(i, j);
    const WordInfo* w = st_.words.find(t);
    if (j - i <= kMaxCodeLetters && j + 1 < text_.size() && (cls(text_[j + 1]) & kDigit) &&
        !(flags & (kHigh | kUnder)) && spaced_letter_code(i, j, w))
      return;
    if (w && !w->only_code_letters()) {
      if (w->phrase_start && phrase(i, j)) return;
      if (w->vendor_phrase_start && vendor_phrase(i, j)) return;
      on_word(i, j, *w, t);
    }
    if (flags & kHigh) return;
    if (flags & kUpper) {
      if (!(flags & kLower)) {
        symbol(i, j, flags);
      } else if (!(flags & kUnder)) {
        exception_camel(i, j);
      } else if (!w) {
        snake(i, j);  // "E_AccessDenied", "Sync_Token"
      }
    } else if (flags & kUnder) {
      if (w) {
        // A cue written with an underscore ("error_code") is a cue, not a symbol.
        if (auto it = st_.name_filter.may_contain(t) ? st_.names.find(t) : st_.names.end(); it != st_.names.end())
          add_fixed(i, j, st_.readings_of(it->second));
      } else {
        snake(i, j);
      }
    }
  }

  // A snake_case identifier of two or more parts made of letters and digits, starting with a
  // letter; not a database object's name ("orders_pkey", "idx_users_email").
  static bool snake_identifier(std::string_view t) {
    if (t.size() < 4 || t.size() > 64 || !(cls(t[0]) & (kUpper | kLower)) || t.back() == '_') return false;
    size_t parts = 1;
    for (size_t k = 1; k < t.size(); ++k) {
      if (t[k] == '_') {
        if (t[k - 1] == '_') return false;
        ++parts;
      } else if (!is_alnum(t[k])) {
        return false;
      }
    }
    if (parts < 2) return false;
    static constexpr std::string_view kDbSuffixes[] = {"_pkey", "_key", "_fkey", "_idx", "_index", "_seq", "_uniq",
                                                       "_unique", "_check", "_excl", "_pk", "_fk"};
    static constexpr std::string_view kDbPrefixes[] = {"idx_", "ix_", "fk_", "pk_", "uq_", "uk_"};
    for (auto s : kDbSuffixes)
      if (t.size() > s.size() && iequals(t.substr(t.size() - s.size()), s)) return false;
    for (auto p : kDbPrefixes)
      if (t.size() > p.size() && iequals(t.substr(0, p.size()), p)) return false;
    return true;
  }

  // A name with an underscore in any case: a known name ("e_accessdenied" as E_ACCESSDENIED,
  // "error_access_denied"), an error symbol by its prefix ("err_ssl_protocol_error"), or any other
  // snake_case identifier as an uncertain symbol ("do_not_honor"). Upper and lower case meet on
  // the same canonical.
  void snake(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    if (t.size() > 64 || t.size() < 2) return;
    if (st_.name_filter.may_contain(t)) {
      if (auto it = st_.names.find(t); it != st_.names.end()) {
        add_named(i, j, it->second);
        return;
      }
      if (folded_name(i, j, t)) return;
    }
    if (t.back() == '_') return;
    for (std::string_view p : symbol_prefixes()) {
      if (t.size() > p.size() + 1 && iequals(t.substr(0, p.size()), p) && p.back() == '_') {
        add_fixed(i, j, {symbol_reading(t)});
        return;
      }
    }
    generic_symbol(i, j);
  }

  // An unknown snake_case name: in lower case a symbol of its own ("do_not_honor",
  // "insufficient_funds": API error codes are spelled so); in capitals or mixed case only right
  // after an error cue ("decline code DO_NOT_HONOR"), since MAX_PATH, HKEY_LOCAL_MACHINE and
  // SSL_connect are constants and functions. Uncertain: nothing names them.
  void generic_symbol(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    if (in_compound_ || !snake_identifier(t)) return;
    bool upper = false;
    for (char c : t) upper = upper || (cls(c) & kUpper);
    if (upper) {
      const Mark* cue = cue_before(i);
      if (!cue || !(cue->cue == kCueError || cue->cue == kCueCode || cue->cue == kCueStatus || cue->cue == kCueErrorTag))
        return;
    }
    CodeInterpretation r = symbol_reading(t);
    r.certain = false;
    r.confidence = 0.5;
    add_fixed(i, j, {std::move(r)});
  }

  void on_word(size_t i, size_t j, const WordInfo& w, std::string_view t) {
    ctx_bits_ |= w.ctx;
    if (w.catalogue_vendor >= 0) mention(w.catalogue_vendor);
    Mark m;
    m.begin = i;
    m.end = j;
    m.cue = w.cue;
    m.part = w.part;
    m.vendor = w.vendor;
    m.catalogue_vendor = w.catalogue_vendor;
    m.capital = cls(t[0]) & kUpper;
    m.all_caps = m.capital && t.size() > 1 && all_of_class(t, kUpper);
    m.valid = true;
    if (w.part == kPartStop && m.capital) m.cue = kCueStop;  // "STOP 0x0000007B", "Stop: 0x7B"
    if (m.cue == kCueStop) ctx_bits_ |= kCtxCrash;
    if (w.cue == kCueErrorTag && t != "ErrorCode") m.cue = kCueError;  // errorCode=5 in other APIs
    // <code>, </code>, <status>: markup, not a cue (eBay's <ErrorCode> excepted).
    const bool tag_name = (i >= 1 && text_[i - 1] == '<') || (i >= 2 && text_[i - 1] == '/' && text_[i - 2] == '<');
    if (tag_name && m.cue != kCueErrorTag) m.cue = kCueNone;
    if (last_.valid && words_adjacent(last_.end, i) && combine(last_, m)) return;
    last_ = m;
  }

  bool words_adjacent(size_t end, size_t begin) const {
    if (begin < end || begin - end > 3 || begin == end) return false;
    for (size_t k = end; k < begin; ++k)
      if (text_[k] != ' ' && text_[k] != '\t') return false;
    return true;
  }

  // Two adjacent words that mean more together ("SQL Server", "exit code", "HTTP error").
  bool combine(Mark& prev, const Mark& cur) {
    auto merge = [&] {
      prev.end = cur.end;
      prev.merged = true;
      return true;
    };
    if (prev.part == kPartSql && cur.part == kPartServer) {
      prev.part = kPartNone;
      prev.vendor = kVendorMssql;
      ctx_bits_ |= kCtxMssql;
      return merge();
    }
    if (prev.part == kPartSql && cur.part == kPartState) {
      prev.part = kPartNone;
      prev.cue = kCueSqlstate;
      return merge();
    }
    if (prev.part == kPartBug && cur.part == kPartCheck) {
      prev.part = kPartNone;
      prev.cue = kCueStop;
      ctx_bits_ |= kCtxCrash;
      return merge();
    }
    if ((prev.part == kPartDevice && cur.part == kPartManager) || (prev.part == kPartManager && cur.part == kPartDevice)) {
      // "Device Manager", "Manager dispozitive", "Gestione dispositivi", "Диспетчер устройств"
      prev.part = kPartNone;
      ctx_bits_ |= kCtxDevmgr | kCtxWindows;
      return merge();
    }
    if (prev.part == kPartBlue && cur.part == kPartScreen) {
      ctx_bits_ |= kCtxCrash;
      prev.part = kPartNone;
      return merge();
    }
    if (prev.vendor == kVendorWindows && cur.part == kPartUpdate) {
      ctx_bits_ |= kCtxWindowsUpdate;
      return merge();
    }
    if (cur.part == kPartConnector && prev.cue != kCueNone) return merge();
    // "System error 5", "errore di sistema 5", "системная ошибка 5": Windows's net and shell messages.
    if ((prev.part == kPartSystem && cur.cue == kCueError) || (prev.cue == kCueError && cur.part == kPartSystem)) {
      prev.part = kPartNone;
      prev.cue = kCueError;
      prev.vendor = kVendorWindows;
      ctx_bits_ |= kCtxWindows;
      return merge();
    }
    if (prev.part == kPartEvent && cur.part == kPartId) {  // "Event ID 1000"
      prev.part = kPartNone;
      prev.cue = kCueEvent;
      ctx_bits_ |= kCtxWindows;
      return merge();
    }
    if (cur.cue == kCueCode || cur.cue == kCueStatus) {
      if (prev.part == kPartExit || prev.part == kPartReturn) {
        prev.part = kPartNone;
        prev.cue = kCueError;
        prev.exit_code = true;
        return merge();
      }
      if (prev.cue == kCueStop || prev.part == kPartStop) {
        prev.cue = kCueStop;
        ctx_bits_ |= kCtxCrash;
        return merge();
      }
      if (prev.cue == kCueError || prev.cue == kCueHttp) return merge();
      if (prev.cue == kCueStatus && cur.cue == kCueCode) return merge();
      if (prev.vendor != kVendorNone && prev.cue == kCueNone) {
        prev.cue = cur.cue;
        return merge();
      }
    }
    if (cur.cue == kCueError) {
      if (prev.cue == kCueCode) {
        prev.cue = kCueError;
        prev.code_word = !prev.merged;  // "код ошибки 10", "codul erorii 10"
        return merge();
      }
      if (prev.cue == kCueHttp) {
        prev.cue = kCueError;  // "HTTP error 503": vendor stays HTTP
        return merge();
      }
      if (prev.vendor != kVendorNone && prev.cue == kCueNone) {
        prev.cue = kCueError;
        return merge();
      }
    }
    return false;
  }

  // 1-3 blanks (spaces, tabs and, with `underscore`, '_') from pos: the position after them, npos if none.
  size_t skip_blanks(size_t pos, bool underscore = true) const {
    size_t spaces = 0;
    while (pos < text_.size() && spaces < 3 &&
           (text_[pos] == ' ' || text_[pos] == '\t' || (underscore && text_[pos] == '_'))) {
      ++pos;
      ++spaces;
    }
    return spaces > 0 ? pos : std::string_view::npos;
  }

  // words[from..] matched in turn after pos, each after skip_blanks and not followed by a byte of
  // class `stop`: the end of the last, or npos if one does not match.
  size_t match_words(size_t pos, const std::vector<std::string>& words, size_t from, bool underscore,
                     uint8_t stop) const {
    for (size_t w = from; w < words.size(); ++w) {
      pos = skip_blanks(pos, underscore);
      const std::string& want = words[w];
      if (pos == std::string_view::npos || pos + want.size() > text_.size() ||
          !iequals(text_.substr(pos, want.size()), want) ||
          (pos + want.size() < text_.size() && (cls(text_[pos + want.size()]) & stop)))
        return std::string_view::npos;
      pos += want.size();
    }
    return pos;
  }

  // A taught name in lower-case words ("inaccessible boot device").

  bool phrase(size_t i, size_t j) {
    // Key: the first two words, folded ("inaccessible boot").
    const size_t second = skip_blanks(j);
    if (second == std::string_view::npos) return false;
    size_t second_end = second;
    while (second_end < text_.size() && (cls(text_[second_end]) & (kUpper | kLower | kDigit))) ++second_end;
    if (second_end == second || (second_end < text_.size() && (cls(text_[second_end]) & kWord) && text_[second_end] != '_'))
      return false;
    std::string& key = phrase_key_;
    key.clear();
    for (size_t k = i; k < j; ++k) key.push_back(fold(text_[k]));
    key.push_back(' ');
    for (size_t k = second; k < second_end; ++k) key.push_back(fold(text_[k]));
    if (!st_.phrase_filter.may_contain(key)) return false;
    auto longest = st_.phrase_words.find(key);
    if (longest == st_.phrase_words.end()) return false;
    // Extend word by word (each after 1-3 blanks, not followed by a letter, digit or non-ASCII byte);
    // the longest taught phrase wins.
    const ReadingIds* best = nullptr;
    size_t best_end = 0, pos = second_end;
    for (size_t words = 3; words <= longest->second; ++words) {
      const size_t start = skip_blanks(pos);
      if (start == std::string_view::npos) break;
      size_t end = start;
      while (end < text_.size() && (cls(text_[end]) & (kUpper | kLower | kDigit))) ++end;
      if (end == start || (end < text_.size() && (cls(text_[end]) & kHigh))) break;
      key.push_back(' ');
      for (size_t k = start; k < end; ++k) key.push_back(fold(text_[k]));
      if (auto it = st_.phrases.find(key); it != st_.phrases.end()) {
        best = &it->second;
        best_end = end;
      }
      pos = end;
    }
    if (!best) return false;
    add_fixed(i, best_end, st_.readings_of(*best));
    skip_until_ = best_end;
    return true;
  }

  // A catalogue vendor named in several words ("Shop Flow error 2001"): one vendor mark.
  bool vendor_phrase(size_t i, size_t j) {
    char buf[64];
    if (j - i > sizeof buf) return false;
    for (size_t k = i; k < j; ++k) buf[k - i] = fold(text_[k]);
    auto it = st_.vendor_phrases.find(std::string_view(buf, j - i));
    if (it == st_.vendor_phrases.end()) return false;
    const VendorPhrase* best = nullptr;
    size_t best_end = 0;
    for (const VendorPhrase& vp : it->second) {
      const size_t pos = match_words(j, vp.words, 1, false, kWord);
      if (pos != std::string_view::npos && pos > best_end) {
        best = &vp;
        best_end = pos;
      }
    }
    if (!best) return false;
    WordInfo info;
    info.vendor = kVendorCatalogue;
    info.catalogue_vendor = best->vendor_id;
    on_word(i, best_end, info, tok(i, best_end));
    skip_until_ = best_end;
    return true;
  }

  // A symbolic name's readings; their families set the context of the whole text.
  void add_named(size_t i, size_t j, const ReadingIds& ids) {
    for (ReadingId id : ids) ctx_bits_ |= family_context(st_.reading(id).family);
    add_fixed(i, j, st_.readings_of(ids));
  }

  // `t` (at most 64 bytes) as a name with an underscore written in another case than its table's.
  bool folded_name(size_t i, size_t j, std::string_view t) {
    char buf[64];
    for (size_t k = 0; k < t.size(); ++k) buf[k] = fold(t[k]);
    auto it = st_.folded_names.find(std::string_view(buf, t.size()));
    if (it == st_.folded_names.end()) return false;
    add_named(i, j, it->second);
    return true;
  }

  void symbol(size_t i, size_t j, uint8_t flags) {
    std::string_view t = tok(i, j);
    if (t.size() < 2) return;
    if (auto it = st_.name_filter.may_contain(t) ? st_.names.find(t) : st_.names.end(); it != st_.names.end()) {
      add_named(i, j, it->second);
      return;
    }
    if (!(flags & kUnder) || t.back() == '_') return;
    for (std::string_view p : symbol_prefixes()) {
      if (t.size() > p.size() + 1 && t.substr(0, p.size()) == p) {
        add_fixed(i, j, {symbol_reading(t)});
        return;
      }
    }
    // A taught name in lower case ("unique_violation") written in capitals.
    if (t.size() <= 64 && st_.name_filter.may_contain(t) && folded_name(i, j, t)) return;
    generic_symbol(i, j);
  }

  static bool exception_name(std::string_view s) {
    for (std::string_view suffix : {std::string_view("Error"), std::string_view("Exception")}) {
      if (s.size() >= suffix.size() + 2 && s.substr(s.size() - suffix.size()) == suffix && (cls(s[0]) & kUpper)) {
        for (char c : s)
          if (!(cls(c) & (kUpper | kLower | kDigit))) return false;
        return true;
      }
    }
    return false;
  }

  void exception_camel(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    if (exception_name(t)) add_fixed(i, j, {exception_reading(t, true)});
  }

  bool exception_dotted(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    size_t last_dot = t.rfind('.');
    if (last_dot == std::string_view::npos) return false;
    std::string_view last = t.substr(last_dot + 1);
    if (!exception_name(last)) return false;
    // Package and class segments are identifiers.
    size_t a = 0;
    for (size_t k = 0; k <= last_dot; ++k) {
      if (k == last_dot || t[k] == '.') {
        std::string_view seg = t.substr(a, k - a);
        if (seg.empty() || (cls(seg[0]) & kDigit) || !all_of_class(seg, kUpper | kLower | kDigit | kUnder)) return false;
        a = k + 1;
      }
    }
    add_fixed(i, j, {exception_reading(t, true), exception_reading(last, false)});
    pending_.back().fixed[1].certain = false;
    return true;
  }

  // ---- numbers -------------------------------------------------------------------------------
  const Mark* cue_before(size_t i) const {
    if (!last_.valid || i < last_.end || i - last_.end > 6) return nullptr;
    for (size_t k = last_.end; k < i; ++k) {
      switch (text_[k]) {
        case ' ': case '\t': case ':': case '#': case '=': case '(': case '[': case '"': case '\'': case '>':
          break;
        default:
          return nullptr;
      }
    }
    return &last_;
  }

  bool gap_has(size_t from, size_t to, char c) const {
    for (size_t k = from; k < to; ++k)
      if (text_[k] == c) return true;
    return false;
  }

  void decimal(size_t i, size_t j) {
    const size_t len = j - i;
    const size_t n = text_.size();
    if (len == 5 && sqlstate_token(i, j)) return;
    // "HTTP/2 503": the version belongs to the HTTP cue.
    if (last_.valid && last_.cue == kCueHttp && last_.end + 1 == i && text_[last_.end] == '/') {
      last_.end = j;
      return;
    }
    const bool negative = i >= 1 && text_[i - 1] == '-' && (i < 2 || !(cls(text_[i - 2]) & kWord));
    std::string_view digits = tok(i, j);
    // Windows status values written in full decimal (-2147024891, 2147942405) or bare hex (80070005).
    if (len == 10) {
      auto v = parse_decimal(digits);
      if (v) {
        int64_t value = negative ? -*v : *v;
        std::optional<uint32_t> u;
        if (negative && value >= INT32_MIN) u = static_cast<uint32_t>(static_cast<int32_t>(value));
        if (!negative && value >= 0x80000000ll && value <= 0xFFFFFFFFll) u = static_cast<uint32_t>(value);
        if (u && plausible_bare_windows_value(*u, true)) {
          add_fixed(negative ? i - 1 : i, j, windows_value_readings(*u), hex_literal(*u));
          return;
        }
      }
    }
    if (len == 8 && !negative) {
      auto v = parse_hex(digits);
      if (v && plausible_bare_windows_value(static_cast<uint32_t>(*v), true)) {
        add_fixed(i, j, windows_value_readings(static_cast<uint32_t>(*v)), hex_literal(*v));
        return;
      }
    }
    if (negative || len > 12) return;
    // Continued numbers are amounts, dates and times: "1,000", "10:30", "01/15/2024".
    if (j + 1 < n && (text_[j] == ',' || text_[j] == ':' || text_[j] == '/') && (cls(text_[j + 1]) & kDigit)) return;
    const int64_t value = *parse_decimal(digits);
    // "550 5.7.1": an SMTP reply code and its enhanced status, two occurrences.
    if (len == 3 && smtp_reply_value(value)) {
      if (const size_t at = smtp_enhanced_after(j, digits[0]); at != std::string_view::npos) {
        const Mark* cue = cue_before(i);
        const bool use_cue = cue && (cue->cue != kCueNone || cue->vendor == kVendorSmtp);
        add_fixed(use_cue ? cue->begin : i, j, {smtp_reply_reading(value)}, number_literal(value));
        if (use_cue) last_.valid = false;
        expect_smtp_at_ = at;
        ctx_bits_ |= kCtxSmtp;
        return;
      }
    }
    if (const Mark* cue = cue_before(i)) {
      if (cued_number(*cue, i, j, value)) return;
    }
    if (http_reason_follows(j, value)) {
      add_fixed(i, j, {http_reading(value)}, number_literal(value));
      return;
    }
    // "550 rejected by DMARC": a failure reply code SMTP defines, in a mail context (decided once
    // the whole text is read), uncertain since no cue says so.
    if (len == 3 && digits[0] >= '4' && deferred_ < kMaxCodeOccurrences && smtp_reply_known(value) && !unit_follows(j))
      defer_fixed(i, j, Kind::kSmtpReplyBare, smtp_reply_reading(value), number_literal(value));
    // "23505" among PostgreSQL words: a SQLSTATE, decided once the whole text is read.
    if (len == 5 && deferred_ < kMaxCodeOccurrences && sqlstate_error_class(digits) && !unit_follows(j)) {
      if (auto r = sqlstate_reading(digits)) defer_fixed(i, j, Kind::kSqlstateBare, std::move(*r));
    }
    if (!st_.taught_codes.empty()) catalogue_number(i, j);
  }

  // Classes of SQLSTATEs that people quote bare from PostgreSQL errors.
  static bool sqlstate_error_class(std::string_view d) {
    static constexpr std::string_view kClasses[] = {"08", "22", "23", "25", "28", "40", "42", "53", "54", "55", "57", "58"};
    for (auto c : kClasses)
      if (d.substr(0, 2) == c) return true;
    return false;
  }

  bool unit_follows(size_t j) const {
    size_t k = j;
    while (k < text_.size() && k - j < 2 && text_[k] == ' ') ++k;
    if (k < text_.size() && (text_[k] == '%' || text_[k] == '$')) return true;
    if (k == j && k < text_.size() && (cls(text_[k]) & kWord)) return false;
    size_t e = k;
    while (e < text_.size() && e - k <= 12 && ((cls(text_[e]) & (kLower | kUpper | kHigh)))) ++e;
    if (e == k) {
      // "€" and other symbols are multi-byte.
      return k + 3 <= text_.size() && text_.substr(k, 3) == "€";
    }
    return is_unit(text_.substr(k, e - k));
  }

  // A number right after a cue. True when the number was handled (as a code or as a quantity).
  bool cued_number(const Mark& cue, size_t i, size_t j, int64_t value) {
    std::string_view digits = tok(i, j);
    const size_t b = cue.begin;
    const Literal literal = number_literal(value);
    if (digits.size() == 3 && smtp_reply_value(value) &&
        (cue.vendor == kVendorSmtp || (cue.part == kPartReplied && (ctx_bits_ & kCtxSmtp)))) {
      // "SMTP 550", "SMTP error 550", "the mail server replied 550"
      consume_fixed(cue.vendor == kVendorSmtp ? b : i, close_paren(cue.end, i, j), {smtp_reply_reading(value)}, literal);
      return true;
    }
    if (cue.part == kPartDeclined && digits.size() == 2 && (ctx_bits_ & kCtxPayment) && !unit_follows(j)) {
      // "card payment declined 51": an ISO 8583 response, uncertain since nothing names it a code.
      CodeInterpretation r = iso8583_reading(digits);
      r.certain = false;
      r.confidence = 0.5;
      consume_fixed(i, j, {std::move(r)}, literal);
      return true;
    }
    if (cue.cue == kCueNone || cue.cue == kCueWarning) {
      // "curl: (7) Failed to connect": the one vendor whose name alone introduces its code.
      if (cue.vendor == kVendorCurl && gap_has(cue.end, i, '(') && j < text_.size() && text_[j] == ')') {
        consume_fixed(b, close_paren(cue.end, i, j), {curl_reading(value)}, literal);
        return true;
      }
      // "mysql 1045", "oracle 942": a database's name right before a number its own table lists. Three
      // digits or more, so that a version ("MySQL 8", "SQLite 3") stays a version.
      if (cue.cue == kCueNone && digits.size() >= 3 && !unit_follows(j)) {
        if (auto r = database_lists(cue.vendor, value) ? vendor_number(cue, value, digits) : std::nullopt) {
          consume_fixed(b, j, {std::move(*r)}, literal);
          return true;
        }
      }
      return false;  // "Windows 10", "MySQL 8", "warning 3 times"
    }
    if (unit_follows(j)) return true;
    if (value == 0) return true;  // "error 0", "exit code 0": success, not an error code
    const size_t end = close_paren(cue.end, i, j);
    if (cue.vendor != kVendorNone && cue.cue != kCueStop && cue.cue != kCueErrno) {
      if (auto r = vendor_number(cue, value, digits)) {
        consume_fixed(b, end, {std::move(*r)}, cue.vendor == kVendorPostgres ? Literal{} : literal);
        return true;
      }
    }
    switch (cue.cue) {
      case kCueHttp:
        if (value >= 100 && value <= 599) {
          consume_fixed(b, end, {http_reading(value)}, literal);
          return true;
        }
        return false;
      case kCueStatus:
        if (value >= 100 && value <= 599) {
          consume_fixed(b, end, {http_reading(value)}, literal);
          return true;
        }
        break;
      case kCueErrno:
        if (value >= 1 && value <= kMaxErrno) {
          consume_fixed(b, end, {errno_reading(value)}, literal);
          return true;
        }
        return false;
      case kCueStop:
        if (cue.all_caps || cue.merged || iequals(tok(cue.begin, cue.end), "bugcheck")) {
          const uint64_t hex = *parse_hex(digits);  // stop codes are hex, written with or without 0x
          consume_fixed(b, end, {bugcheck_reading(static_cast<uint32_t>(hex))}, hex_literal(hex));
          skip_parameters(j);
          return true;
        }
        return false;
      case kCueMsg:
        consume_fixed(b, end, {mssql_reading(value)}, literal);
        return true;
      case kCueSqlstate:
        return false;  // five-character states are read by sqlstate_token
      case kCueErrorTag:
        consume_fixed(b, end, {error_tag_reading(digits)}, literal);
        return true;
      case kCueKb:
        if (digits.size() >= 6 && digits.size() <= 7) {
          consume_fixed(b, end, {kb_reading(digits)});
          return true;
        }
        return false;
      case kCueEvent:
        consume_fixed(b, end, {event_reading(value)}, literal);
        return true;
      case kCueCode:
        if (!cue.merged && (cue.capital || (cue.begin > 0 && text_[cue.begin - 1] == '(')) &&
            find_value(devmgr_codes(), value)) {
          consume_fixed(b, end, {devmgr_reading(value)}, literal);  // "(Code 10)", "Code 43"
          return true;
        }
        break;
      default:
        break;
    }
    // Error-like cue: MySQL's "ERROR 1045 (28000)", SQL Server's "Error: 18456, Severity: 14".
    if (cue.cue == kCueError && value >= 1000 && value <= 4999 && mysql_state_follows(j)) {
      consume_fixed(b, end, {mysql_reading(value)}, literal);
      return true;
    }
    if (cue.cue == kCueError && (text_.substr(j, 11) == ", Severity:" || text_.substr(j, 8) == ", Level ")) {
      consume_fixed(b, end, {mssql_reading(value)}, literal);
      return true;
    }
    if (http_reason_follows(j, value)) {
      consume_fixed(b, end, {http_reading(value)}, literal);
      return true;
    }
    Pending p;
    p.begin = b;
    p.end = end;
    // Device Manager numbers: "Code 43", "error code 19", "код ошибки 10". After anything but a plain
    // "code" the reading needs Device Manager or hardware words; never after "exit code".
    const bool devmgr_cue = (cue.cue == kCueCode || cue.cue == kCueError) && !cue.exit_code;
    p.kind = devmgr_cue && find_value(devmgr_codes(), value) ? Kind::kCodeCue : Kind::kRanked;
    p.weak_code = cue.cue != kCueCode;
    p.cands = generic_candidates(value, digits, devmgr_cue);
    p.generic = true;
    p.number_begin = i;
    p.set_literal(literal);
    pending_.push_back(std::move(p));
    last_.valid = false;
    return true;
  }

  CodeInterpretation error_tag_reading(std::string_view digits) const {
    // <ErrorCode> is the element of eBay's API responses; another explicit catalogue vendor wins.
    if (!(explicit_bits_ & kCtxEbay)) {
      for (int32_t vid : explicit_vendors_)
        if (!system_vendor(st_.vendor_keys[vid])) return vendor_reading(st_.vendor_keys[vid], digits);
    }
    return ebay_reading(digits);
  }

  // Whether a database's own table lists `value` (false for any other vendor).
  static bool database_lists(VendorFamily vendor, int64_t value) {
    switch (vendor) {
      case kVendorMysql: return find_value(mysql_codes(), value) != nullptr;
      case kVendorOracle: return find_value(oracle_codes(), value) != nullptr;
      case kVendorMssql: return find_value(mssql_codes(), value) != nullptr;
      case kVendorSqlite: return find_value(sqlite_codes(), value) != nullptr;
      default: return false;
    }
  }

  std::optional<CodeInterpretation> vendor_number(const Mark& cue, int64_t value, std::string_view digits) const {
    switch (cue.vendor) {
      case kVendorWindows:
        if (value <= 0xFFFF) return win32_reading(value);
        return std::nullopt;
      case kVendorErrno:
        if (value <= kMaxErrno) return errno_reading(value);
        return std::nullopt;
      case kVendorCurl: return curl_reading(value);
      case kVendorSqlite: return sqlite_reading(value);
      case kVendorMysql: return mysql_reading(value);
      case kVendorOracle: return oracle_reading("ora", value);
      case kVendorMssql: return mssql_reading(value);
      case kVendorPostgres:
        if (digits.size() == 5) return sqlstate_reading(digits);
        return std::nullopt;
      case kVendorEbay: return ebay_reading(digits);
      case kVendorSmtp:
        if (smtp_reply_value(value)) return smtp_reply_reading(value);
        return std::nullopt;
      case kVendorHttp:
        if (value >= 100 && value <= 599) return http_reading(value);
        return std::nullopt;
      case kVendorCatalogue: {
        if (cue.catalogue_vendor < 0) return std::nullopt;
        if (auto it = st_.taught_codes.find(digits); it != st_.taught_codes.end()) {
          for (const auto& t : it->second)
            if (t.vendor_id == cue.catalogue_vendor) return st_.reading(t.reading);
        }
        return vendor_reading(st_.vendor_keys[cue.catalogue_vendor], digits);
      }
      default:
        return std::nullopt;
    }
  }

  std::vector<Candidate> generic_candidates(int64_t value, std::string_view digits, bool code_cue) const {
    std::vector<Candidate> c;
    // Room for the usual families at once (small numbers have the most): growing one by one cost up to
    // three allocations, and left blocks too small to be reused for the ranked readings and their literal.
    c.reserve(value < 100 ? 5 : 3);
    auto add = [&](CodeInterpretation r, double prior, uint32_t aff, int32_t vid = -1) {
      for (auto& have : c) {
        if (have.reading.canonical == r.canonical) {
          have.prior = std::max(have.prior, prior) + 0.05;
          if (vid >= 0) have.vendor_id = vid;
          return;
        }
      }
      c.push_back({std::move(r), prior, aff, vid});
    };
    if (value >= 1 && value <= 15999)
      add(win32_reading(value), find_value(win32_names(), value) ? 0.5 : 0.3, kCtxWindows);
    if (value >= 1 && value <= kMaxErrno) add(errno_reading(value), 0.45, kCtxLinux);
    if (value >= 1 && value <= 99) add(curl_reading(value), find_value(curl_codes(), value) ? 0.35 : 0.15, kCtxCurl);
    if (find_value(sqlite_codes(), value)) add(sqlite_reading(value), 0.3, kCtxSqlite);
    // HTTP: the registered statuses, or an unregistered one in a class that has them (2xx-5xx, x00-x59).
    if (find_value(http_statuses(), value)) add(http_reading(value), 0.4, kCtxHttp);
    else if (value >= 200 && value <= 599 && value % 100 < 60) add(http_reading(value), 0.2, kCtxHttp);
    if (value >= 1000 && value <= 4999) add(mysql_reading(value), find_value(mysql_codes(), value) ? 0.4 : 0.2, kCtxMysql);
    if (find_value(mssql_codes(), value)) add(mssql_reading(value), 0.3, kCtxMssql);
    if (code_cue && find_value(devmgr_codes(), value)) add(devmgr_reading(value), 0.3, kCtxDevmgr | kCtxDevice);
    if (digits.size() == 5) {
      if (auto r = sqlstate_reading(digits)) add(std::move(*r), 0.25, kCtxPostgres | kCtxMysql);
    }
    if (auto it = st_.taught_codes.find(digits); it != st_.taught_codes.end()) {
      // A catalogue confirms a built-in reading (raised by add) or proposes its own namespace,
      // which context words then have to support ("error 17" is not eBay's unless eBay is near).
      for (const auto& t : it->second) add(st_.reading(t.reading), 0.2, t.ctx, t.vendor_id);
    }
    for (int32_t vid : explicit_vendors_) {
      if (!system_vendor(st_.vendor_keys[vid])) add(vendor_reading(st_.vendor_keys[vid], digits), 0.3, 0, vid);
    }
    if (explicit_bits_ & kCtxEbay) add(ebay_reading(digits), 0.3, kCtxEbay);
    if (c.empty()) {
      CodeInterpretation r = vendor_reading("code", digits);
      r.ns = "";
      add(std::move(r), 0.2, 0);
    }
    return c;
  }

  bool mysql_state_follows(size_t j) {
    size_t k = j;
    if (k < text_.size() && text_[k] == ' ') ++k;
    if (k + 7 > text_.size() || text_[k] != '(' || text_[k + 6] != ')') return false;
    std::string_view state = text_.substr(k + 1, 5);
    if (!all_of_class(state, kDigit | kUpper) || !valid_sqlstate_class(state.substr(0, 2))) return false;
    expect_sqlstate_at_ = k + 1;
    return true;
  }

  bool http_reason_follows(size_t j, int64_t value) const {
    if (value < 100 || value > 599 || j >= text_.size() || text_[j] != ' ') return false;
    const NamedValue* s = find_value(http_statuses(), value);
    if (!s) return false;
    const size_t k = j + 1;
    if (k + s->name.size() > text_.size() || !iequals(text_.substr(k, s->name.size()), s->name)) return false;
    const size_t e = k + s->name.size();
    return e == text_.size() || !(cls(text_[e]) & kWord);
  }

  bool sqlstate_token(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    if (!all_of_class(t, kDigit | kUpper)) return false;
    if (expect_sqlstate_at_ == i) {
      if (auto r = sqlstate_reading(t)) {
        add_fixed(i, j, {std::move(*r)});
        return true;
      }
    }
    const Mark* cue = cue_before(i);
    if (!cue) return false;
    const bool sqlstate_cue = cue->cue == kCueSqlstate;
    const bool postgres_error = cue->vendor == kVendorPostgres && cue->cue != kCueNone;
    const bool error_cue = cue->cue == kCueError && !(cls(t[2]) & kDigit);  // "ERROR: 42P01"
    if (!sqlstate_cue && !postgres_error && !error_cue) return false;
    auto r = sqlstate_reading(t);
    if (!r) return false;
    consume_fixed(cue->begin, j, {std::move(*r)});
    return true;
  }

  // 0x... : HRESULT, NTSTATUS, or a short value (bug check, Win32 code) that needs context.
  bool hex_token(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    size_t k = 2;
    while (k < t.size() && (cls(t[k]) & kHex)) ++k;
    const size_t ndigits = k - 2;
    std::string_view suffix = t.substr(k);
    if (ndigits == 0 || ndigits > 16) return false;
    if (!(suffix.empty() || suffix == "L" || suffix == "l" || suffix == "U" || suffix == "u" || suffix == "UL" ||
          suffix == "ul"))
      return false;
    uint64_t v = *parse_hex(t.substr(0, k));
    uint32_t v32;
    if ((v >> 32) == 0) v32 = static_cast<uint32_t>(v);
    else if ((v >> 32) == 0xFFFFFFFFull && (v & 0x80000000ull)) v32 = static_cast<uint32_t>(v);  // sign-extended
    else return true;  // an address, not a code
    if (v32 >= 0x80000000u || (v32 >> 28) == 0x4) windows_value(i, j, v32);
    else if (v32 != 0) short_hex(i, j, v32, ndigits >= 8);
    return true;
  }

  // Hex written the assembler's way, "7Bh", "0C000021Ah": a digit first, a letter A-F among the digits
  // ("24h" is a duration, "50h" may be one). Eight digits are bare_hex8's.
  bool suffixed_hex(size_t i, size_t j) {
    std::string_view d = tok(i, j - 1);
    if (d.size() < 2 || d.size() > 9 || !(cls(d[0]) & kDigit) || !all_of_class(d, kHex) || all_of_class(d, kDigit))
      return false;
    if (d.size() == 9 && d[0] != '0') return false;
    const uint32_t v = static_cast<uint32_t>(*parse_hex(d));
    if (v >= 0x80000000u || (v >> 28) == 0x4) windows_value(i, j, v);
    else if (v != 0) short_hex(i, j, v, d.size() >= 8);
    return true;
  }

  // A 32-bit Windows status value (0x80070005, 0xC000021A): its fixed readings, or, for the few that are
  // bug checks as well, NTSTATUS and bug check ranked by the context (a crash puts the bug check first).
  void windows_value(size_t i, size_t j, uint32_t v) {
    auto readings = windows_value_readings(v);
    if (readings.empty()) return;
    if (!find_value(bugcheck_names(), v)) {
      add_fixed(i, j, std::move(readings), hex_literal(v));
      return;
    }
    if (const Mark* cue = cue_before(i); cue && cue->cue == kCueStop) {  // "Stop code: 0xC000021A"
      consume_fixed(cue->begin, j, {bugcheck_reading(v)}, hex_literal(v));
      skip_parameters(j);
      return;
    }
    Pending p;
    p.begin = i;
    p.end = j;
    p.kind = Kind::kRanked;
    p.set_literal(hex_literal(v));
    for (auto& r : readings) p.cands.push_back({std::move(r), 0.5, kCtxWindows, -1});
    p.cands.push_back({bugcheck_reading(v), 0.4, kCtxCrash, -1});
    pending_.push_back(std::move(p));
  }

  // A hex value below the Windows status range (0x7B, 0x52E, 0x0000007B): a bug check after a stop cue,
  // a Win32 code after "Windows error"; otherwise its readings wait for the whole text's context.
  void short_hex(size_t i, size_t j, uint32_t v, bool padded) {
    const Mark* cue = cue_before(i);
    if (cue && cue->cue == kCueStop) {
      consume_fixed(cue->begin, j, {bugcheck_reading(v)}, hex_literal(v));
      skip_parameters(j);
      return;
    }
    if (cue && cue->vendor == kVendorWindows && cue->cue != kCueNone && v <= 0xFFFF) {
      consume_fixed(cue->begin, j, {win32_reading(v)}, hex_literal(v));
      return;
    }
    const bool cued = cue && (cue->cue == kCueError || cue->cue == kCueCode || cue->cue == kCueStatus);
    const bool params = parameters_follow(j);
    Pending p;
    p.begin = cued ? cue->begin : i;
    p.end = j;
    p.kind = Kind::kShortHex;
    p.cued = cued || padded || params;
    p.padded = padded;
    p.value = v;
    p.set_literal(hex_literal(v));
    if (!p.cued) {
      // "0x7B" alone: a code if its value names something or a crash is in the text; decided at the
      // end, kept small and capped.
      if (deferred_ >= kMaxCodeOccurrences) return;
      ++deferred_;
    }
    pending_.push_back(std::move(p));
    if (cued) last_.valid = false;
    if (params) skip_parameters(j);
  }

  bool parameters_follow(size_t j) const {
    size_t k = j;
    while (k < text_.size() && k - j < 2 && text_[k] == ' ') ++k;
    if (k >= text_.size() || text_[k] != '(') return false;
    ++k;
    while (k < text_.size() && text_[k] == ' ') ++k;
    return k + 1 < text_.size() && text_[k] == '0' && (text_[k + 1] == 'x' || text_[k + 1] == 'X');
  }

  // The four parameters of a stop line "(0x..., 0x..., 0x..., 0x...)" are not codes of their own.
  void skip_parameters(size_t j) {
    if (!parameters_follow(j)) return;
    const size_t limit = std::min(text_.size(), j + 400);
    for (size_t k = j; k < limit; ++k) {
      if (text_[k] == ')') {
        skip_until_ = k + 1;
        return;
      }
    }
  }

  // Eight hex digits without 0x: a Windows status value (80070005, C0000022), or a zero-padded stop
  // code with a hex letter in it (0000007B, as minidump tools print them).
  bool bare_hex8(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    if (t.size() == 9 && (t.back() == 'h' || t.back() == 'H')) t.remove_suffix(1);
    if (t.size() != 8 || !all_of_class(t, kHex)) return false;
    const uint32_t v = static_cast<uint32_t>(*parse_hex(t));
    if (plausible_bare_windows_value(v, false)) {
      windows_value(i, j, v);
      return true;
    }
    if (t.substr(0, 4) != "0000" || v == 0 || all_of_class(t, kDigit)) return false;
    short_hex(i, j, v, true);
    return true;
  }

  bool stop_cue_hex(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    if (t.size() > 8 || !all_of_class(t, kHex)) return false;
    const Mark* cue = cue_before(i);
    if (!cue || cue->cue != kCueStop || !(cue->all_caps || cue->merged || iequals(tok(cue->begin, cue->end), "bugcheck")))
      return false;
    const uint64_t v = *parse_hex(t);
    consume_fixed(cue->begin, j, {bugcheck_reading(static_cast<uint32_t>(v))}, hex_literal(v));
    skip_parameters(j);
    return true;
  }

  // Symbols made of a family's name and a number: SQL Server's documentation names its errors so
  // (MSSQLSERVER_18456 is "Msg 18456").
  bool numbered_symbol(size_t i, size_t j) {
    static constexpr std::pair<std::string_view, CodeInterpretation (*)(int64_t)> kNumbered[] = {
        {"mssqlserver_", mssql_reading},
    };
    std::string_view t = tok(i, j);
    for (const auto& [prefix, reading] : kNumbered) {
      if (t.size() <= prefix.size() || t.size() > prefix.size() + 6 || !iequals(t.substr(0, prefix.size()), prefix))
        continue;
      auto n = parse_decimal(t.substr(prefix.size()));
      if (!n || *n <= 0 || !all_of_class(t.substr(prefix.size()), kDigit)) continue;
      add_fixed(i, j, {reading(*n)}, number_literal(*n));
      return true;
    }
    return false;
  }

  bool kb_token(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    if (t.size() < 8 || t.size() > 9 || !iequals(t.substr(0, 2), "kb") || !all_of_class(t.substr(2), kDigit))
      return false;
    add_fixed(i, j, {kb_reading(t.substr(2))});
    return true;
  }

  // Letters+digits codes (E1234, P0420, LNK2019, c2065): one to six letters, four to six digits. One or
  // two capitals read alone; more letters, or lower case, after an error cue ("error LNK2019", "errore
  // c2065", "Warning LNK4098") or when the KB taught the letters (add_code_shape). Model names look the
  // same (RTX3080): untaught and without a cue they stay prose.
  bool letters_digits_code(size_t i, size_t j) {
    std::string_view t = tok(i, j);
    size_t k = 0;
    while (k < t.size() && (cls(t[k]) & (kUpper | kLower))) ++k;
    if (k < 1 || k > kMaxCodeLetters) return false;
    std::string_view letters = t.substr(0, k), d = t.substr(k);
    if (d.size() < kMinCodeDigits || d.size() > kMaxCodeDigits || !all_of_class(d, kDigit)) return false;
    const bool taught = taught_letters(letters, d.size());
    if (!taught && !(k <= 2 && all_of_class(letters, kUpper)) && !letter_code_cue(i, letters)) return false;
    add_fixed(i, j, {letters_digits_reading(letters, d, taught)});
    return true;
  }

  // An error or warning cue right before a letters+digits code of untaught letters.
  bool letter_code_cue(size_t i, std::string_view letters) const {
    const Mark* cue = cue_before(i);
    return cue && (cue->cue == kCueError || cue->cue == kCueCode || cue->cue == kCueWarning) &&
           generic_prefix_allowed(letters);
  }

  // The letters of a code the KB taught, followed by `digits` digits.
  bool taught_letters(std::string_view letters, size_t digits) const {
    if (letters.empty() || letters.size() > kMaxCodeLetters || digits > kMaxCodeDigits) return false;
    const WordInfo* w = st_.words.find(letters);
    return w && (w->code_digits >> digits & 1u) && all_of_class(letters, kUpper | kLower);
  }

  // "code:lnk2019" however the code was written; more confident when the KB taught its letters.
  static CodeInterpretation letters_digits_reading(std::string_view letters, std::string_view digits, bool taught) {
    std::string joined(letters);
    joined += digits;
    CodeInterpretation r = vendor_reading("code", joined);
    r.ns = "";
    r.confidence = taught ? 0.8 : 0.6;
    return r;
  }

  // "LNK 2019", "lnk 2019", "C 2065": letters, one blank, four to six digits that end the token. The
  // letters were taught, or they are capitals after an error cue. One letter without a cue never takes
  // a recent year (a taught "C" must leave "C 2019" alone).
  bool spaced_letter_code(size_t i, size_t j, const WordInfo* w) {
    const size_t n = text_.size();
    if (j - i > kMaxCodeLetters || j + 1 >= n || (text_[j] != ' ' && text_[j] != '\t') || !(cls(text_[j + 1]) & kDigit))
      return false;
    if (w && w->cue != kCueNone) return false;  // a cue word is a cue ("code 1234")
    size_t e = j + 1;
    while (e < n && e - j <= kMaxCodeDigits + 1 && (cls(text_[e]) & kDigit)) ++e;
    const size_t ndigits = e - j - 1;
    if (ndigits < kMinCodeDigits || ndigits > kMaxCodeDigits) return false;
    if (e < n && ((cls(text_[e]) & kWord) || ((text_[e] == '.' || text_[e] == ',' || text_[e] == '-') && e + 1 < n &&
                                              is_alnum(text_[e + 1]))))
      return false;
    std::string_view letters = tok(i, j), digits = tok(j + 1, e);
    const bool taught = w && (w->code_digits >> ndigits & 1u);
    const bool cued = all_of_class(letters, kUpper) && letter_code_cue(i, letters) && !spaced_stopword(letters);
    if (!taught && !cued) return false;
    if (!cued && letters.size() == 1 && recent_year(digits)) return false;
    add_fixed(i, e, {letters_digits_reading(letters, digits, taught)});
    skip_until_ = e;
    return true;
  }

  static bool recent_year(std::string_view digits) {
    if (digits.size() != 4) return false;
    const int64_t year = *parse_decimal(digits);
    return year >= 1990 && year <= 2035;
  }

  // Capitalised words that come between a cue and a number in headings ("ERROR IN 2019").
  static bool spaced_stopword(std::string_view w) {
    static constexpr std::string_view kWords[] = {"A",  "I",  "IN", "ON", "AT", "OF",  "TO",  "BY",  "OR",
                                                  "IS", "AS", "AN", "IF", "ID", "AND", "THE", "FOR", "NOT"};
    for (auto k : kWords)
      if (k == w) return true;
    return false;
  }

  // A token equal to a code some catalogue taught ("SF-2001", "PH-101"), ranked by its vendor.
  bool taught_token(size_t i, size_t j) {
    if (st_.taught_codes.empty()) return false;
    std::string_view t = tok(i, j);
    if (t.size() > 64) return false;
    char buf[64];
    for (size_t k = 0; k < t.size(); ++k) buf[k] = fold(t[k]);
    const std::string_view key(buf, t.size());
    auto it = st_.taught_filter.may_contain(key) ? st_.taught_codes.find(key) : st_.taught_codes.end();
    if (it == st_.taught_codes.end()) {
      // "sf1003" for a taught "SF-1003": letters then digits, the hyphen left out.
      size_t k = 0;
      while (k < t.size() && (cls(t[k]) & (kUpper | kLower))) ++k;
      if (k < 2 || k > 8 || k + 2 > t.size() || t.size() + 1 > sizeof buf || !all_of_class(t.substr(k), kDigit)) return false;
      std::memmove(buf + k + 1, buf + k, t.size() - k);
      buf[k] = '-';
      const std::string_view dashed(buf, t.size() + 1);
      if (!st_.taught_filter.may_contain(dashed)) return false;
      it = st_.taught_codes.find(dashed);
      if (it == st_.taught_codes.end()) return false;
    }
    Pending p;
    p.begin = i;
    p.end = j;
    p.kind = Kind::kRanked;
    for (const auto& tc : it->second) p.cands.push_back({st_.reading(tc.reading), 0.5, tc.ctx, tc.vendor_id});
    pending_.push_back(std::move(p));
    return true;
  }

  void catalogue_number(size_t i, size_t j) {
    // Deferred until the whole text is read; kept small (no readings yet) and capped, since a
    // large catalogue makes many ordinary numbers candidates.
    if (deferred_ >= kMaxCodeOccurrences) return;
    if (!st_.taught_filter.may_contain(tok(i, j)) || st_.taught_codes.find(tok(i, j)) == st_.taught_codes.end() ||
        unit_follows(j))
      return;
    Pending p;
    p.begin = i;
    p.end = j;
    p.kind = Kind::kCatalogueOnly;
    p.digits = static_cast<uint32_t>(j - i);
    p.set_literal(number_literal(*parse_decimal(tok(i, j))));
    pending_.push_back(std::move(p));
    ++deferred_;
  }

  // ---- results -------------------------------------------------------------------------------
  void add_fixed(size_t b, size_t e, std::vector<CodeInterpretation> readings, Literal literal = {}) {
    Pending p;
    p.begin = b;
    p.end = e;
    p.kind = Kind::kFixed;
    p.fixed = std::move(readings);
    p.set_literal(literal);
    pending_.push_back(std::move(p));
  }

  // A code that used the cue before it: the cue is spent.
  void consume_fixed(size_t b, size_t e, std::vector<CodeInterpretation> readings, Literal literal = {}) {
    add_fixed(b, e, std::move(readings), literal);
    last_.valid = false;
  }

  // The literal reading last, unless a reading already has its canonical (codes.h, literal readings).
  static void add_literal(std::vector<CodeInterpretation>& readings, Literal literal) {
    if (literal.base == 0 || readings.empty()) return;
    CodeInterpretation r = literal.base == 16 ? hex_literal_reading(literal.value)
                                              : number_literal_reading(static_cast<int64_t>(literal.value));
    for (const auto& have : readings)
      if (have.canonical == r.canonical) return;
    readings.reserve(readings.size() + 1);  // exactly: a long text holds many occurrences
    readings.push_back(std::move(r));
  }

  double score(const Candidate& c) const {
    double s = c.prior;
    if (c.affinity & ctx_bits_) s += 0.3;
    if (c.affinity & explicit_bits_) s += 0.5;
    if (is_mentioned(c.vendor_id)) s += 0.3;
    if (is_explicit(c.vendor_id)) s += 0.5;
    return s;
  }

  std::vector<CodeInterpretation> rank(std::vector<Candidate> cands) const {
    std::vector<std::pair<double, size_t>> order;
    for (size_t k = 0; k < cands.size(); ++k) order.emplace_back(score(cands[k]), k);
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<CodeInterpretation> out;
    out.reserve(cands.size() + 1);  // and the literal
    // One reading is certain only when something vouches for it: a table or a catalogue that
    // knows the code ("exit code 137" has one plausible family but nothing that names it).
    const bool certain = cands.size() == 1 && (named_or_explained(cands[0].reading) || cands[0].vendor_id >= 0);
    for (const auto& [s, k] : order) {
      CodeInterpretation r = std::move(cands[k].reading);
      r.certain = certain;
      r.confidence = certain ? std::min(1.0, std::max(r.confidence, 0.6)) : std::min(0.95, s);
      out.push_back(std::move(r));
    }
    return out;
  }

  std::vector<CodeOccurrence> finalize() {
    const uint32_t all_bits = ctx_bits_ | explicit_bits_;
    std::vector<CodeOccurrence> out;
    out.reserve(pending_.size());
    size_t last_end = 0;
    for (auto& p : pending_) {
      if (out.size() >= kMaxCodeOccurrences) break;
      if (p.begin < last_end) continue;  // never overlap an earlier occurrence
      std::vector<CodeInterpretation> readings;
      switch (p.kind) {
        case Kind::kFixed:
          readings = std::move(p.fixed);
          break;
        case Kind::kRanked:
          if (p.generic) add_text_vendors(p);
          readings = rank(std::move(p.cands));
          break;
        case Kind::kCodeCue:
          if (p.weak_code && !(all_bits & (kCtxDevmgr | kCtxDevice)))
            std::erase_if(p.cands, [](const Candidate& c) { return c.reading.family == "devmgr"; });
          if (all_bits & kCtxDevmgr) {
            for (auto& c : p.cands)
              if (c.reading.family == "devmgr") readings.push_back(std::move(c.reading));
          } else {
            add_text_vendors(p);
            readings = rank(std::move(p.cands));
          }
          break;
        case Kind::kShortHex:
          readings = short_hex_readings(p, all_bits);
          break;
        case Kind::kSmtpEnhanced:
          if (all_bits & kCtxSmtp) {
            readings = std::move(p.fixed);
            readings.front().confidence = 0.8;
          }
          break;
        case Kind::kSmtpReplyBare:
          if (all_bits & kCtxSmtp) {
            readings = std::move(p.fixed);
            readings.front().certain = false;
            readings.front().confidence = 0.5;
          }
          break;
        case Kind::kSqlstateBare:
          // PostgreSQL named: any state of an error class; only its words ("duplicate key ...
          // violates"): a state the table knows (23505 unique_violation).
          if ((all_bits & kCtxPostgres) || ((all_bits & kCtxPgHint) && !p.fixed.front().name.empty())) {
            readings = std::move(p.fixed);
            readings.front().certain = false;
            readings.front().confidence = 0.6;
          }
          break;
        case Kind::kCatalogueOnly: {
          // Explicit context admits any taught number; a vendor named in the text admits numbers
          // long enough not to be ordinary quantities, and never a year.
          const std::string_view digits = tok(p.begin, p.end);
          const bool year_like = p.digits == 4 && (digits.substr(0, 2) == "19" || digits.substr(0, 2) == "20");
          if (auto it = st_.taught_codes.find(digits); it != st_.taught_codes.end()) {
            for (const auto& tc : it->second) {
              const bool admitted = is_explicit(tc.vendor_id) || (tc.ctx & explicit_bits_) ||
                                    ((is_mentioned(tc.vendor_id) || (tc.ctx & ctx_bits_ & kCtxEbay)) && p.digits >= 4 &&
                                     !year_like);
              if (admitted) p.cands.push_back({st_.reading(tc.reading), 0.5, tc.ctx, tc.vendor_id});
            }
          }
          std::erase_if(p.cands, [&](const Candidate& c) {
            if (is_explicit(c.vendor_id) || (c.affinity & explicit_bits_)) return false;
            // Named in the text: a catalogue vendor's own namespace, or eBay's long numbers. Not
            // the numeric system families (Win32, errno ...): their catalogues cover nearly every
            // small number, so "Windows ... 1603 products" must not become a code.
            const bool in_text = is_mentioned(c.vendor_id) || (c.affinity & ctx_bits_ & kCtxEbay);
            return !(in_text && p.digits >= 4 && !year_like);
          });
          if (!p.cands.empty()) readings = rank(std::move(p.cands));
          break;
        }
      }
      if (readings.empty()) continue;
      for (auto& r : readings) explain(r);
      add_literal(readings, p.literal());
      CodeOccurrence o;
      o.begin = p.begin;
      o.end = p.end;
      o.raw = std::string(tok(p.begin, p.end));
      o.interpretations = std::move(readings);
      last_end = p.end;
      out.push_back(std::move(o));
    }
    return out;
  }

  // Bug checks are documented up to about 0x35x; higher ones are in the table (0x1000007E, 0xC000021A).
  static constexpr uint32_t kHighestPlainBugcheck = 0x400;
  // Win32 error codes end below 16000 (WinINet's 12xxx included).
  static constexpr uint32_t kHighestWin32 = 15999;

  // The readings of a short hex value once the whole text is read. In a crash context a bug check (when
  // the value can be one); else every plausible reading, ranked: a Win32 code below 16000, a bug check
  // that a table or catalogue names, or any low one written as stop codes are (0x0000009F). Alone (no
  // cue, no padding, no crash) the value must name something, or have three digits or more (0x52E), and
  // not be a mask (0xFFF).
  std::vector<CodeInterpretation> short_hex_readings(Pending& p, uint32_t all_bits) const {
    const uint32_t v = p.value;
    CodeInterpretation bug = bugcheck_reading(v);
    const bool bug_known = named_or_explained(bug);
    if ((all_bits & kCtxCrash) && (bug_known || v <= kHighestPlainBugcheck)) return {std::move(bug)};
    // Eight digits are how stop codes are printed (0x0000007B): then a bug check leads a Win32 code of
    // the same standing.
    bool named = bug_known;
    if (bug_known || (p.padded && v <= kHighestPlainBugcheck))
      p.cands.push_back({std::move(bug), (bug_known ? 0.3 : 0.15) + (p.padded ? 0.25 : 0), kCtxCrash, -1});
    if (v <= kHighestWin32) {
      CodeInterpretation win32 = win32_reading(v);
      const bool known = named_or_explained(win32);
      named = named || known;
      p.cands.push_back({std::move(win32), known ? 0.5 : 0.35, kCtxWindows, -1});
    }
    if (p.cued) return rank(std::move(p.cands));
    const bool mask = ((v + 1) & v) == 0;  // 0xFF, 0xFFFF
    if (!named && (v < 0x100 || mask)) return {};
    auto readings = rank(std::move(p.cands));
    for (auto& r : readings) {  // nothing but the spelling says it is a code
      r.certain = false;
      r.confidence = std::min(r.confidence, 0.6);
    }
    return readings;
  }

  // "error 240" in a text about eBay: the vendors the text names are readings too (a catalogue
  // that knows the number has added its reading already). A guessed "code:N" gives way to them.
  void add_text_vendors(Pending& p) const {
    const std::string_view digits = tok(p.number_begin, p.number_begin + count_digits(p.number_begin));
    if (digits.size() < 2) return;
    auto have = [&](std::string_view canonical) {
      for (const auto& c : p.cands)
        if (c.reading.canonical == canonical) return true;
      return false;
    };
    std::vector<Candidate> extra;
    if (((ctx_bits_ | explicit_bits_) & kCtxSmtp) && digits.size() == 3 && smtp_reply_value(*parse_decimal(digits)) &&
        !have("smtp:" + std::string(digits)))
      extra.push_back({smtp_reply_reading(*parse_decimal(digits)), 0.35, kCtxSmtp, -1});
    // "decline code 05" among card payment words: an ISO 8583 response code (written with two digits).
    if (((ctx_bits_ | explicit_bits_) & kCtxPayment) && digits.size() == 2 && !have("iso8583:" + std::string(digits)))
      extra.push_back({iso8583_reading(digits), 0.35, kCtxPayment, -1});
    if ((ctx_bits_ & kCtxEbay) && !have("ebay:" + std::string(digits)))
      extra.push_back({ebay_reading(digits), 0.3, kCtxEbay, -1});
    // "Error 208" on a SQL Server page is the "Msg 208" of its output (message numbers run to 49999).
    if (((ctx_bits_ | explicit_bits_) & kCtxMssql) && digits.size() <= 5 && !have("mssql:" + std::string(digits)))
      extra.push_back({mssql_reading(*parse_decimal(digits)), 0.35, kCtxMssql, -1});
    for (int32_t vid : mentioned_) {
      const std::string& key = st_.vendor_keys[vid];
      if (system_vendor(key)) continue;
      CodeInterpretation r = vendor_reading(key, digits);
      if (!have(r.canonical)) extra.push_back({std::move(r), 0.3, 0, vid});
    }
    if (extra.empty()) return;
    std::erase_if(p.cands, [](const Candidate& c) { return c.reading.canonical.starts_with("code:"); });
    for (auto& c : extra) p.cands.push_back(std::move(c));
  }

  size_t count_digits(size_t i) const {
    size_t k = i;
    while (k < text_.size() && (cls(text_[k]) & kDigit)) ++k;
    return k - i;
  }

  // "curl: (7)", "SQLite error (5)": the closing parenthesis belongs to the code as written.
  size_t close_paren(size_t cue_end, size_t number_begin, size_t number_end) const {
    if (number_end < text_.size() && text_[number_end] == ')' && gap_has(cue_end, number_begin, '('))
      return number_end + 1;
    return number_end;
  }

  // A table or a catalogue gives the reading a name or a meaning (taught readings keep their
  // catalogue message in taught_info only).
  bool named_or_explained(const CodeInterpretation& r) const {
    if (!r.name.empty() || !r.message.empty()) return true;
    auto it = st_.taught_info.find(r.canonical);
    return it != st_.taught_info.end() && !it->second.second.empty();
  }

  void explain(CodeInterpretation& r) const {
    if (st_.taught_info.empty() || (!r.name.empty() && !r.message.empty())) return;
    auto it = st_.taught_info.find(r.canonical);
    if (it == st_.taught_info.end()) return;
    if (r.name.empty()) r.name = it->second.first;
    if (r.message.empty()) r.message = it->second.second;
  }

  // Vendor code patterns from catalogues (RE2: linear time whatever the pattern).
  void merge_vendor_patterns(std::vector<CodeOccurrence>& out) {
    std::vector<CodeOccurrence> found;
    const size_t n = text_.size();
    for (const auto& vp : st_.patterns) {
      re2::StringPiece input(text_.data(), n);
      re2::StringPiece m;
      size_t pos = 0;
      while (pos <= n && found.size() < kMaxCodeOccurrences && vp.re->Match(input, pos, n, RE2::UNANCHORED, &m, 1)) {
        const size_t b = static_cast<size_t>(m.data() - text_.data());
        const size_t e = b + m.size();
        pos = m.empty() ? e + 1 : e;
        if (m.empty()) continue;
        if ((b > 0 && is_alnum(text_[b - 1])) || (e < n && is_alnum(text_[e]))) continue;
        CodeOccurrence o;
        o.begin = b;
        o.end = e;
        o.raw = std::string(tok(b, e));
        o.interpretations = catalogue_readings(vp.vendor_key, o.raw, {});
        for (auto& r : o.interpretations) explain(r);
        found.push_back(std::move(o));
      }
    }
    if (found.empty()) return;
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
    for (auto& v : found) {
      auto lo = std::lower_bound(out.begin(), out.end(), v.begin,
                                 [](const CodeOccurrence& o, size_t pos) { return o.end <= pos; });
      auto hi = lo;
      while (hi != out.end() && hi->begin < v.end) ++hi;
      if (lo == hi) {
        out.insert(lo, std::move(v));
        continue;
      }
      bool inside = true;
      for (auto it = lo; it != hi; ++it) inside = inside && it->begin >= v.begin && it->end <= v.end;
      if (!inside) continue;  // a longer built-in reading wins over a partial vendor match
      for (auto it = lo; it != hi; ++it) {
        for (auto& r : it->interpretations) {
          bool dup = false;
          for (const auto& have : v.interpretations) dup = dup || have.canonical == r.canonical;
          if (!dup) v.interpretations.push_back(std::move(r));
        }
      }
      auto at = out.erase(lo, hi);
      out.insert(at, std::move(v));
    }
  }

  const GrammarState& st_;
  std::string_view text_;
  std::vector<Pending> pending_;
  Mark last_;
  size_t skip_until_ = 0;
  std::string phrase_key_;  // phrase()'s lookup key, kept to reuse its buffer
  size_t deferred_ = 0;  // pendings that only the whole text's context can admit
  size_t expect_sqlstate_at_ = static_cast<size_t>(-1);
  size_t expect_smtp_at_ = static_cast<size_t>(-1);  // "5.7.1" right after a reply code
  bool in_compound_ = false;
  uint32_t ctx_bits_ = 0;       // from words in the text
  uint32_t explicit_bits_ = 0;  // from the caller's CodeContext
  std::vector<int32_t> mentioned_;
  std::vector<int32_t> explicit_vendors_;
};

}  // namespace

std::vector<CodeOccurrence> scan(const GrammarState& st, std::string_view text, const CodeContext& ctx) {
  return Scanner(st, text, ctx).run();
}

}  // namespace errkb::codes
