// Builders of CodeInterpretation for each family: one place decides how a canonical string is
// spelled, so that prose, symbolic names and catalogue entries cannot disagree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errkb/codes.h"

namespace errkb::codes {

// Context bits: which families the surrounding words (or the CodeContext) point at.
enum ContextBit : uint32_t {
  kCtxWindows = 1u << 0,
  kCtxLinux = 1u << 1,
  kCtxCurl = 1u << 2,
  kCtxSqlite = 1u << 3,
  kCtxHttp = 1u << 4,
  kCtxMysql = 1u << 5,
  kCtxOracle = 1u << 6,
  kCtxMssql = 1u << 7,
  kCtxPostgres = 1u << 8,
  kCtxEbay = 1u << 9,
  kCtxCrash = 1u << 10,
  kCtxDevmgr = 1u << 11,
  kCtxWindowsUpdate = 1u << 12,
  kCtxSmtp = 1u << 13,  // mail words: SMTP, e-mail, bounce, relay, mailbox, DMARC, почта ...
  kCtxDevice =
      1u << 14,  // hardware words (printer, USB, driver, устройство): "code 10" leans to Device Manager
  kCtxPgHint = 1u << 15,   // words of PostgreSQL errors (violates, duplicate, constraint, COPY)
  kCtxPayment = 1u << 16,  // card payment words (card, declined, checkout, issuer, Stripe ...)
};

// The context bit a family's readings are supported by ("win32" -> kCtxWindows).
uint32_t family_context(std::string_view family);

std::string hex_lower(uint64_t value, int min_digits);

// All readings of a 32-bit Windows status value written in full (0x80070005, -2147024891):
// HRESULT (+ the Win32 error or NTSTATUS it wraps), NTSTATUS. Empty if the value is none of these.
std::vector<CodeInterpretation> windows_value_readings(uint32_t value);
bool plausible_bare_windows_value(uint32_t value, bool all_decimal_digits);

CodeInterpretation hresult_reading(uint32_t value);
CodeInterpretation win32_reading(int64_t value);
CodeInterpretation ntstatus_reading(uint32_t value);
CodeInterpretation bugcheck_reading(uint32_t value);
CodeInterpretation devmgr_reading(int64_t value);
CodeInterpretation errno_reading(int64_t value);
CodeInterpretation http_reading(int64_t value);
CodeInterpretation curl_reading(int64_t value);
CodeInterpretation sqlite_reading(int64_t value);
CodeInterpretation mysql_reading(int64_t value);
CodeInterpretation mssql_reading(int64_t value);
// prefix: "ora", "tns" or "pls".
CodeInterpretation oracle_reading(std::string_view prefix, int64_t value);
// code: five characters [0-9A-Z]; false class -> nullopt.
std::optional<CodeInterpretation> sqlstate_reading(std::string_view code);
CodeInterpretation ebay_reading(std::string_view digits);
// SMTP: a basic reply code (RFC 5321, 2xx-5xx: "smtp:550") or an enhanced status code
// (RFC 3463, class.subject.detail with class 2, 4 or 5: "smtp:5.7.1").
bool smtp_reply_value(int64_t value);
bool smtp_reply_known(int64_t value);  // a reply code RFC 5321 defines (421, 550 ...)
CodeInterpretation smtp_reply_reading(int64_t value);
// "5.7.1" -> reading; nullopt unless class 2/4/5, subject 0-7 (one digit), detail 1-3 digits.
std::optional<CodeInterpretation> smtp_enhanced_reading(std::string_view code);
// ISO 8583 card response code, two digits as written ("05" do not honor, "51" insufficient funds).
CodeInterpretation iso8583_reading(std::string_view two_digits);
CodeInterpretation kb_reading(std::string_view digits);
// IIS sub-status "403.14" (status 4xx/5xx, sub-status 0-999): "http:403.14", with the plain status as a
// part and the sub-status's meaning when known.
CodeInterpretation http_substatus_reading(int64_t status, int64_t substatus);
// A Windows event log entry's ID ("Event ID 1000"): "event:1000".
CodeInterpretation event_reading(int64_t value);
// The value the digits spell, apart from any family (codes.h, literal readings): "hex:7b", "num:208".
CodeInterpretation hex_literal_reading(uint64_t value);
CodeInterpretation number_literal_reading(int64_t value);
// "<vendor_key>:<code lower, no spaces>" in a vendor's own namespace (family "vendor").
CodeInterpretation vendor_reading(std::string_view vendor_key, std::string_view code);
CodeInterpretation symbol_reading(std::string_view name);
CodeInterpretation exception_reading(std::string_view name, bool full_name);

// Lower-case with spaces removed: "Shop Flow" -> "shopflow".
std::string vendor_key(std::string_view vendor);
std::string ascii_lower(std::string_view s);

// Numbers as people write them in catalogues: "5", "0x7B", "-2147024891". nullopt if not a number.
std::optional<int64_t> parse_decimal(std::string_view s);
std::optional<uint64_t> parse_hex(std::string_view s);  // with or without 0x; 'h'/'L' suffix allowed

bool valid_sqlstate_class(std::string_view two);

}  // namespace errkb::codes
