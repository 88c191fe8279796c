#include "codes/readings.h"

#include <charconv>

#include "codes/tables.h"

namespace errkb::codes {
namespace {

CodeInterpretation make(std::string family, std::string ns, std::string canonical) {
  CodeInterpretation r;
  r.family = std::move(family);
  r.ns = std::move(ns);
  r.canonical = std::move(canonical);
  return r;
}

void fill_from(CodeInterpretation& r, const NamedValue* fact) {
  if (!fact) return;
  r.name = std::string(fact->name);
  r.message = std::string(fact->message.empty() ? fact->name : fact->message);
}

const NamedValue* facility_of(uint32_t facility) { return find_value(hresult_facilities(), facility); }

// A numbered code whose name and message come from one built-in table ("curl:7" -> CURLE_COULDNT_CONNECT).
CodeInterpretation table_reading(std::string family, std::string ns, std::string canonical, int64_t value,
                                 std::span<const NamedValue> table) {
  CodeInterpretation r = make(std::move(family), std::move(ns), std::move(canonical));
  r.value = value;
  fill_from(r, find_value(table, value));
  return r;
}

}  // namespace

uint32_t family_context(std::string_view family) {
  if (family == "hresult" || family == "win32" || family == "ntstatus") return kCtxWindows;
  if (family == "bugcheck") return kCtxCrash | kCtxWindows;
  if (family == "event") return kCtxWindows;
  if (family == "devmgr") return kCtxDevmgr | kCtxWindows;
  if (family == "errno") return kCtxLinux;
  if (family == "curl") return kCtxCurl;
  if (family == "sqlite") return kCtxSqlite;
  if (family == "http") return kCtxHttp;
  if (family == "mysql") return kCtxMysql;
  if (family == "oracle") return kCtxOracle;
  if (family == "mssql") return kCtxMssql;
  if (family == "sqlstate") return kCtxPostgres | kCtxMysql;
  if (family == "ebay") return kCtxEbay;
  if (family == "smtp") return kCtxSmtp;
  if (family == "iso8583") return kCtxPayment;
  return 0;
}

std::string hex_lower(uint64_t value, int min_digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[value & 0xF]);
    value >>= 4;
  } while (value != 0);
  while (static_cast<int>(out.size()) < min_digits) out.insert(out.begin(), '0');
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string vendor_key(std::string_view vendor) {
  std::string out;
  for (char c : vendor) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

std::optional<int64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<uint64_t> parse_hex(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  while (!s.empty() && (s.back() == 'L' || s.back() == 'l' || s.back() == 'h' || s.back() == 'H' ||
                        s.back() == 'u' || s.back() == 'U'))
    s.remove_suffix(1);
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

CodeInterpretation hresult_reading(uint32_t value) {
  CodeInterpretation r = make("hresult", "windows", "hresult:" + hex_lower(value, 8));
  r.value = value;
  fill_from(r, find_value(hresult_names(), value));
  const uint32_t facility = (value >> 16) & 0x1FFF;
  r.parts.emplace_back("severity", (value & 0x80000000u) ? "failure" : "success");
  r.parts.emplace_back("facility", std::to_string(facility));
  if (const NamedValue* f = facility_of(facility))
    r.parts.emplace_back("facility_name", std::string(f->name));
  r.parts.emplace_back("code", std::to_string(value & 0xFFFF));
  if (facility == 7 && (value & 0x80000000u)) {
    r.parts.emplace_back("win32", std::to_string(value & 0xFFFF));
    if (r.message.empty()) {
      if (const NamedValue* w = find_value(win32_names(), value & 0xFFFF))
        r.message = std::string(w->message);
    }
  }
  if (value & 0x10000000u) r.parts.emplace_back("ntstatus", "0x" + hex_lower(value & ~0x10000000u, 8));
  return r;
}

CodeInterpretation win32_reading(int64_t value) {
  return table_reading("win32", "windows", "win32:" + std::to_string(value), value, win32_names());
}

CodeInterpretation ntstatus_reading(uint32_t value) {
  CodeInterpretation r = make("ntstatus", "windows", "ntstatus:" + hex_lower(value, 8));
  r.value = value;
  fill_from(r, find_value(ntstatus_names(), value));
  static constexpr const char* kSeverity[] = {"success", "informational", "warning", "error"};
  r.parts.emplace_back("severity", kSeverity[value >> 30]);
  r.parts.emplace_back("facility", std::to_string((value >> 16) & 0xFFF));
  r.parts.emplace_back("code", std::to_string(value & 0xFFFF));
  return r;
}

CodeInterpretation bugcheck_reading(uint32_t value) {
  return table_reading("bugcheck", "windows", "bugcheck:" + hex_lower(value, 1), value, bugcheck_names());
}

CodeInterpretation devmgr_reading(int64_t value) {
  return table_reading("devmgr", "windows", "devmgr:" + std::to_string(value), value, devmgr_codes());
}

CodeInterpretation errno_reading(int64_t value) {
  CodeInterpretation r = make("errno", "linux", "errno:" + std::to_string(value));
  r.value = value;
  if (value > 0 && value <= kMaxErrno) {
    r.name = std::string(errno_name(static_cast<int>(value)));
    r.message = std::string(errno_message(static_cast<int>(value)));
  }
  return r;
}

bool smtp_reply_value(int64_t value) {
  // RFC 5321: first digit 2-5, second digit 0-5 (syntax, information, connections, -, auth, mail system).
  return value >= 200 && value <= 559 && (value / 10) % 10 <= 5;
}

namespace {
constexpr NamedValue kSmtpReplies[] = {
    {211, "", "System status"},
    {214, "", "Help message"},
    {220, "", "Service ready"},
    {221, "", "Service closing transmission channel"},
    {235, "", "Authentication successful"},
    {250, "", "Requested mail action okay, completed"},
    {251, "", "User not local; will forward"},
    {252, "", "Cannot verify user, but will accept message"},
    {334, "", "Server challenge"},
    {354, "", "Start mail input"},
    {421, "", "Service not available, closing transmission channel"},
    {450, "", "Mailbox unavailable"},
    {451, "", "Local error in processing"},
    {452, "", "Insufficient system storage"},
    {454, "", "Temporary authentication failure"},
    {455, "", "Server unable to accommodate parameters"},
    {500, "", "Syntax error, command unrecognized"},
    {501, "", "Syntax error in parameters or arguments"},
    {502, "", "Command not implemented"},
    {503, "", "Bad sequence of commands"},
    {504, "", "Command parameter not implemented"},
    {530, "", "Authentication required"},
    {534, "", "Authentication mechanism is too weak"},
    {535, "", "Authentication credentials invalid"},
    {550, "", "Mailbox unavailable or message rejected"},
    {551, "", "User not local"},
    {552, "", "Exceeded storage allocation"},
    {553, "", "Mailbox name not allowed"},
    {554, "", "Transaction failed"},
    {555, "", "MAIL FROM/RCPT TO parameters not recognized"},
};
struct SmtpEnhanced {
  std::string_view code;  // subject.detail
  std::string_view message;
};
constexpr SmtpEnhanced kSmtpEnhanced[] = {
    {"0.0", "Other undefined status"},
    {"1.1", "Bad destination mailbox address"},
    {"1.2", "Bad destination system address"},
    {"1.10", "Recipient address has null MX"},
    {"2.1", "Mailbox disabled, not accepting messages"},
    {"2.2", "Mailbox full"},
    {"3.4", "Message too big for system"},
    {"4.1", "No answer from host"},
    {"4.4", "Unable to route"},
    {"4.7", "Delivery time expired"},
    {"5.1", "Invalid command"},
    {"7.0", "Other or undefined security status"},
    {"7.1", "Delivery not authorized, message refused"},
    {"7.8", "Authentication credentials invalid"},
    {"7.9", "Authentication mechanism is too weak"},
    {"7.23", "SPF validation failed"},
    {"7.25", "Reverse DNS validation failed"},
    {"7.26", "Multiple authentication checks failed"},
    {"7.27", "Sender address has null MX"},
};
}  // namespace

bool smtp_reply_known(int64_t value) { return find_value(kSmtpReplies, value) != nullptr; }

CodeInterpretation smtp_reply_reading(int64_t value) {
  CodeInterpretation r = make("smtp", "smtp", "smtp:" + std::to_string(value));
  r.value = value;
  if (const NamedValue* s = find_value(kSmtpReplies, value)) r.message = std::string(s->message);
  const char* klass = value < 300   ? "success"
                      : value < 400 ? "intermediate"
                      : value < 500 ? "transient failure"
                                    : "permanent failure";
  r.parts.emplace_back("class", klass);
  return r;
}

std::optional<CodeInterpretation> smtp_enhanced_reading(std::string_view code) {
  // class.subject.detail
  const size_t d1 = code.find('.');
  if (d1 != 1) return std::nullopt;
  const size_t d2 = code.find('.', 2);
  if (d2 != 3) return std::nullopt;
  const char klass = code[0], subject = code[2];
  std::string_view detail = code.substr(4);
  if (klass != '2' && klass != '4' && klass != '5') return std::nullopt;
  if (subject < '0' || subject > '7') return std::nullopt;
  if (detail.empty() || detail.size() > 3) return std::nullopt;
  for (char c : detail)
    if (c < '0' || c > '9') return std::nullopt;
  const std::string det = std::to_string(*parse_decimal(detail));
  const std::string sd = std::string(1, subject) + "." + det;
  CodeInterpretation r = make("smtp", "smtp", "smtp:" + std::string(1, klass) + "." + sd);
  for (const auto& e : kSmtpEnhanced)
    if (e.code == sd) r.message = std::string(e.message);
  r.parts.emplace_back("class", klass == '2'   ? "success"
                                : klass == '4' ? "persistent transient failure"
                                               : "permanent failure");
  r.parts.emplace_back("subject", std::string(1, subject));
  r.parts.emplace_back("detail", det);
  return r;
}

CodeInterpretation iso8583_reading(std::string_view two_digits) {
  static constexpr std::pair<std::string_view, std::string_view> kResponses[] = {
      {"00", "Approved"},
      {"01", "Refer to card issuer"},
      {"04", "Pick up card"},
      {"05", "Do not honor"},
      {"12", "Invalid transaction"},
      {"13", "Invalid amount"},
      {"14", "Invalid card number"},
      {"41", "Lost card"},
      {"43", "Stolen card"},
      {"51", "Insufficient funds"},
      {"54", "Expired card"},
      {"57", "Transaction not permitted to cardholder"},
      {"61", "Exceeds withdrawal amount limit"},
      {"62", "Restricted card"},
      {"65", "Exceeds withdrawal frequency limit"},
      {"91", "Issuer or switch inoperative"},
  };
  CodeInterpretation r = make("iso8583", "iso8583", "iso8583:" + std::string(two_digits));
  r.value = parse_decimal(two_digits);
  for (const auto& [code, message] : kResponses)
    if (code == two_digits) r.message = std::string(message);
  return r;
}

CodeInterpretation http_reading(int64_t value) {
  CodeInterpretation r = make("http", "http", "http:" + std::to_string(value));
  r.value = value;
  if (const NamedValue* s = find_value(http_statuses(), value)) {
    r.name = std::string(s->name);
    r.message = std::string(s->name);
  }
  const char* klass = value < 200   ? "informational"
                      : value < 300 ? "success"
                      : value < 400 ? "redirection"
                      : value < 500 ? "client error"
                                    : "server error";
  r.parts.emplace_back("class", klass);
  return r;
}

CodeInterpretation curl_reading(int64_t value) {
  return table_reading("curl", "curl", "curl:" + std::to_string(value), value, curl_codes());
}

CodeInterpretation sqlite_reading(int64_t value) {
  CodeInterpretation r = make("sqlite", "sqlite", "sqlite:" + std::to_string(value));
  r.value = value;
  fill_from(r, find_value(sqlite_codes(), value));
  if (value > 255) {
    r.parts.emplace_back("primary", std::to_string(value & 0xFF));
    if (r.message.empty() || r.message == r.name) {
      if (const NamedValue* p = find_value(sqlite_codes(), value & 0xFF)) r.message = std::string(p->message);
    }
  }
  return r;
}

CodeInterpretation mysql_reading(int64_t value) {
  return table_reading("mysql", "mysql", "mysql:" + std::to_string(value), value, mysql_codes());
}

CodeInterpretation mssql_reading(int64_t value) {
  CodeInterpretation r = make("mssql", "sqlserver", "mssql:" + std::to_string(value));
  r.value = value;
  if (const NamedValue* m = find_value(mssql_codes(), value)) r.message = std::string(m->message);
  return r;
}

CodeInterpretation oracle_reading(std::string_view prefix, int64_t value) {
  std::string p = ascii_lower(prefix);
  CodeInterpretation r = make("oracle", "oracle", p + ":" + std::to_string(value));
  r.value = value;
  std::string digits = std::to_string(value);
  if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
  std::string upper = p;
  for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
  r.name = upper + "-" + digits;
  if (p == "ora" || p == "tns") {
    if (const NamedValue* m = find_value(oracle_codes(), value)) r.message = std::string(m->message);
  }
  return r;
}

namespace {
const SqlstateFact* find_sqlstate_class(std::string_view two) {
  for (const auto& c : sqlstate_classes())
    if (c.code == two) return &c;
  return nullptr;
}
}  // namespace

bool valid_sqlstate_class(std::string_view two) { return find_sqlstate_class(two) != nullptr; }

std::optional<CodeInterpretation> sqlstate_reading(std::string_view code) {
  if (code.size() != 5) return std::nullopt;
  std::string upper(code);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return std::nullopt;
  }
  std::string_view klass = std::string_view(upper).substr(0, 2);
  const SqlstateFact* class_fact = find_sqlstate_class(klass);
  if (!class_fact) return std::nullopt;
  CodeInterpretation r = make("sqlstate", "sql", "sqlstate:" + ascii_lower(upper));
  r.parts.emplace_back("class", std::string(klass));
  r.parts.emplace_back("class_message", std::string(class_fact->message));
  r.message = std::string(class_fact->message);
  for (const auto& c : sqlstate_codes()) {
    if (c.code == upper) {
      r.name = std::string(c.name);
      r.message = std::string(c.message);
    }
  }
  return r;
}

CodeInterpretation ebay_reading(std::string_view digits) {
  CodeInterpretation r = make("ebay", "ebay", "ebay:" + std::string(digits));
  r.value = parse_decimal(digits);
  return r;
}

CodeInterpretation kb_reading(std::string_view digits) {
  CodeInterpretation r = make("kb", "microsoft", "kb:" + std::string(digits));
  r.value = parse_decimal(digits);
  r.name = "KB" + std::string(digits);
  return r;
}

CodeInterpretation http_substatus_reading(int64_t status, int64_t substatus) {
  CodeInterpretation r =
      make("http", "http", "http:" + std::to_string(status) + "." + std::to_string(substatus));
  r.value = status;
  if (const NamedValue* s = find_value(http_statuses(), status)) r.name = std::string(s->name);
  if (const NamedValue* m = find_value(iis_substatuses(), status * 1000 + substatus))
    r.message = std::string(m->message);
  else
    r.message = r.name;
  r.parts.emplace_back("status", std::to_string(status));
  r.parts.emplace_back("substatus", std::to_string(substatus));
  return r;
}

CodeInterpretation event_reading(int64_t value) {
  CodeInterpretation r = make("event", "windows", "event:" + std::to_string(value));
  r.value = value;
  return r;
}

namespace {
CodeInterpretation literal(std::string canonical, int64_t value) {
  CodeInterpretation r = make("literal", "", std::move(canonical));
  r.value = value;
  r.certain = false;
  r.confidence = kLiteralConfidence;
  return r;
}
}  // namespace

CodeInterpretation hex_literal_reading(uint64_t value) {
  return literal("hex:" + hex_lower(value, 1), static_cast<int64_t>(value));
}

CodeInterpretation number_literal_reading(int64_t value) {
  return literal("num:" + std::to_string(value), value);
}

CodeInterpretation vendor_reading(std::string_view vkey, std::string_view code) {
  std::string body = vendor_key(code);
  CodeInterpretation r = make("vendor", std::string(vkey), std::string(vkey) + ":" + body);
  r.value = parse_decimal(body);
  return r;
}

CodeInterpretation symbol_reading(std::string_view name) {
  CodeInterpretation r = make("symbol", "", "symbol:" + ascii_lower(name));
  r.name = std::string(name);
  return r;
}

CodeInterpretation exception_reading(std::string_view name, bool full_name) {
  CodeInterpretation r = make("exception", "", "exception:" + ascii_lower(name));
  r.name = std::string(name);
  if (!full_name) r.confidence = 0.7;
  return r;
}

bool plausible_bare_windows_value(uint32_t value, bool all_decimal_digits) {
  const uint32_t top = value >> 28;
  if (top != 0x8 && top != 0xC) return false;
  const uint32_t facility = top == 0x8 ? (value >> 16) & 0x1FFF : (value >> 16) & 0xFFF;
  if (!find_value(hresult_facilities(), facility)) return false;
  if (all_decimal_digits && (value & 0xFFFF) == 0) return false;
  return true;
}

std::vector<CodeInterpretation> windows_value_readings(uint32_t value) {
  std::vector<CodeInterpretation> out;
  out.reserve(3);  // usually two readings, and the literal the scanner adds
  const uint32_t top = value >> 28;
  if (top == 0xC) {
    // NTSTATUS error; with a non-zero facility it may also be an HRESULT (0xC00D36B4, Media Foundation).
    out.push_back(ntstatus_reading(value));
    const uint32_t facility = (value >> 16) & 0xFFF;
    if (facility != 0) {
      CodeInterpretation h = hresult_reading(value);
      const bool hresult_first = find_value(hresult_facilities(), (value >> 16) & 0x1FFF) != nullptr &&
                                 !find_value(ntstatus_names(), value);
      out[0].certain = false;
      h.certain = false;
      out[0].confidence = hresult_first ? 0.4 : 0.6;
      h.confidence = hresult_first ? 0.6 : 0.4;
      if (hresult_first)
        out.insert(out.begin(), std::move(h));
      else
        out.push_back(std::move(h));
    }
    return out;
  }
  if (top == 0x4) {
    out.push_back(ntstatus_reading(value));
    return out;
  }
  if (value & 0x80000000u) {
    out.push_back(hresult_reading(value));
    const uint32_t facility = (value >> 16) & 0x1FFF;
    if (facility == 7 && (value & 0xFFFF) != 0) {
      CodeInterpretation w = win32_reading(value & 0xFFFF);
      w.confidence = 0.9;
      out.push_back(std::move(w));
    }
    if (value & 0x10000000u) {  // HRESULT_FROM_NT
      CodeInterpretation n = ntstatus_reading(value & ~0x10000000u);
      n.confidence = 0.9;
      out.push_back(std::move(n));
    }
  }
  return out;
}

}  // namespace errkb::codes
