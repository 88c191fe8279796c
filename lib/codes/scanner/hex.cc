// Hex values: 0x80070005 and other Windows status values, stop codes (0x0000007B, "STOP 7B"),
// assembler hex (7Bh), and the short values (0x7B, 0x52E) whose reading waits for the whole text.
#include <algorithm>
#include <utility>

#include "codes/scanner/scanner.h"
#include "codes/tables.h"

namespace errkb::codes::scanner {

namespace {

// Bug checks are documented up to about 0x35x; higher ones are in the table (0x1000007E, 0xC000021A).
constexpr uint32_t kHighestPlainBugcheck = 0x400;
// Win32 error codes end below 16000 (WinINet's 12xxx included).
constexpr uint32_t kHighestWin32 = 15999;

}  // namespace

// 0x... : HRESULT, NTSTATUS, or a short value (bug check, Win32 code) that needs context.
bool Scanner::hex_token(size_t i, size_t j) {
  std::string_view t = tok(i, j);
  size_t k = 2;
  while (k < t.size() && (cls(t[k]) & kHex)) ++k;
  const size_t ndigits = k - 2;
  std::string_view suffix = t.substr(k);
  if (ndigits == 0 || ndigits > 16) return false;
  if (!(suffix.empty() || suffix == "L" || suffix == "l" || suffix == "U" || suffix == "u" ||
        suffix == "UL" || suffix == "ul"))
    return false;
  uint64_t v = *parse_hex(t.substr(0, k));
  uint32_t v32;
  if ((v >> 32) == 0)
    v32 = static_cast<uint32_t>(v);
  else if ((v >> 32) == 0xFFFFFFFFull && (v & 0x80000000ull))
    v32 = static_cast<uint32_t>(v);  // sign-extended
  else
    return true;  // an address, not a code
  if (v32 >= 0x80000000u || (v32 >> 28) == 0x4)
    windows_value(i, j, v32);
  else if (v32 != 0)
    short_hex(i, j, v32, ndigits >= 8);
  return true;
}

// Hex written the assembler's way, "7Bh", "0C000021Ah": a digit first, a letter A-F among the digits
// ("24h" is a duration, "50h" may be one). Eight digits are bare_hex8's.
bool Scanner::suffixed_hex(size_t i, size_t j) {
  std::string_view d = tok(i, j - 1);
  if (d.size() < 2 || d.size() > 9 || !(cls(d[0]) & kDigit) || !all_of_class(d, kHex) ||
      all_of_class(d, kDigit))
    return false;
  if (d.size() == 9 && d[0] != '0') return false;
  const uint32_t v = static_cast<uint32_t>(*parse_hex(d));
  if (v >= 0x80000000u || (v >> 28) == 0x4)
    windows_value(i, j, v);
  else if (v != 0)
    short_hex(i, j, v, d.size() >= 8);
  return true;
}

// Eight hex digits without 0x: a Windows status value (80070005, C0000022), or a zero-padded stop
// code with a hex letter in it (0000007B, as minidump tools print them).
bool Scanner::bare_hex8(size_t i, size_t j) {
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

bool Scanner::stop_cue_hex(size_t i, size_t j) {
  std::string_view t = tok(i, j);
  if (t.size() > 8 || !all_of_class(t, kHex)) return false;
  const Mark* cue = cue_before(i);
  if (!cue || cue->cue != kCueStop ||
      !(cue->all_caps || cue->merged || iequals(tok(cue->begin, cue->end), "bugcheck")))
    return false;
  const uint64_t v = *parse_hex(t);
  consume_fixed(cue->begin, j, {bugcheck_reading(static_cast<uint32_t>(v))}, hex_literal(v));
  skip_parameters(j);
  return true;
}

// A 32-bit Windows status value (0x80070005, 0xC000021A): its fixed readings, or, for the few that are
// bug checks as well, NTSTATUS and bug check ranked by the context (a crash puts the bug check first).
void Scanner::windows_value(size_t i, size_t j, uint32_t v) {
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
void Scanner::short_hex(size_t i, size_t j, uint32_t v, bool padded) {
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

bool Scanner::parameters_follow(size_t j) const {
  size_t k = j;
  while (k < text_.size() && k - j < 2 && text_[k] == ' ') ++k;
  if (k >= text_.size() || text_[k] != '(') return false;
  ++k;
  while (k < text_.size() && text_[k] == ' ') ++k;
  return k + 1 < text_.size() && text_[k] == '0' && (text_[k + 1] == 'x' || text_[k + 1] == 'X');
}

// The four parameters of a stop line "(0x..., 0x..., 0x..., 0x...)" are not codes of their own.
void Scanner::skip_parameters(size_t j) {
  if (!parameters_follow(j)) return;
  const size_t limit = std::min(text_.size(), j + 400);
  for (size_t k = j; k < limit; ++k) {
    if (text_[k] == ')') {
      skip_until_ = k + 1;
      return;
    }
  }
}

// The readings of a short hex value once the whole text is read. In a crash context a bug check (when
// the value can be one); else every plausible reading, ranked: a Win32 code below 16000, a bug check
// that a table or catalogue names, or any low one written as stop codes are (0x0000009F). Alone (no
// cue, no padding, no crash) the value must name something, or have three digits or more (0x52E), and
// not be a mask (0xFFF).
std::vector<CodeInterpretation> Scanner::short_hex_readings(Pending& p, uint32_t all_bits) const {
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

}  // namespace errkb::codes::scanner
