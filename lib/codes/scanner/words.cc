// Words: cues, vendors and context words leave marks (adjacent ones combine: "SQL Server", "exit
// code"); taught phrases and vendor names of several words; symbolic names (E_ACCESSDENIED,
// err_ssl_protocol_error, do_not_honor) and exception names (java.lang.OutOfMemoryError).
#include <string>
#include <utility>
#include <vector>

#include "codes/scanner/scanner.h"
#include "codes/tables.h"

namespace errkb::codes::scanner {

namespace {

// A snake_case identifier of two or more parts made of letters and digits, starting with a
// letter; not a database object's name ("orders_pkey", "idx_users_email").
bool snake_identifier(std::string_view t) {
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
  static constexpr std::string_view kDbSuffixes[] = {"_pkey", "_key",    "_fkey",  "_idx",  "_index", "_seq",
                                                     "_uniq", "_unique", "_check", "_excl", "_pk",    "_fk"};
  static constexpr std::string_view kDbPrefixes[] = {"idx_", "ix_", "fk_", "pk_", "uq_", "uk_"};
  for (auto s : kDbSuffixes)
    if (t.size() > s.size() && iequals(t.substr(t.size() - s.size()), s)) return false;
  for (auto p : kDbPrefixes)
    if (t.size() > p.size() && iequals(t.substr(0, p.size()), p)) return false;
  return true;
}

bool exception_name(std::string_view s) {
  for (std::string_view suffix : {std::string_view("Error"), std::string_view("Exception")}) {
    if (s.size() >= suffix.size() + 2 && s.substr(s.size() - suffix.size()) == suffix &&
        (cls(s[0]) & kUpper)) {
      for (char c : s)
        if (!(cls(c) & (kUpper | kLower | kDigit))) return false;
      return true;
    }
  }
  return false;
}

// `cur` joins `prev`: one mark of several words.
bool merge_marks(Mark& prev, const Mark& cur) {
  prev.end = cur.end;
  prev.merged = true;
  return true;
}

}  // namespace

void Scanner::word(size_t i, size_t j, uint8_t flags) {
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
      if (const ReadingIds ids = st_.names_of(t); !ids.empty()) add_fixed(i, j, st_.readings_of(ids));
    } else {
      snake(i, j);
    }
  }
}

// A name with an underscore in any case: a known name ("e_accessdenied" as E_ACCESSDENIED,
// "error_access_denied"), an error symbol by its prefix ("err_ssl_protocol_error"), or any other
// snake_case identifier as an uncertain symbol ("do_not_honor"). Upper and lower case meet on
// the same canonical.
void Scanner::snake(size_t i, size_t j) {
  std::string_view t = tok(i, j);
  if (t.size() > 64 || t.size() < 2) return;
  if (st_.name_filter.may_contain(t)) {
    if (const ReadingIds ids = st_.names_of(t); !ids.empty()) {
      add_named(i, j, ids);
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
void Scanner::generic_symbol(size_t i, size_t j) {
  std::string_view t = tok(i, j);
  if (in_compound_ || !snake_identifier(t)) return;
  bool upper = false;
  for (char c : t) upper = upper || (cls(c) & kUpper);
  if (upper) {
    const Mark* cue = cue_before(i);
    if (!cue || !(cue->cue == kCueError || cue->cue == kCueCode || cue->cue == kCueStatus ||
                  cue->cue == kCueErrorTag))
      return;
  }
  CodeInterpretation r = symbol_reading(t);
  r.certain = false;
  r.confidence = 0.5;
  add_fixed(i, j, {std::move(r)});
}

void Scanner::symbol(size_t i, size_t j, uint8_t flags) {
  std::string_view t = tok(i, j);
  if (t.size() < 2) return;
  if (const ReadingIds ids = st_.names_of(t); !ids.empty()) {
    add_named(i, j, ids);
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

// A symbolic name's readings; their families set the context of the whole text.
void Scanner::add_named(size_t i, size_t j, const ReadingIds& ids) {
  const std::vector<CodeInterpretation> readings = st_.readings_of(ids);
  for (const auto& r : readings) ctx_bits_ |= family_context(r.family);
  add_fixed(i, j, readings);
}

// `t` (at most 64 bytes) as a name with an underscore written in another case than its table's.
bool Scanner::folded_name(size_t i, size_t j, std::string_view t) {
  char buf[64];
  for (size_t k = 0; k < t.size(); ++k) buf[k] = fold(t[k]);
  const ReadingIds ids = st_.folded_names_of(std::string_view(buf, t.size()));
  if (ids.empty()) return false;
  add_named(i, j, ids);
  return true;
}

void Scanner::exception_camel(size_t i, size_t j) {
  std::string_view t = tok(i, j);
  if (exception_name(t)) add_fixed(i, j, {exception_reading(t, true)});
}

bool Scanner::exception_dotted(size_t i, size_t j) {
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
      if (seg.empty() || (cls(seg[0]) & kDigit) || !all_of_class(seg, kUpper | kLower | kDigit | kUnder))
        return false;
      a = k + 1;
    }
  }
  add_fixed(i, j, {exception_reading(t, true), exception_reading(last, false)});
  pending_.back().fixed[1].certain = false;
  return true;
}

void Scanner::on_word(size_t i, size_t j, const WordInfo& w, std::string_view t) {
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
  const bool tag_name =
      (i >= 1 && text_[i - 1] == '<') || (i >= 2 && text_[i - 1] == '/' && text_[i - 2] == '<');
  if (tag_name && m.cue != kCueErrorTag) m.cue = kCueNone;
  if (last_.valid && words_adjacent(last_.end, i) && combine(last_, m)) return;
  last_ = m;
}

bool Scanner::words_adjacent(size_t end, size_t begin) const {
  if (begin < end || begin - end > 3 || begin == end) return false;
  for (size_t k = end; k < begin; ++k)
    if (text_[k] != ' ' && text_[k] != '\t') return false;
  return true;
}

// Two adjacent words that mean more together ("SQL Server", "exit code", "HTTP error").
bool Scanner::combine(Mark& prev, const Mark& cur) {
  return combine_parts(prev, cur) || combine_cues(prev, cur);
}

// Words that mean something only next to another ("SQL Server", "bug check", "Event ID"), a connector
// after a cue, and "System error".
bool Scanner::combine_parts(Mark& prev, const Mark& cur) {
  if (prev.part == kPartSql && cur.part == kPartServer) {
    prev.part = kPartNone;
    prev.vendor = kVendorMssql;
    ctx_bits_ |= kCtxMssql;
    return merge_marks(prev, cur);
  }
  if (prev.part == kPartSql && cur.part == kPartState) {
    prev.part = kPartNone;
    prev.cue = kCueSqlstate;
    return merge_marks(prev, cur);
  }
  if (prev.part == kPartBug && cur.part == kPartCheck) {
    prev.part = kPartNone;
    prev.cue = kCueStop;
    ctx_bits_ |= kCtxCrash;
    return merge_marks(prev, cur);
  }
  if ((prev.part == kPartDevice && cur.part == kPartManager) ||
      (prev.part == kPartManager && cur.part == kPartDevice)) {
    // "Device Manager", "Manager dispozitive", "Gestione dispositivi", "Диспетчер устройств"
    prev.part = kPartNone;
    ctx_bits_ |= kCtxDevmgr | kCtxWindows;
    return merge_marks(prev, cur);
  }
  if (prev.part == kPartBlue && cur.part == kPartScreen) {
    ctx_bits_ |= kCtxCrash;
    prev.part = kPartNone;
    return merge_marks(prev, cur);
  }
  if (prev.vendor == kVendorWindows && cur.part == kPartUpdate) {
    ctx_bits_ |= kCtxWindowsUpdate;
    return merge_marks(prev, cur);
  }
  if (cur.part == kPartConnector && prev.cue != kCueNone) return merge_marks(prev, cur);
  // "System error 5", "errore di sistema 5", "системная ошибка 5": Windows's net and shell messages.
  if ((prev.part == kPartSystem && cur.cue == kCueError) ||
      (prev.cue == kCueError && cur.part == kPartSystem)) {
    prev.part = kPartNone;
    prev.cue = kCueError;
    prev.vendor = kVendorWindows;
    ctx_bits_ |= kCtxWindows;
    return merge_marks(prev, cur);
  }
  if (prev.part == kPartEvent && cur.part == kPartId) {  // "Event ID 1000"
    prev.part = kPartNone;
    prev.cue = kCueEvent;
    ctx_bits_ |= kCtxWindows;
    return merge_marks(prev, cur);
  }
  return false;
}

// A cue word after another cue or a vendor's name ("exit code", "HTTP error", "MySQL error", "код ошибки").
bool Scanner::combine_cues(Mark& prev, const Mark& cur) {
  if (cur.cue == kCueCode || cur.cue == kCueStatus) {
    if (prev.part == kPartExit || prev.part == kPartReturn) {
      prev.part = kPartNone;
      prev.cue = kCueError;
      prev.exit_code = true;
      return merge_marks(prev, cur);
    }
    if (prev.cue == kCueStop || prev.part == kPartStop) {
      prev.cue = kCueStop;
      ctx_bits_ |= kCtxCrash;
      return merge_marks(prev, cur);
    }
    if (prev.cue == kCueError || prev.cue == kCueHttp) return merge_marks(prev, cur);
    if (prev.cue == kCueStatus && cur.cue == kCueCode) return merge_marks(prev, cur);
    if (prev.vendor != kVendorNone && prev.cue == kCueNone) {
      prev.cue = cur.cue;
      return merge_marks(prev, cur);
    }
  }
  if (cur.cue == kCueError) {
    if (prev.cue == kCueCode) {
      prev.cue = kCueError;
      prev.code_word = !prev.merged;  // "код ошибки 10", "codul erorii 10"
      return merge_marks(prev, cur);
    }
    if (prev.cue == kCueHttp) {
      prev.cue = kCueError;  // "HTTP error 503": vendor stays HTTP
      return merge_marks(prev, cur);
    }
    if (prev.vendor != kVendorNone && prev.cue == kCueNone) {
      prev.cue = kCueError;
      return merge_marks(prev, cur);
    }
  }
  return false;
}

// 1-3 blanks (spaces, tabs and, with `underscore`, '_') from pos: the position after them, npos if none.
size_t Scanner::skip_blanks(size_t pos, bool underscore) const {
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
size_t Scanner::match_words(size_t pos, const std::vector<std::string>& words, size_t from, bool underscore,
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
bool Scanner::phrase(size_t i, size_t j) {
  // Key: the first two words, folded ("inaccessible boot").
  const size_t second = skip_blanks(j);
  if (second == std::string_view::npos) return false;
  size_t second_end = second;
  while (second_end < text_.size() && (cls(text_[second_end]) & (kUpper | kLower | kDigit))) ++second_end;
  if (second_end == second ||
      (second_end < text_.size() && (cls(text_[second_end]) & kWord) && text_[second_end] != '_'))
    return false;
  std::string& key = phrase_key_;
  key.clear();
  for (size_t k = i; k < j; ++k) key.push_back(fold(text_[k]));
  key.push_back(' ');
  for (size_t k = second; k < second_end; ++k) key.push_back(fold(text_[k]));
  const uint8_t longest = st_.longest_phrase(key);
  if (longest == 0) return false;
  // Extend word by word (each after 1-3 blanks, not followed by a letter, digit or non-ASCII byte);
  // the longest taught phrase wins.
  ReadingIds best;
  size_t best_end = 0, pos = second_end;
  for (size_t words = 3; words <= longest; ++words) {
    const size_t start = skip_blanks(pos);
    if (start == std::string_view::npos) break;
    size_t end = start;
    while (end < text_.size() && (cls(text_[end]) & (kUpper | kLower | kDigit))) ++end;
    if (end == start || (end < text_.size() && (cls(text_[end]) & kHigh))) break;
    key.push_back(' ');
    for (size_t k = start; k < end; ++k) key.push_back(fold(text_[k]));
    if (ReadingIds found = st_.phrase_readings(key); !found.empty()) {
      best = std::move(found);
      best_end = end;
    }
    pos = end;
  }
  if (best.empty()) return false;
  add_fixed(i, best_end, st_.readings_of(best));
  skip_until_ = best_end;
  return true;
}

// A catalogue vendor named in several words ("Shop Flow error 2001"): one vendor mark.
bool Scanner::vendor_phrase(size_t i, size_t j) {
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

}  // namespace errkb::codes::scanner
