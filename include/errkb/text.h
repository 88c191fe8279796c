// Text helpers shared by readers, the index and the query side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace errkb {

// ISO 639-1 code of the text's language ("en", "ro", "it", "ru", ...), "" when unreliable.
// Uses CLD2. `hint` (an ISO code) tips close calls.
std::string detect_language(std::string_view text, std::string_view hint = {});

// Xapian/Snowball stemmer name for an ISO 639-1 code ("en" -> "english"); "" when none.
std::string stemmer_for_language(std::string_view iso);

// True when `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text);

// Byte offset of the first byte that is not part of a valid UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are invalid); std::string_view::npos when valid.
size_t first_invalid_utf8(std::string_view text);

// `text` with each byte that is not part of a valid UTF-8 sequence replaced by U+FFFD (what a parser
// decoded wrongly, such as gumbo's reference to a code point past U+10FFFF). Linear time.
std::string valid_utf8(std::string_view text);

// Lower-cases ASCII, Latin-1, Latin Extended-A, Romanian comma-below letters, Greek and Cyrillic;
// other characters are kept as they are. Invalid UTF-8 bytes are copied unchanged.
std::string lowercase_utf8(std::string_view text);

// Appends the UTF-8 encoding of `code_point` (1 to 4 bytes) to `out`.
void append_utf8(std::string& out, uint32_t code_point);

// Lower-cases the ASCII letters A-Z only (codes, filter values, keys), leaving every other byte.
constexpr char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string lower_ascii(std::string_view text);

// Collapses runs of whitespace to one space and trims.
std::string collapse_whitespace(std::string_view text);

}  // namespace errkb
