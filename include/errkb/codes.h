// The error-code grammar: finds error codes in text in every spelling people use and says what
// they mean. Used by the indexer on all text (index terms) and by the server on queries.
//
// Contract with the index: every spelling of the same code yields the same `canonical` string
// ("hresult:80070005" for 0x80070005, 80070005, -2147024891, E_ACCESSDENIED, ...). The index stores
// canonical strings as exact, never-stemmed terms; the query side cuts codes out of the query and
// looks their canonical strings up, so the rest of the query cannot break them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "errkb/status.h"

namespace errkb {

// Literal readings. Beside the family readings of a number, an occurrence carries the value its digits
// spell, whatever family reads them: "hex:7b" for 0x0000007B, 0x7B, 7Bh, "STOP 0x0000007B" and
// "bugcheck 7B"; "hex:80070005" for 0x80070005, 80070005 and -2147024891; "num:208" for "Error 208",
// "Msg 208", "system error 208". A query and a page that read the same digits in different families
// (a Win32 number here, a bug check there) still share this term. A literal reading has family
// "literal" and ns "", is never certain (so pages index it as a weak code term), has the modest
// confidence kLiteralConfidence, comes last in its occurrence and never alone: ranking can tell it by
// its family and weigh a literal match below a family match. KB numbers, SQLSTATEs, dotted codes and
// letter codes have none.
inline constexpr double kLiteralConfidence = 0.3;

struct CodeInterpretation {
  std::string family;     // "hresult", "win32", "ntstatus", "bugcheck", "devmgr", "errno", "http",
                          // "sqlstate", "oracle", "mysql", "mssql", "postgres", "curl", "sqlite",
                          // "ebay", "smtp", "iso8583", "event", "vendor", "symbol", "exception", "kb",
                          // "literal" (see above)
  std::string ns;         // vendor / namespace: "windows", "oracle", "ebay", ... ("" if none)
  std::string canonical;  // exact term body, lower-case ASCII, no spaces: "hresult:80070005", "ora:942"
  std::string name;       // symbolic name when known: "E_ACCESSDENIED", "EACCES"
  std::optional<int64_t> value;                            // numeric value when the code is numeric
  std::vector<std::pair<std::string, std::string>> parts;  // structure: severity, facility, wrapped win32 ...
  std::string message;      // short meaning when known ("Access is denied", "Service Unavailable")
  double confidence = 1.0;  // 0..1: how well the spelling and the context support this reading
  bool certain = true;      // false for one reading of an ambiguous code ("error 5"), and for a
                            // lone reading that nothing names (a guessed "code:99999", an unknown
                            // snake_case "symbol:do_not_honor", a bare "23505" among PostgreSQL words)
};

// Hex below the Windows status range (0x7B, 0x52E, 7Bh, 0000007B): after a stop cue a bug check, after
// "Windows error" a Win32 code; in a crash context (BSOD, blue screen, a bug check name) the bug check
// alone; otherwise every plausible reading ranked by the context, none certain: a Win32 code below
// 16000, a bug check a table or catalogue names, or any low one written with eight digits as stop codes
// are (0x0000009F, which then reads as a bug check first). Alone (no cue, no padding) a value must name
// something or have three digits or more (0x52E; not 0x10, 0xFF).
//
// HTTP sub-statuses (IIS): "403.14" reads "http:403.14" and, weaker (not certain), "http:403"; certain
// after an HTTP, IIS or error cue ("HTTP Error 500.19"); alone only for a registered 4xx/5xx status
// with a sub-status 1-999, and never as a price or a quantity.
//
// SMTP: "550 5.7.1" is two occurrences, the reply code ("smtp:550") and the enhanced status
// ("smtp:5.7.1"), both certain. A reply code alone needs a cue ("SMTP 550", "SMTP error 550",
// "the mail server replied 550"); an enhanced status alone (class 4 or 5) needs a mail word
// anywhere in the text or the CodeContext (SMTP, e-mail, bounce, relay, DMARC, Exchange, почта ...)
// and is never a version ("version 5.7.1", "v5.7.1").
struct CodeOccurrence {
  size_t begin = 0;  // byte span in the text; it includes the cue word when the number needed one
  size_t end = 0;    // ("error 5", "HTTP/1.1 503", "curl: (7)"), not when the spelling stands alone
  std::string raw;   // the text as written
  std::vector<CodeInterpretation> interpretations;  // best first; never empty
};

// Context that decides between interpretations of an ambiguous code.
struct CodeContext {
  std::string vendor;   // a vendor filter or the item's vendor ("eBay", "Microsoft", "Oracle")
  std::string product;  // "Windows Update", "MySQL", ...
};

// One catalogue entry, taught to the grammar so that names and vendor numbers are recognised
// ("ERROR_ACCESS_DENIED", "inaccessible boot device", eBay 21919300).
struct CatalogueCode {
  std::string vendor;
  std::string code;
  std::string name;
  std::string message;
};

// The vendor a catalogue's vendor key stands for in facets and filters. A system catalogue's key names
// a code family, not a vendor: the Windows families ("win32", "hresult", "ntstatus", "bugcheck",
// "devmgr") are Microsoft's, and a standard's codes ("errno", "http", "sqlstate", "smtp") have no
// vendor (""). Any other vendor is returned as it is.
std::string facet_vendor(std::string_view vendor);

// The vendor whose code a reading is, as facets and filters name it: a system family's maker
// (facet_vendor), a catalogue's vendor; "" for a standard's code and for the generic readings (a
// literal value, a symbol, an exception name, ...).
std::string reading_vendor(const CodeInterpretation& reading);

// find_codes returns at most this many occurrences and stops reading there: a text with more is
// a dump, not prose, and the cap bounds the memory one call can take (indexer and server alike).
inline constexpr size_t kMaxCodeOccurrences = 131072;

class CodeGrammar {
 public:
  CodeGrammar();
  ~CodeGrammar();
  CodeGrammar(CodeGrammar&&) noexcept;
  CodeGrammar& operator=(CodeGrammar&&) noexcept;

  // Teaches a catalogue entry. Not thread-safe against concurrent finds: teach first, then share.
  void add_catalogue_code(const CatalogueCode& entry);
  // Makes room for `entries` more catalogue entries at once (teaching hundreds of thousands otherwise
  // spends much of its time growing and rehashing the tables).
  void reserve_catalogue_codes(size_t entries);
  // Teaches the shape of a letters+digits code that a KB is about (a passage names it in its title or
  // first heading: "Linker Tools Error LNK2019"; `code` is "LNK2019" or its canonical "code:lnk2019"):
  // from then on its letters followed by as many digits read as a code without a cue, in any case,
  // joined, after a space or after a hyphen ("LNK2019", "lnk2019", "lnk 2019", "LNK-2019": all
  // "code:lnk2019"). Untaught, letters+digits need one or two capitals ("E1234") or an error cue
  // ("error LNK2019", "error c2065"), so that model names (RTX3080) stay prose. False when `code` has
  // no such shape (1-6 ASCII letters, then 4-6 digits).
  bool add_code_shape(std::string_view code);
  // A vendor's own code pattern (RE2 syntax, from a catalogue file). InvalidArgument if it does not
  // compile, or matches the empty string or a word of letters alone (what it matches reads as a certain
  // code: ".*" would make every query word one).
  Status add_vendor_pattern(std::string_view vendor, std::string_view re2_pattern);

  // What catalogues taught the grammar, as bytes, and back: a server keeps them beside the index and
  // reads them at its next start instead of teaching every entry again. read_taught_bytes changes
  // nothing and returns false unless no catalogue entry was taught yet and the bytes are a whole
  // table of this build's layout whose vendors continue the grammar's own (its vendor patterns are
  // taught first, as they were when the bytes were made).
  std::string taught_bytes() const;
  bool read_taught_bytes(std::string_view bytes);

  // Every code occurrence in `text`, in order of position (at most kMaxCodeOccurrences). Linear
  // time in the text's length.
  std::vector<CodeOccurrence> find_codes(std::string_view text, const CodeContext& ctx = {}) const;
  // The code a title or first heading opens with, as a page about one code writes it ("AADSTS50020: User
  // account does not exist", "E1234 - Pump blocked"): a token of add_code_shape's shape, followed by
  // nothing, a colon or a dash. A title that opens with it names its page's code whatever its letters;
  // in running text the same token needs an error cue or a taught shape (model names such as RTX3080).
  // Empty when the title opens otherwise.
  std::optional<CodeInterpretation> title_code(std::string_view title) const;
  // Every plausible reading of one code as typed ("0x80070005", "ORA-942", "error 5"), best first.
  // A bare number or a short hex no scan reads alone ("5", "0x10") is read as if cued ("error 5"); a
  // canonical term typed back ("hresult:80070005", "shopflow:sf-2001", "hex:7b") reads as itself.
  // Empty if no code.
  std::vector<CodeInterpretation> interpret(std::string_view code, const CodeContext& ctx = {}) const;
  // The canonical readings of a catalogue entry's code in its vendor's namespace
  // (vendor "eBay", code "21919300" -> "ebay:21919300"). Never empty for a non-empty code.
  std::vector<CodeInterpretation> interpret_catalogue_code(std::string_view vendor, std::string_view code,
                                                           std::string_view name = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace errkb
