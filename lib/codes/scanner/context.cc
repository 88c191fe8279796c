// Context and the second pass: the vendors and context words the caller gives and the text names,
// the readings of each occurrence ranked and decided by them once the whole text is read, and the
// catalogues' vendor patterns merged in.
#include <algorithm>
#include <string>
#include <utility>

#include "codes/scanner/scanner.h"
#include "codes/tables.h"

namespace errkb::codes::scanner {

namespace {

// The literal reading last, unless a reading already has its canonical (codes.h, literal readings).
void add_literal(std::vector<CodeInterpretation>& readings, Literal literal) {
  if (literal.base == 0 || readings.empty()) return;
  CodeInterpretation r = literal.base == 16 ? hex_literal_reading(literal.value)
                                            : number_literal_reading(static_cast<int64_t>(literal.value));
  for (const auto& have : readings)
    if (have.canonical == r.canonical) return;
  readings.reserve(readings.size() + 1);  // exactly: a long text holds many occurrences
  readings.push_back(std::move(r));
}

}  // namespace

void Scanner::explicit_context(const CodeContext& ctx) {
  for (const std::string* s : {&ctx.vendor, &ctx.product}) {
    if (s->empty()) continue;
    const std::string key = vendor_key(*s);
    if (const SystemVendor* sys = system_vendor(key)) explicit_bits_ |= sys->ctx;
    if (auto it = st_.vendor_ids.find(key); it != st_.vendor_ids.end())
      explicit_vendors_.push_back(it->second);
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

void Scanner::mention(int32_t vendor_id) {
  if (std::find(mentioned_.begin(), mentioned_.end(), vendor_id) == mentioned_.end())
    mentioned_.push_back(vendor_id);
}

bool Scanner::is_explicit(int32_t vid) const {
  return vid >= 0 &&
         std::find(explicit_vendors_.begin(), explicit_vendors_.end(), vid) != explicit_vendors_.end();
}

bool Scanner::is_mentioned(int32_t vid) const {
  return vid >= 0 && std::find(mentioned_.begin(), mentioned_.end(), vid) != mentioned_.end();
}

// The second pass: each occurrence's readings decided by the whole text's context, explained by the
// catalogues, their literal added; an occurrence never overlaps an earlier one.
std::vector<CodeOccurrence> Scanner::finalize() {
  const uint32_t all_bits = ctx_bits_ | explicit_bits_;
  std::vector<CodeOccurrence> out;
  out.reserve(pending_.size());
  size_t last_end = 0;
  for (auto& p : pending_) {
    if (out.size() >= kMaxCodeOccurrences) break;
    if (p.begin < last_end) continue;  // never overlap an earlier occurrence
    std::vector<CodeInterpretation> readings = final_readings(p, all_bits);
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

// The readings of one occurrence once the whole text's context is known; none when it is not a code here.
std::vector<CodeInterpretation> Scanner::final_readings(Pending& p, uint32_t all_bits) const {
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
    case Kind::kCatalogueOnly:
      readings = catalogue_only_readings(p);
      break;
  }
  return readings;
}

// A bare number equal to taught codes: the readings of the catalogues its context admits.
std::vector<CodeInterpretation> Scanner::catalogue_only_readings(Pending& p) const {
  // Explicit context admits any taught number; a vendor named in the text admits numbers
  // long enough not to be ordinary quantities, and never a year.
  const std::string_view digits = tok(p.begin, p.end);
  const bool year_like = p.digits == 4 && (digits.substr(0, 2) == "19" || digits.substr(0, 2) == "20");
  for (const auto& tc : st_.taught_codes_of(digits)) {
    const bool admitted =
        is_explicit(tc.vendor_id) || (tc.ctx & explicit_bits_) ||
        ((is_mentioned(tc.vendor_id) || (tc.ctx & ctx_bits_ & kCtxEbay)) && p.digits >= 4 && !year_like);
    if (admitted) p.cands.push_back({st_.reading(tc.reading), 0.5, tc.ctx, tc.vendor_id});
  }
  std::erase_if(p.cands, [&](const Candidate& c) {
    if (is_explicit(c.vendor_id) || (c.affinity & explicit_bits_)) return false;
    // Named in the text: a catalogue vendor's own namespace, or eBay's long numbers. Not
    // the numeric system families (Win32, errno ...): their catalogues cover nearly every
    // small number, so "Windows ... 1603 products" must not become a code.
    const bool in_text = is_mentioned(c.vendor_id) || (c.affinity & ctx_bits_ & kCtxEbay);
    return !(in_text && p.digits >= 4 && !year_like);
  });
  if (p.cands.empty()) return {};
  return rank(std::move(p.cands));
}

double Scanner::score(const Candidate& c) const {
  double s = c.prior;
  if (c.affinity & ctx_bits_) s += 0.3;
  if (c.affinity & explicit_bits_) s += 0.5;
  if (is_mentioned(c.vendor_id)) s += 0.3;
  if (is_explicit(c.vendor_id)) s += 0.5;
  return s;
}

std::vector<CodeInterpretation> Scanner::rank(std::vector<Candidate> cands) const {
  std::vector<std::pair<double, size_t>> order;
  for (size_t k = 0; k < cands.size(); ++k) order.emplace_back(score(cands[k]), k);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<CodeInterpretation> out;
  out.reserve(cands.size() + 1);  // and the literal
  // One reading is certain only when something vouches for it: a table or a catalogue that
  // knows the code ("exit code 137" has one plausible family but nothing that names it). A number
  // of a system family (Win32, errno, HTTP ...) is the only reading of many numbers because the
  // families errkb knows are few ("Amazon error 8541" is no Win32 code): it needs words of its
  // family to be certain.
  constexpr uint32_t kNumberFamilies =
      kCtxWindows | kCtxLinux | kCtxCurl | kCtxSqlite | kCtxHttp | kCtxMysql | kCtxMssql;
  const auto chosen = [&](const Candidate& c) {
    return score(c) > c.prior || !(c.affinity & kNumberFamilies);
  };
  const bool certain = cands.size() == 1 &&
                       (named_or_explained(cands[0].reading) || cands[0].vendor_id >= 0) && chosen(cands[0]);
  for (const auto& [s, k] : order) {
    CodeInterpretation r = std::move(cands[k].reading);
    r.certain = certain;
    r.confidence = certain ? std::min(1.0, std::max(r.confidence, 0.6)) : std::min(0.95, s);
    out.push_back(std::move(r));
  }
  return out;
}

// "error 240" in a text about eBay: the vendors the text names are readings too (a catalogue
// that knows the number has added its reading already). A guessed "code:N" gives way to them.
void Scanner::add_text_vendors(Pending& p) const {
  const std::string_view digits = tok(p.number_begin, p.number_begin + count_digits(p.number_begin));
  if (digits.size() < 2) return;
  auto have = [&](std::string_view canonical) {
    for (const auto& c : p.cands)
      if (c.reading.canonical == canonical) return true;
    return false;
  };
  std::vector<Candidate> extra;
  if (((ctx_bits_ | explicit_bits_) & kCtxSmtp) && digits.size() == 3 &&
      smtp_reply_value(*parse_decimal(digits)) && !have("smtp:" + std::string(digits)))
    extra.push_back({smtp_reply_reading(*parse_decimal(digits)), 0.35, kCtxSmtp, -1});
  // "decline code 05" among card payment words: an ISO 8583 response code (written with two digits).
  if (((ctx_bits_ | explicit_bits_) & kCtxPayment) && digits.size() == 2 &&
      !have("iso8583:" + std::string(digits)))
    extra.push_back({iso8583_reading(digits), 0.35, kCtxPayment, -1});
  if ((ctx_bits_ & kCtxEbay) && !have("ebay:" + std::string(digits)))
    extra.push_back({ebay_reading(digits), 0.3, kCtxEbay, -1});
  // "Error 208" on a SQL Server page is the "Msg 208" of its output (message numbers run to 49999).
  if (((ctx_bits_ | explicit_bits_) & kCtxMssql) && digits.size() <= 5 &&
      !have("mssql:" + std::string(digits)))
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

// A table or a catalogue gives the reading a name or a meaning (taught readings keep their
// catalogue message in the taught catalogue only).
bool Scanner::named_or_explained(const CodeInterpretation& r) const {
  if (!r.name.empty() || !r.message.empty()) return true;
  const auto info = st_.catalogue.info(r.canonical);
  return info && !info->message.empty();
}

void Scanner::explain(CodeInterpretation& r) const {
  if (st_.catalogue.empty() || (!r.name.empty() && !r.message.empty())) return;
  const auto info = st_.catalogue.info(r.canonical);
  if (!info) return;
  if (r.name.empty()) r.name = std::string(info->name);
  if (r.message.empty()) r.message = std::string(info->message);
}

// Vendor code patterns from catalogues (RE2: linear time whatever the pattern).
void Scanner::merge_vendor_patterns(std::vector<CodeOccurrence>& out) {
  std::vector<CodeOccurrence> found;
  const size_t n = text_.size();
  for (const auto& vp : st_.patterns) {
    re2::StringPiece input(text_.data(), n);
    re2::StringPiece m;
    size_t pos = 0;
    while (pos <= n && found.size() < kMaxCodeOccurrences &&
           vp.re->Match(input, pos, n, RE2::UNANCHORED, &m, 1)) {
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
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.begin < b.begin; });
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

}  // namespace errkb::codes::scanner
