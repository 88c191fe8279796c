// Dotted statuses: IIS's HTTP sub-statuses ("403.14") and SMTP's enhanced status codes ("5.7.1",
// "550-5.7.1", "550 5.7.1").
#include <array>
#include <utility>

#include "codes/scanner/scanner.h"
#include "codes/tables.h"

namespace errkb::codes::scanner {

// IIS writes "403.14", "500.19": the sub-status is a reading of its own, the plain status a weaker
// one. After an HTTP, IIS or error cue any registered 4xx/5xx status; alone only with a sub-status
// from 1 to 999 written without a leading zero, not a price or a quantity.
void Scanner::http_substatus(size_t i, size_t j, size_t dot) {
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

// "5.7.1" (class.subject.detail) after a reply code, after "SMTP", or alone in a mail context;
// "550-5.7.1" (a continued reply line) is the reply code and the status, two occurrences.
void Scanner::smtp_dotted(size_t i, size_t j, const std::array<std::pair<size_t, size_t>, 64>& seg,
                          size_t nseg, bool dashed) {
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

// Position of an enhanced status code of class `klass` right after a reply code ("550 5.7.1").
size_t Scanner::smtp_enhanced_after(size_t j, char klass) const {
  size_t k = j;
  while (k < text_.size() && k - j < 2 && text_[k] == ' ') ++k;
  if (k == j || k + 5 > text_.size() || text_[k] != klass || text_[k + 1] != '.')
    return std::string_view::npos;
  size_t e = k + 2;
  if (!(cls(text_[e]) & kDigit) || e + 1 >= text_.size() || text_[e + 1] != '.')
    return std::string_view::npos;
  e += 2;
  const size_t d = e;
  while (e < text_.size() && e - d < 4 && (cls(text_[e]) & kDigit)) ++e;
  if (e == d || e - d > 3) return std::string_view::npos;
  if (e < text_.size() && ((cls(text_[e]) & kWord) || ((text_[e] == '.' || text_[e] == '-') &&
                                                       e + 1 < text_.size() && is_alnum(text_[e + 1]))))
    return std::string_view::npos;
  return smtp_enhanced_reading(tok(k, e)) ? k : std::string_view::npos;
}

}  // namespace errkb::codes::scanner
