// libFuzzer target: find_codes, interpret and codes_to_json on arbitrary bytes must not crash,
// hang or break their invariants (ordered, non-overlapping spans inside the text; raw equal to
// the span; at least one reading, never a literal one first; canonical terms without spaces or capitals).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "errkb/api_json.h"
#include "errkb/codes.h"

namespace {

const errkb::CodeGrammar& grammar() {
  static const errkb::CodeGrammar g = [] {
    errkb::CodeGrammar t;
    t.add_catalogue_code({"ShopFlow", "SF-2001", "SYNC_TOKEN_EXPIRED", "token expired"});
    t.add_catalogue_code({"eBay", "21919300", "", "Quantity invalid"});
    t.add_catalogue_code({"bugcheck", "0x7B", "INACCESSIBLE_BOOT_DEVICE", ""});
    t.add_catalogue_code({"Acme", "4711", "ACME_QUOTA_EXCEEDED", ""});
    t.add_code_shape("LNK2019");  // taught letters: joined, spaced and hyphenated spellings
    t.add_code_shape("code:c2065");
    (void)t.add_vendor_pattern("ParcelHub", "PH-[0-9]{3}");
    (void)t.add_vendor_pattern("Acme", "(?i)acm[0-9]+x?");
    return t;
  }();
  return g;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks a context, the rest is the text.
  static const errkb::CodeContext kContexts[] = {
      {}, {"eBay", ""}, {"Microsoft", "Windows Update"}, {"Acme", ""}, {"", "SQLite"}, {"Linux", "curl"}};
  const errkb::CodeContext& ctx = kContexts[data[0] % (sizeof kContexts / sizeof kContexts[0])];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const auto occs = grammar().find_codes(text, ctx);
  size_t last_end = 0;
  for (const auto& o : occs) {
    check(o.begin >= last_end && o.begin < o.end && o.end <= text.size());
    check(o.raw == text.substr(o.begin, o.end - o.begin));
    check(!o.interpretations.empty());
    for (const auto& r : o.interpretations) {
      check(!r.canonical.empty() && r.canonical.find(':') != std::string::npos);
      for (char c : r.canonical) check(c != ' ' && !(c >= 'A' && c <= 'Z'));
      check(r.confidence >= 0.0 && r.confidence <= 1.0);
    }
    // A literal reading comes last and never alone (codes.h).
    for (size_t k = 0; k + 1 < o.interpretations.size(); ++k) check(o.interpretations[k].family != "literal");
    check(o.interpretations.front().family != "literal");
    last_end = o.end;
  }
  (void)errkb::codes_to_json(occs, -1);
  if (text.size() <= 64) {
    for (const auto& r : grammar().interpret(text, ctx)) check(!r.canonical.empty());
    (void)grammar().interpret_catalogue_code("Acme", text);
  }
  return 0;
}
