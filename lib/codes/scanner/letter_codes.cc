// Codes spelled with letters and digits: LNK2019, "LNK 2019", ORA-00942, ABC-1234, KB5005565,
// MSSQLSERVER_18456, and the tokens equal to a code some catalogue taught.
#include <cstring>
#include <utility>

#include "codes/scanner/scanner.h"
#include "codes/tables.h"

namespace errkb::codes::scanner {

namespace {

// Letters that may start a guessed code: not a standard's, a currency's or a country's ("ISO-9001",
// "EUR-100"), nor a family's read elsewhere (ORA, KB, HTTP).
bool generic_prefix_allowed(std::string_view prefix) {
  static constexpr std::string_view kNotVendors[] = {
      "ISO",   "RFC",  "SHA",  "AES", "UTF",  "RSA", "MD",   "CVE",  "COVID", "USB", "PCI",  "DDR",
      "LPDDR", "IEEE", "EN",   "DIN", "ANSI", "TLS", "SSL",  "GPT",  "ECMA",  "WPA", "HDMI", "MPEG",
      "JIS",   "UN",   "SARS", "IP",  "TCP",  "UDP", "ISBN", "ISSN", "GMT",   "UTC", "NR",   "NO",
      "ORA",   "TNS",  "PLS",  "KB",  "HTTP", "WIN", "X",    "DOI",  "ARM",   "PS",  "CAT",  "TYPE",
      "EUR",   "USD",  "RON",  "RUB", "RO",   "IT",  "RU",   "US",   "UK",    "DE",
  };
  for (auto p : kNotVendors)
    if (iequals(p, prefix)) return false;
  return true;
}

// "ABC-1234": capitals (and digits), a hyphen, three to eight digits.
bool generic_dashed_code(std::string_view p, std::string_view d) {
  return p.size() >= 2 && p.size() <= 8 && (cls(p[0]) & kUpper) && all_of_class(p, kUpper | kDigit) &&
         d.size() >= 3 && d.size() <= 8 && all_of_class(d, kDigit) && generic_prefix_allowed(p);
}

CodeInterpretation generic_dashed_reading(std::string_view t) {
  CodeInterpretation r = vendor_reading("code", t);
  r.ns = "";
  r.confidence = 0.8;
  return r;
}

// "code:lnk2019" however the code was written; more confident when the KB taught its letters.
CodeInterpretation letters_digits_reading(std::string_view letters, std::string_view digits, bool taught) {
  std::string joined(letters);
  joined += digits;
  CodeInterpretation r = vendor_reading("code", joined);
  r.ns = "";
  r.confidence = taught ? 0.8 : 0.6;
  return r;
}

bool recent_year(std::string_view digits) {
  if (digits.size() != 4) return false;
  const int64_t year = *parse_decimal(digits);
  return year >= 1990 && year <= 2035;
}

// Capitalised words that come between a cue and a number in headings ("ERROR IN 2019").
bool spaced_stopword(std::string_view w) {
  static constexpr std::string_view kWords[] = {"A",  "I",  "IN", "ON", "AT", "OF",  "TO",  "BY",  "OR",
                                                "IS", "AS", "AN", "IF", "ID", "AND", "THE", "FOR", "NOT"};
  for (auto k : kWords)
    if (k == w) return true;
  return false;
}

}  // namespace

// A token of two parts joined by a hyphen: letters the KB taught ("LNK-2019", "lnk-2019"), Oracle's
// prefixes ("ORA-00942"), or capitals and digits ("ABC-1234").
bool Scanner::dashed_code(size_t i, size_t j, std::string_view p, std::string_view d) {
  std::string_view t = tok(i, j);
  if (taught_letters(p, d.size()) && all_of_class(d, kDigit)) {  // "LNK-2019", "lnk-2019"
    std::vector<CodeInterpretation> readings{letters_digits_reading(p, d, true)};
    if (generic_dashed_code(p, d)) readings.push_back(generic_dashed_reading(t));
    add_fixed(i, j, std::move(readings));
    return true;
  }
  if (p.size() == 3 && all_of_class(d, kDigit) && d.size() <= 5 &&
      (iequals(p, "ora") || iequals(p, "tns") || iequals(p, "pls"))) {
    add_fixed(i, j, {oracle_reading(ascii_lower(p), *parse_decimal(d))});
    return true;
  }
  if (generic_dashed_code(p, d)) {
    add_fixed(i, j, {generic_dashed_reading(t)});
    return true;
  }
  return false;
}

// Letters+digits codes (E1234, P0420, LNK2019, c2065): one to six letters, four to six digits. One or
// two capitals read alone; more letters, or lower case, after an error cue ("error LNK2019", "errore
// c2065", "Warning LNK4098") or when the KB taught the letters (add_code_shape). Model names look the
// same (RTX3080): untaught and without a cue they stay prose.
bool Scanner::letters_digits_code(size_t i, size_t j) {
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
bool Scanner::letter_code_cue(size_t i, std::string_view letters) const {
  const Mark* cue = cue_before(i);
  return cue && (cue->cue == kCueError || cue->cue == kCueCode || cue->cue == kCueWarning) &&
         generic_prefix_allowed(letters);
}

// The letters of a code the KB taught, followed by `digits` digits.
bool Scanner::taught_letters(std::string_view letters, size_t digits) const {
  if (letters.empty() || letters.size() > kMaxCodeLetters || digits > kMaxCodeDigits) return false;
  const WordInfo* w = st_.words.find(letters);
  return w && (w->code_digits >> digits & 1u) && all_of_class(letters, kUpper | kLower);
}

// "LNK 2019", "lnk 2019", "C 2065": letters, one blank, four to six digits that end the token. The
// letters were taught, or they are capitals after an error cue. One letter without a cue never takes
// a recent year (a taught "C" must leave "C 2019" alone).
bool Scanner::spaced_letter_code(size_t i, size_t j, const WordInfo* w) {
  const size_t n = text_.size();
  if (j - i > kMaxCodeLetters || j + 1 >= n || (text_[j] != ' ' && text_[j] != '\t') ||
      !(cls(text_[j + 1]) & kDigit))
    return false;
  if (w && w->cue != kCueNone) return false;  // a cue word is a cue ("code 1234")
  size_t e = j + 1;
  while (e < n && e - j <= kMaxCodeDigits + 1 && (cls(text_[e]) & kDigit)) ++e;
  const size_t ndigits = e - j - 1;
  if (ndigits < kMinCodeDigits || ndigits > kMaxCodeDigits) return false;
  if (e < n && ((cls(text_[e]) & kWord) || ((text_[e] == '.' || text_[e] == ',' || text_[e] == '-') &&
                                            e + 1 < n && is_alnum(text_[e + 1]))))
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

bool Scanner::kb_token(size_t i, size_t j) {
  std::string_view t = tok(i, j);
  if (t.size() < 8 || t.size() > 9 || !iequals(t.substr(0, 2), "kb") || !all_of_class(t.substr(2), kDigit))
    return false;
  add_fixed(i, j, {kb_reading(t.substr(2))});
  return true;
}

// Symbols made of a family's name and a number: SQL Server's documentation names its errors so
// (MSSQLSERVER_18456 is "Msg 18456").
bool Scanner::numbered_symbol(size_t i, size_t j) {
  static constexpr std::pair<std::string_view, CodeInterpretation (*)(int64_t)> kNumbered[] = {
      {"mssqlserver_", mssql_reading},
  };
  std::string_view t = tok(i, j);
  for (const auto& [prefix, reading] : kNumbered) {
    if (t.size() <= prefix.size() || t.size() > prefix.size() + 6 ||
        !iequals(t.substr(0, prefix.size()), prefix))
      continue;
    auto n = parse_decimal(t.substr(prefix.size()));
    if (!n || *n <= 0 || !all_of_class(t.substr(prefix.size()), kDigit)) continue;
    add_fixed(i, j, {reading(*n)}, number_literal(*n));
    return true;
  }
  return false;
}

// A token equal to a code some catalogue taught ("SF-2001", "PH-101"), ranked by its vendor.
bool Scanner::taught_token(size_t i, size_t j) {
  if (!st_.has_taught_codes()) return false;
  std::string_view t = tok(i, j);
  if (t.size() > 64) return false;
  char buf[64];
  for (size_t k = 0; k < t.size(); ++k) buf[k] = fold(t[k]);
  const std::string_view key(buf, t.size());
  std::vector<TaughtCode> taught = st_.taught_codes_of(key);
  if (taught.empty()) {
    // "sf1003" for a taught "SF-1003": letters then digits, the hyphen left out.
    size_t k = 0;
    while (k < t.size() && (cls(t[k]) & (kUpper | kLower))) ++k;
    if (k < 2 || k > 8 || k + 2 > t.size() || t.size() + 1 > sizeof buf || !all_of_class(t.substr(k), kDigit))
      return false;
    std::memmove(buf + k + 1, buf + k, t.size() - k);
    buf[k] = '-';
    const std::string_view dashed(buf, t.size() + 1);
    taught = st_.taught_codes_of(dashed);
    if (taught.empty()) return false;
  }
  Pending p;
  p.begin = i;
  p.end = j;
  p.kind = Kind::kRanked;
  for (const auto& tc : taught) p.cands.push_back({st_.reading(tc.reading), 0.5, tc.ctx, tc.vendor_id});
  pending_.push_back(std::move(p));
  return true;
}

}  // namespace errkb::codes::scanner
