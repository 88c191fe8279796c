// Decimal numbers: after a cue ("error 5", "HTTP 503", "ERROR 1045 (28000)"), alone when their
// spelling or the words after them say so (-2147024891, "503 Service Unavailable"), SQLSTATEs, and bare
// numbers equal to a taught catalogue code.
#include <optional>
#include <utility>

#include "codes/scanner/scanner.h"
#include "codes/tables.h"

namespace errkb::codes::scanner {

namespace {

// Words after a number that make it a quantity, not a code ("500 MB", "5 times", "30 lei").
bool is_unit(std::string_view w) {
  static constexpr std::string_view kUnits[] = {
      "b",       "kb",       "mb",    "gb",      "tb",     "kib",     "mib",      "gib",        "bytes",
      "byte",    "ms",       "s",     "sec",     "secs",   "second",  "seconds",  "min",        "mins",
      "minute",  "minutes",  "h",     "hr",      "hrs",    "hour",    "hours",    "day",        "days",
      "week",    "weeks",    "month", "months",  "year",   "years",   "times",    "percent",    "eur",
      "euro",    "euros",    "usd",   "dollars", "gbp",    "ron",     "lei",      "rub",        "px",
      "mhz",     "ghz",      "fps",   "rpm",     "users",  "items",   "rows",     "records",    "kg",
      "km",      "cm",       "mm",    "m",       "minuti", "secondi", "ore",      "giorni",     "minute",
      "secunde", "zile",     "€",     "$",       "emails", "mails",   "messages", "recipients", "subscribers",
      "mesaje",  "messaggi",
  };
  if (w.empty() || w.size() > 12) return false;
  char buf[12];
  for (size_t i = 0; i < w.size(); ++i) buf[i] = fold(w[i]);
  std::string_view f(buf, w.size());
  for (auto u : kUnits)
    if (u == f) return true;
  // Cyrillic units: "руб", "МБ", "ГБ", "раз".
  static constexpr std::string_view kCyrillic[] = {"руб", "рублей", "МБ",  "ГБ", "Мб",
                                                   "Гб",  "раз",    "сек", "мин"};
  for (auto u : kCyrillic)
    if (u == w) return true;
  return false;
}

// Classes of SQLSTATEs that people quote bare from PostgreSQL errors.
bool sqlstate_error_class(std::string_view d) {
  static constexpr std::string_view kClasses[] = {"08", "22", "23", "25", "28", "40",
                                                  "42", "53", "54", "55", "57", "58"};
  for (auto c : kClasses)
    if (d.substr(0, 2) == c) return true;
  return false;
}

// Whether a database's own table lists `value` (false for any other vendor).
bool database_lists(VendorFamily vendor, int64_t value) {
  switch (vendor) {
    case kVendorMysql:
      return find_value(mysql_codes(), value) != nullptr;
    case kVendorOracle:
      return find_value(oracle_codes(), value) != nullptr;
    case kVendorMssql:
      return find_value(mssql_codes(), value) != nullptr;
    case kVendorSqlite:
      return find_value(sqlite_codes(), value) != nullptr;
    default:
      return false;
  }
}

}  // namespace

void Scanner::decimal(size_t i, size_t j) {
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
  if (j + 1 < n && (text_[j] == ',' || text_[j] == ':' || text_[j] == '/') && (cls(text_[j + 1]) & kDigit))
    return;
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
  if (len == 3 && digits[0] >= '4' && deferred_ < kMaxCodeOccurrences && smtp_reply_known(value) &&
      !unit_follows(j))
    defer_fixed(i, j, Kind::kSmtpReplyBare, smtp_reply_reading(value), number_literal(value));
  // "23505" among PostgreSQL words: a SQLSTATE, decided once the whole text is read.
  if (len == 5 && deferred_ < kMaxCodeOccurrences && sqlstate_error_class(digits) && !unit_follows(j)) {
    if (auto r = sqlstate_reading(digits)) defer_fixed(i, j, Kind::kSqlstateBare, std::move(*r));
  }
  if (st_.has_taught_codes()) catalogue_number(i, j);
}

void Scanner::catalogue_number(size_t i, size_t j) {
  // Deferred until the whole text is read; kept small (no readings yet) and capped, since a
  // large catalogue makes many ordinary numbers candidates.
  if (deferred_ >= kMaxCodeOccurrences) return;
  if (st_.taught_codes_of(tok(i, j)).empty() || unit_follows(j)) return;
  Pending p;
  p.begin = i;
  p.end = j;
  p.kind = Kind::kCatalogueOnly;
  p.digits = static_cast<uint32_t>(j - i);
  p.set_literal(number_literal(*parse_decimal(tok(i, j))));
  pending_.push_back(std::move(p));
  ++deferred_;
}

const Mark* Scanner::cue_before(size_t i) const {
  if (!last_.valid || i < last_.end || i - last_.end > 6) return nullptr;
  for (size_t k = last_.end; k < i; ++k) {
    switch (text_[k]) {
      case ' ':
      case '\t':
      case ':':
      case '#':
      case '=':
      case '(':
      case '[':
      case '"':
      case '\'':
      case '>':
        break;
      default:
        return nullptr;
    }
  }
  return &last_;
}

bool Scanner::gap_has(size_t from, size_t to, char c) const {
  for (size_t k = from; k < to; ++k)
    if (text_[k] == c) return true;
  return false;
}

// "curl: (7)", "SQLite error (5)": the closing parenthesis belongs to the code as written.
size_t Scanner::close_paren(size_t cue_end, size_t number_begin, size_t number_end) const {
  if (number_end < text_.size() && text_[number_end] == ')' && gap_has(cue_end, number_begin, '('))
    return number_end + 1;
  return number_end;
}

size_t Scanner::count_digits(size_t i) const {
  size_t k = i;
  while (k < text_.size() && (cls(text_[k]) & kDigit)) ++k;
  return k - i;
}

bool Scanner::unit_follows(size_t j) const {
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
bool Scanner::cued_number(const Mark& cue, size_t i, size_t j, int64_t value) {
  std::string_view digits = tok(i, j);
  const size_t b = cue.begin;
  const Literal literal = number_literal(value);
  if (digits.size() == 3 && smtp_reply_value(value) &&
      (cue.vendor == kVendorSmtp || (cue.part == kPartReplied && (ctx_bits_ & kCtxSmtp)))) {
    // "SMTP 550", "SMTP error 550", "the mail server replied 550"
    consume_fixed(cue.vendor == kVendorSmtp ? b : i, close_paren(cue.end, i, j), {smtp_reply_reading(value)},
                  literal);
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
  if (cue.cue == kCueNone || cue.cue == kCueWarning) return vendor_cued_number(cue, i, j, value);
  if (unit_follows(j)) return true;
  if (value == 0) return true;  // "error 0", "exit code 0": success, not an error code
  const size_t end = close_paren(cue.end, i, j);
  if (cue.vendor != kVendorNone && cue.cue != kCueStop && cue.cue != kCueErrno) {
    if (auto r = vendor_number(cue, value, digits)) {
      consume_fixed(b, end, {std::move(*r)}, cue.vendor == kVendorPostgres ? Literal{} : literal);
      return true;
    }
  }
  if (const std::optional<bool> handled = family_cued_number(cue, i, j, end, value)) return *handled;
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
  rank_cued_number(cue, i, j, end, value);
  return true;
}

// After a vendor's name or a warning, without an error cue: only curl's "(7)" and a number a database's
// own table lists are codes.
bool Scanner::vendor_cued_number(const Mark& cue, size_t i, size_t j, int64_t value) {
  std::string_view digits = tok(i, j);
  const size_t b = cue.begin;
  const Literal literal = number_literal(value);
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

// A number after a cue word of one family ("HTTP 503", "errno 13", "STOP 7B", "Msg 208", "Event ID 1000",
// "Code 43"): whether the family handled it, or nullopt when the number is read as after any error cue.
std::optional<bool> Scanner::family_cued_number(const Mark& cue, size_t i, size_t j, size_t end,
                                                int64_t value) {
  std::string_view digits = tok(i, j);
  const size_t b = cue.begin;
  const Literal literal = number_literal(value);
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
  return std::nullopt;
}

// A number after any other error-like cue: its plausible readings, ranked once the whole text is read.
void Scanner::rank_cued_number(const Mark& cue, size_t i, size_t j, size_t end, int64_t value) {
  std::string_view digits = tok(i, j);
  const size_t b = cue.begin;
  const Literal literal = number_literal(value);
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
}

CodeInterpretation Scanner::error_tag_reading(std::string_view digits) const {
  // <ErrorCode> is the element of eBay's API responses; another explicit catalogue vendor wins.
  if (!(explicit_bits_ & kCtxEbay)) {
    for (int32_t vid : explicit_vendors_)
      if (!system_vendor(st_.vendor_keys[vid])) return vendor_reading(st_.vendor_keys[vid], digits);
  }
  return ebay_reading(digits);
}

std::optional<CodeInterpretation> Scanner::vendor_number(const Mark& cue, int64_t value,
                                                         std::string_view digits) const {
  switch (cue.vendor) {
    case kVendorWindows:
      if (value <= 0xFFFF) return win32_reading(value);
      return std::nullopt;
    case kVendorErrno:
      if (value <= kMaxErrno) return errno_reading(value);
      return std::nullopt;
    case kVendorCurl:
      return curl_reading(value);
    case kVendorSqlite:
      return sqlite_reading(value);
    case kVendorMysql:
      return mysql_reading(value);
    case kVendorOracle:
      return oracle_reading("ora", value);
    case kVendorMssql:
      return mssql_reading(value);
    case kVendorPostgres:
      if (digits.size() == 5) return sqlstate_reading(digits);
      return std::nullopt;
    case kVendorEbay:
      return ebay_reading(digits);
    case kVendorSmtp:
      if (smtp_reply_value(value)) return smtp_reply_reading(value);
      return std::nullopt;
    case kVendorHttp:
      if (value >= 100 && value <= 599) return http_reading(value);
      return std::nullopt;
    case kVendorCatalogue: {
      if (cue.catalogue_vendor < 0) return std::nullopt;
      for (const auto& t : st_.taught_codes_of(digits))
        if (t.vendor_id == cue.catalogue_vendor) return st_.reading(t.reading);
      return vendor_reading(st_.vendor_keys[cue.catalogue_vendor], digits);
    }
    default:
      return std::nullopt;
  }
}

std::vector<Candidate> Scanner::generic_candidates(int64_t value, std::string_view digits,
                                                   bool code_cue) const {
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
  if (value >= 1 && value <= 99)
    add(curl_reading(value), find_value(curl_codes(), value) ? 0.35 : 0.15, kCtxCurl);
  if (find_value(sqlite_codes(), value)) add(sqlite_reading(value), 0.3, kCtxSqlite);
  // HTTP: the registered statuses, or an unregistered one in a class that has them (2xx-5xx, x00-x59).
  if (find_value(http_statuses(), value))
    add(http_reading(value), 0.4, kCtxHttp);
  else if (value >= 200 && value <= 599 && value % 100 < 60)
    add(http_reading(value), 0.2, kCtxHttp);
  if (value >= 1000 && value <= 4999)
    add(mysql_reading(value), find_value(mysql_codes(), value) ? 0.4 : 0.2, kCtxMysql);
  if (find_value(mssql_codes(), value)) add(mssql_reading(value), 0.3, kCtxMssql);
  if (code_cue && find_value(devmgr_codes(), value)) add(devmgr_reading(value), 0.3, kCtxDevmgr | kCtxDevice);
  if (digits.size() == 5) {
    if (auto r = sqlstate_reading(digits)) add(std::move(*r), 0.25, kCtxPostgres | kCtxMysql);
  }
  // A catalogue confirms a built-in reading (raised by add) or proposes its own namespace,
  // which context words then have to support ("error 17" is not eBay's unless eBay is near).
  for (const auto& t : st_.taught_codes_of(digits)) add(st_.reading(t.reading), 0.2, t.ctx, t.vendor_id);
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

bool Scanner::mysql_state_follows(size_t j) {
  size_t k = j;
  if (k < text_.size() && text_[k] == ' ') ++k;
  if (k + 7 > text_.size() || text_[k] != '(' || text_[k + 6] != ')') return false;
  std::string_view state = text_.substr(k + 1, 5);
  if (!all_of_class(state, kDigit | kUpper) || !valid_sqlstate_class(state.substr(0, 2))) return false;
  expect_sqlstate_at_ = k + 1;
  return true;
}

bool Scanner::http_reason_follows(size_t j, int64_t value) const {
  if (value < 100 || value > 599 || j >= text_.size() || text_[j] != ' ') return false;
  const NamedValue* s = find_value(http_statuses(), value);
  if (!s) return false;
  const size_t k = j + 1;
  if (k + s->name.size() > text_.size() || !iequals(text_.substr(k, s->name.size()), s->name)) return false;
  const size_t e = k + s->name.size();
  return e == text_.size() || !(cls(text_[e]) & kWord);
}

bool Scanner::sqlstate_token(size_t i, size_t j) {
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

}  // namespace errkb::codes::scanner
