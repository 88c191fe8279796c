// The scanner's first pass: the text cut into tokens, each token sent to what scans its shape, and
// the occurrences it records (scanner.h explains the two passes).
#include <array>
#include <utility>

#include "codes/scanner/scanner.h"

namespace errkb::codes::scanner {

// Both passes, then the catalogues' vendor patterns over the same text.
std::vector<CodeOccurrence> Scanner::run() {
  scan_tokens();
  std::vector<CodeOccurrence> out = finalize();
  if (!st_.patterns.empty()) merge_vendor_patterns(out);
  return out;
}

void Scanner::scan_tokens() {
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
      if (dotted || dashed)
        compound(i, j, flags, dotted, dashed);
      else
        simple(i, j, flags);
    }
    i = j;
  }
}

void Scanner::simple(size_t i, size_t j, uint8_t flags) {
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
    if ((flags & kUpper) && !(flags & (kLower | kHigh)))
      symbol(i, j, flags);
    else if ((flags & kUnder) && !(flags & kHigh) && !w)
      snake(i, j);                // "err_http2_protocol_error"
    if (w) on_word(i, j, *w, t);  // "Win32", "sqlite3"
    return;
  }
  word(i, j, flags);
}

void Scanner::compound(size_t i, size_t j, uint8_t flags, bool dotted, bool dashed) {
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
    const bool version_head =
        s == 0 && v.size() > 1 && (v[0] == 'v' || v[0] == 'V') && all_of_class(v.substr(1), kDigit);
    if (!all_of_class(v, kDigit) && !version_head) all_numeric = false;
  }
  if (all_numeric) {
    // "HTTP/1.1 503": the version belongs to the HTTP cue.
    if (last_.valid && last_.cue == kCueHttp && last_.end + 1 == i && text_[last_.end] == '/')
      last_.end = j;
    else if (dotted && !dashed && nseg == 2)
      http_substatus(i, j, seg[0].second);
    else if (dotted)
      smtp_dotted(i, j, seg, nseg, dashed);
    return;
  }
  if (dashed && !dotted && nseg == 2 && dashed_code(i, j, seg_view(0), seg_view(1))) return;
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

// A code whose readings its spelling decides.
void Scanner::add_fixed(size_t b, size_t e, std::vector<CodeInterpretation> readings, Literal literal) {
  Pending p;
  p.begin = b;
  p.end = e;
  p.kind = Kind::kFixed;
  p.fixed = std::move(readings);
  p.set_literal(literal);
  pending_.push_back(std::move(p));
}

// A code that used the cue before it: the cue is spent.
void Scanner::consume_fixed(size_t b, size_t e, std::vector<CodeInterpretation> readings, Literal literal) {
  add_fixed(b, e, std::move(readings), literal);
  last_.valid = false;
}

// A reading decided once the whole text is read (counted against the deferred cap).
void Scanner::defer_fixed(size_t i, size_t j, Kind kind, CodeInterpretation reading, Literal literal) {
  Pending p;
  p.begin = i;
  p.end = j;
  p.kind = kind;
  p.set_literal(literal);
  p.fixed.push_back(std::move(reading));
  pending_.push_back(std::move(p));
  ++deferred_;
}

}  // namespace errkb::codes::scanner

namespace errkb::codes {

std::vector<CodeOccurrence> scan(const GrammarState& st, std::string_view text, const CodeContext& ctx) {
  return scanner::Scanner(st, text, ctx).run();
}

}  // namespace errkb::codes
