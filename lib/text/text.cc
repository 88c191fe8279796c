#include "errkb/text.h"

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

namespace errkb {

size_t first_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;  // continuation byte without a lead, 0xC0/0xC1 overlong leads, 0xF5..0xFF
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    if (overlong || surrogate || cp > 0x10FFFF) return i;
    i += len;
  }
  return std::string_view::npos;
}

bool is_valid_utf8(std::string_view text) { return first_invalid_utf8(text) == std::string_view::npos; }

std::string valid_utf8(std::string_view text) {
  std::string out;
  size_t bad = first_invalid_utf8(text);
  if (bad == std::string_view::npos) return std::string(text);
  out.reserve(text.size() + 8);
  while (bad != std::string_view::npos) {
    out.append(text.substr(0, bad));
    append_utf8(out, 0xFFFD);
    text.remove_prefix(bad + 1);
    bad = first_invalid_utf8(text);
  }
  out.append(text);
  return out;
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char ch : text) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(ch);
  }
  return out;
}

namespace {

uint32_t lower_code_point(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if ((cp >= 0xC0 && cp <= 0xDE) && cp != 0xD7) return cp + 32;   // Latin-1 capitals
  if (cp >= 0x100 && cp <= 0x137) return cp | 1;                  // Ā..ķ: capital even, small odd
  if (cp >= 0x139 && cp <= 0x148) return (cp & 1) ? cp + 1 : cp;  // Ĺ..ň: capital odd
  if (cp >= 0x14A && cp <= 0x177) return cp | 1;                  // Ŋ..ŷ
  if (cp == 0x178) return 0xFF;                                   // Ÿ
  if (cp >= 0x179 && cp <= 0x17E) return (cp & 1) ? cp + 1 : cp;  // Ź..ž
  if (cp >= 0x218 && cp <= 0x21B) return cp | 1;                  // Ș ș Ț ț
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 32;  // Greek capitals
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;               // Ѐ..Џ
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;               // А..Я
  if ((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) || (cp >= 0x4D0 && cp <= 0x52F)) {
    return cp | 1;  // Cyrillic extensions: capital even, small odd
  }
  if (cp >= 0x4C1 && cp <= 0x4CE) return (cp & 1) ? cp + 1 : cp;
  return cp;
}

}  // namespace

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string lowercase_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c));
      ++i;
      continue;
    }
    const size_t bad = first_invalid_utf8(text.substr(i, 4));
    const size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (bad == 0 || (bad != std::string_view::npos && bad < len)) {
      out.push_back(text[i++]);  // not a valid sequence: copied as is
      continue;
    }
    uint32_t cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    append_utf8(out, lower_code_point(cp));
    i += len;
  }
  return out;
}

std::string detect_language(std::string_view text, std::string_view hint) {
  if (text.empty()) return "";
  // CLD2 refuses invalid UTF-8 as a whole; cut at the first bad byte instead of giving up.
  const size_t bad = first_invalid_utf8(text);
  if (bad != std::string_view::npos) text = text.substr(0, bad);
  // Beyond a few pages the answer no longer changes; bound the work.
  constexpr size_t kMaxBytes = 64 * 1024;
  if (text.size() > kMaxBytes) {
    size_t cut = kMaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  const std::string hint_code(hint);
  CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  if (!hint_code.empty()) hints.language_hint = CLD2::GetLanguageFromName(hint_code.c_str());
  CLD2::Language language3[3];
  int percent3[3];
  double scores3[3];
  int text_bytes = 0;
  bool reliable = false;
  const CLD2::Language lang = CLD2::ExtDetectLanguageSummary(
      text.data(), static_cast<int>(text.size()), /*is_plain_text=*/true, &hints, /*flags=*/0, language3,
      percent3, scores3, /*resultchunkvector=*/nullptr, &text_bytes, &reliable);
  if (!reliable || lang == CLD2::UNKNOWN_LANGUAGE || lang == CLD2::TG_UNKNOWN_LANGUAGE) return "";
  std::string code = CLD2::LanguageCode(lang);
  // ISO 639-1 only: drop CLD2's regional/script suffixes ("zh-Hant" -> "zh"); Norwegian is "no"
  // in CLD2 and "nb" in some tools, Snowball knows it as "norwegian" either way.
  if (auto dash = code.find('-'); dash != std::string::npos) code.resize(dash);
  if (code == "un" || code.empty()) return "";
  return code;
}

std::string stemmer_for_language(std::string_view iso) {
  // The Snowball stemmers that Xapian 1.4 ships, keyed by ISO 639-1 code.
  static constexpr std::pair<std::string_view, std::string_view> kStemmers[] = {
      {"ar", "arabic"},    {"hy", "armenian"},  {"eu", "basque"},     {"ca", "catalan"},
      {"da", "danish"},    {"nl", "dutch"},     {"en", "english"},    {"fi", "finnish"},
      {"fr", "french"},    {"de", "german"},    {"hu", "hungarian"},  {"id", "indonesian"},
      {"ga", "irish"},     {"it", "italian"},   {"lt", "lithuanian"}, {"ne", "nepali"},
      {"no", "norwegian"}, {"nb", "norwegian"}, {"nn", "norwegian"},  {"pt", "portuguese"},
      {"ro", "romanian"},  {"ru", "russian"},   {"es", "spanish"},    {"sv", "swedish"},
      {"ta", "tamil"},     {"tr", "turkish"},
  };
  std::string key(iso.substr(0, iso.find_first_of("-_")));
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& [code, name] : kStemmers) {
    if (code == key) return std::string(name);
  }
  return "";
}

}  // namespace errkb
