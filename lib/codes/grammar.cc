// CodeGrammar: the built-in vocabulary, teaching from catalogues, and the public entry points.
// The scanning itself lives in scanner/.
#include <algorithm>
#include <charconv>
#include <cstring>

#include "codes/grammar_impl.h"
#include "codes/tables.h"
#include "errkb/codes.h"

namespace errkb {
namespace codes {
namespace {

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr SystemVendor kSystemVendors[] = {
    {"win32", kCtxWindows, kVendorWindows},
    {"hresult", kCtxWindows, kVendorWindows},
    {"ntstatus", kCtxWindows, kVendorWindows},
    {"bugcheck", kCtxCrash | kCtxWindows, kVendorWindows},
    {"devmgr", kCtxDevmgr | kCtxWindows, kVendorWindows},
    {"errno", kCtxLinux, kVendorErrno},
    {"http", kCtxHttp, kVendorHttp},
    {"sqlstate", kCtxPostgres | kCtxMysql, kVendorPostgres},
    {"postgresql", kCtxPostgres, kVendorPostgres},
    {"postgres", kCtxPostgres, kVendorPostgres},
    {"curl", kCtxCurl, kVendorCurl},
    {"libcurl", kCtxCurl, kVendorCurl},
    {"sqlite", kCtxSqlite, kVendorSqlite},
    {"mysql", kCtxMysql, kVendorMysql},
    {"mariadb", kCtxMysql, kVendorMysql},
    {"mssql", kCtxMssql, kVendorMssql},
    {"sqlserver", kCtxMssql, kVendorMssql},
    {"ebay", kCtxEbay, kVendorEbay},
    {"oracle", kCtxOracle, kVendorOracle},
    {"smtp", kCtxSmtp, kVendorSmtp},
};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

std::optional<int64_t> number_of(std::string_view code) {
  if (auto d = parse_decimal(code)) return d;
  if (code.size() > 2 && code[0] == '0' && (code[1] == 'x' || code[1] == 'X')) {
    if (auto h = parse_hex(code); h && *h <= 0xFFFFFFFFull) return static_cast<int64_t>(*h);
  }
  return std::nullopt;
}

// A 32-bit Windows value as catalogues write it: hex with or without 0x ("0x80070005",
// "80070005", "C0000022"), or signed/unsigned decimal ("-2147024891", "2147942405").
std::optional<uint32_t> windows_value_of(std::string_view code) {
  const bool bare_hex = code.size() == 8 && std::all_of(code.begin(), code.end(), [](char c) {
                          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                        });
  if (bare_hex) return static_cast<uint32_t>(*parse_hex(code));
  if (auto d = parse_decimal(code)) {
    if (*d < 0 && *d >= INT32_MIN) return static_cast<uint32_t>(static_cast<int32_t>(*d));
    if (*d >= 0 && *d <= 0xFFFFFFFFll) return static_cast<uint32_t>(*d);
    return std::nullopt;
  }
  if (auto h = parse_hex(code)) {
    if (*h <= 0xFFFFFFFFull) return static_cast<uint32_t>(*h);
    if ((*h >> 32) == 0xFFFFFFFFull) return static_cast<uint32_t>(*h);
  }
  return std::nullopt;
}

// "403.14" -> (403, 14): an IIS sub-status as catalogues and canonical terms write it.
std::optional<std::pair<int64_t, int64_t>> http_substatus_of(std::string_view code) {
  const size_t dot = code.find('.');
  if (dot != 3 || code.size() < 5 || code.size() > 7) return std::nullopt;
  auto status = parse_decimal(code.substr(0, 3));
  auto sub = parse_decimal(code.substr(4));
  if (!status || !sub || *status < 100 || *status > 599 || *sub < 0) return std::nullopt;
  return std::pair{*status, *sub};
}

const NamedValue* by_name(std::span<const NamedValue> table, std::string_view name) {
  for (const auto& e : table)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace

const SystemVendor* system_vendor(std::string_view key) {
  for (const auto& v : kSystemVendors)
    if (v.key == key) return &v;
  return nullptr;
}

}  // namespace codes

std::string reading_vendor(const CodeInterpretation& reading) {
  if (codes::system_vendor(reading.family)) return facet_vendor(reading.family);
  return reading.family == "vendor" ? facet_vendor(reading.ns) : std::string();
}

std::string facet_vendor(std::string_view vendor) {
  const codes::SystemVendor* sys = codes::system_vendor(codes::vendor_key(vendor));
  if (!sys) return std::string(vendor);
  switch (sys->family) {
    case codes::kVendorWindows:
      return "Microsoft";
    case codes::kVendorErrno:
    case codes::kVendorHttp:
    case codes::kVendorSmtp:
      return {};
    default:
      return sys->key == "sqlstate" ? std::string() : std::string(vendor);
  }
}

namespace codes {

// The readings of a catalogue entry's code. Spelled by the same builders as prose readings, so a
// catalogue entry and a mention of its code meet on the same canonical term.
std::vector<CodeInterpretation> catalogue_readings(std::string_view vendor, std::string_view code_in,
                                                   std::string_view name) {
  const std::string vkey = vendor_key(vendor);
  const std::string code = trim(code_in);
  std::vector<CodeInterpretation> out;
  if (code.empty()) return out;
  const std::string lower = ascii_lower(code);

  auto numeric_or_named = [&](std::span<const NamedValue> table) -> std::optional<int64_t> {
    if (auto n = number_of(code)) return n;
    if (const NamedValue* e = by_name(table, code)) return e->value;
    return std::nullopt;
  };

  if (vkey == "win32") {
    if (auto n = numeric_or_named(win32_names())) out.push_back(win32_reading(*n));
  } else if (vkey == "hresult") {
    std::optional<uint32_t> v = windows_value_of(code);
    if (!v) {
      if (const NamedValue* e = by_name(hresult_names(), code)) v = static_cast<uint32_t>(e->value);
    }
    if (v) {
      // A catalogue says "HRESULT": the value is an HRESULT even when 0xC... could be an NTSTATUS.
      out.push_back(hresult_reading(*v));
      for (auto& r : windows_value_readings(*v))
        if (r.family != "hresult" && r.family != "ntstatus") out.push_back(std::move(r));
    }
  } else if (vkey == "ntstatus") {
    std::optional<uint32_t> v = windows_value_of(code);
    if (!v) {
      if (const NamedValue* e = by_name(ntstatus_names(), code)) v = static_cast<uint32_t>(e->value);
    }
    if (v) out.push_back(ntstatus_reading(*v));
  } else if (vkey == "bugcheck") {
    // Bug-check codes are written in hex, with or without 0x.
    std::optional<uint64_t> v = parse_hex(code);
    if (!v) {
      if (const NamedValue* e = by_name(bugcheck_names(), code)) v = static_cast<uint64_t>(e->value);
    }
    if (v && *v <= 0xFFFFFFFFull) out.push_back(bugcheck_reading(static_cast<uint32_t>(*v)));
  } else if (vkey == "devmgr") {
    if (auto n = parse_decimal(code)) out.push_back(devmgr_reading(*n));
  } else if (vkey == "errno") {
    std::optional<int64_t> n = parse_decimal(code);
    for (int i = 1; !n && i <= kMaxErrno; ++i)
      if (errno_name(i) == code) n = i;
    if (n) out.push_back(errno_reading(*n));
  } else if (vkey == "http") {
    if (auto n = parse_decimal(code))
      out.push_back(http_reading(*n));
    else if (auto sub = http_substatus_of(code))
      out.push_back(http_substatus_reading(sub->first, sub->second));
  } else if (vkey == "sqlstate" || vkey == "postgres" || vkey == "postgresql") {
    if (auto r = sqlstate_reading(code)) out.push_back(std::move(*r));
  } else if (vkey == "curl" || vkey == "libcurl") {
    if (auto n = numeric_or_named(curl_codes())) out.push_back(curl_reading(*n));
  } else if (vkey == "sqlite") {
    if (auto n = numeric_or_named(sqlite_codes())) out.push_back(sqlite_reading(*n));
  } else if (vkey == "mysql" || vkey == "mariadb") {
    if (auto n = numeric_or_named(mysql_codes())) out.push_back(mysql_reading(*n));
  } else if (vkey == "mssql" || vkey == "sqlserver") {
    if (auto n = parse_decimal(code)) out.push_back(mssql_reading(*n));
  } else if (vkey == "ebay") {
    if (auto n = parse_decimal(code); n && *n >= 0) out.push_back(ebay_reading(std::to_string(*n)));
  } else if (vkey == "oracle") {
    std::string_view prefix = "ora";
    std::string_view digits = lower;
    if (auto dash = lower.find('-'); dash != std::string::npos) {
      prefix = std::string_view(lower).substr(0, dash);
      digits = std::string_view(lower).substr(dash + 1);
    }
    if (prefix == "ora" || prefix == "tns" || prefix == "pls") {
      if (auto n = parse_decimal(digits); n && *n >= 0) out.push_back(oracle_reading(prefix, *n));
    }
  } else if (vkey == "smtp") {
    if (auto n = parse_decimal(code); n && smtp_reply_value(*n))
      out.push_back(smtp_reply_reading(*n));
    else if (auto r = smtp_enhanced_reading(code))
      out.push_back(std::move(*r));
  }
  if (out.empty()) out.push_back(vendor_reading(vkey, code));
  if (!name.empty()) out.front().name = std::string(name);
  return out;
}

WordInfo& WordTable::upsert(std::string_view key) {
  auto [it, fresh] = map_.try_emplace(std::string(key));
  if (fresh) filter_.add(key);
  max_len_ = std::max(max_len_, key.size());
  return it->second;
}

const WordInfo* WordTable::lookup(std::string_view word) const {
  char buf[64] = {};
  if (word.size() > sizeof buf) return nullptr;
  for (size_t i = 0; i < word.size(); ++i) buf[i] = fold(word[i]);
  auto it = map_.find(std::string_view(buf, word.size()));
  return it == map_.end() ? nullptr : &it->second;
}

void GrammarState::add_folded_name(std::string_view name, ReadingId id) {
  if (name.find('_') == std::string_view::npos) return;
  ReadingIds& list = folded_names[ascii_lower(name)];
  for (ReadingId have : list)
    if (readings[have].canonical == readings[id].canonical) return;
  list.push_back(id);
}

CodeInterpretation GrammarState::reading(ReadingId id) const {
  if (!(id & kTaughtBit)) return readings[id];
  const TaughtEntry& e = catalogue.entry(id & ~kTaughtBit);
  const std::string_view name = catalogue.text(e.name);
  CodeInterpretation r =
      std::move(catalogue_readings(vendor_keys[e.vendor_id], catalogue.text(e.code), name).front());
  r.message.clear();
  return r;
}

std::string_view GrammarState::canonical_of(ReadingId id) const {
  if (!(id & kTaughtBit)) return readings[id].canonical;
  return catalogue.text(catalogue.entry(id & ~kTaughtBit).canonical);
}

namespace {

// `ids`, then the taught entries whose canonical none of them has.
ReadingIds with_taught(const GrammarState& st, ReadingIds ids, const std::vector<uint32_t>& taught) {
  const size_t built_in = ids.size();
  for (uint32_t entry : taught) {
    const ReadingId id = entry | GrammarState::kTaughtBit;
    bool known = false;
    for (size_t k = 0; k < built_in && !known; ++k) known = st.canonical_of(ids[k]) == st.canonical_of(id);
    if (!known) ids.push_back(id);
  }
  return ids;
}

}  // namespace

ReadingIds GrammarState::names_of(std::string_view name) const {
  if (!name_filter.may_contain(name)) return {};
  auto it = names.find(name);
  return with_taught(*this, it == names.end() ? ReadingIds{} : it->second, catalogue.by_name(name));
}

ReadingIds GrammarState::folded_names_of(std::string_view folded) const {
  auto it = folded_names.find(folded);
  return with_taught(*this, it == folded_names.end() ? ReadingIds{} : it->second,
                     catalogue.by_folded_name(folded));
}

ReadingIds GrammarState::phrase_readings(std::string_view phrase) const {
  return with_taught(*this, {}, catalogue.by_phrase(phrase));
}

std::vector<TaughtCode> GrammarState::taught_codes_of(std::string_view key) const {
  std::vector<TaughtCode> out;
  if (!taught_filter.may_contain(key)) return out;
  for (uint32_t entry : catalogue.by_code(key)) {
    const TaughtEntry& e = catalogue.entry(entry);
    out.push_back({e.system ? -1 : e.vendor_id, e.ctx, entry | kTaughtBit});
  }
  return out;
}

void GrammarState::add_phrase_pair(std::string_view pair) {
  phrase_filter.add(pair);
  words.upsert(pair.substr(0, pair.find(' '))).phrase_start = true;
}

void GrammarState::add_vendor_words(std::string_view vendor, int32_t vid) {
  if (vendor_spellings.contains(vendor)) return;  // every entry of a catalogue names its vendor
  vendor_spellings.emplace(vendor);
  spelled_vendors.emplace_back(vendor, vid);
  WordInfo& w = words.upsert(vendor_key(vendor));
  w.catalogue_vendor = vid;
  if (w.vendor == kVendorNone) w.vendor = kVendorCatalogue;
  std::vector<std::string> parts;
  std::string current;
  for (char c : vendor) {
    if (c == ' ' || c == '\t') {
      if (!current.empty()) parts.push_back(std::move(current));
      current.clear();
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      current.push_back(fold(c));
    } else {
      return;  // "Acme (EU)": not typed as words
    }
  }
  if (!current.empty()) parts.push_back(std::move(current));
  if (parts.size() < 2 || parts.size() > 4) return;
  auto& list = vendor_phrases[parts.front()];
  for (const auto& p : list)
    if (p.words == parts) return;
  words.upsert(parts.front()).vendor_phrase_start = true;
  list.push_back({std::move(parts), vid});
}

int32_t GrammarState::vendor_id(const std::string& key) {
  auto [it, added] = vendor_ids.emplace(key, static_cast<int32_t>(vendor_keys.size()));
  if (added) vendor_keys.push_back(key);
  return it->second;
}

GrammarState::GrammarState() {
  auto cue = [&](std::initializer_list<std::string_view> keys, Cue c) {
    for (auto k : keys) words.upsert(k).cue = c;
  };
  auto part = [&](std::initializer_list<std::string_view> keys, Part p) {
    for (auto k : keys) words.upsert(k).part = p;
  };
  auto vendor = [&](std::initializer_list<std::string_view> keys, VendorFamily f, uint32_t ctx) {
    for (auto k : keys) {
      WordInfo& w = words.upsert(k);
      w.vendor = f;
      w.ctx |= ctx;
    }
  };
  auto context = [&](std::initializer_list<std::string_view> keys, uint32_t ctx) {
    for (auto k : keys) words.upsert(k).ctx |= ctx;
  };
  // Cue words in English, Romanian, Italian and Russian (Cyrillic is listed in the cases people type).
  cue({"error", "err", "eroare", "eroarea", "erorii", "errore", "ошибка", "ошибки", "ошибку", "ошибкой",
       "Ошибка", "Ошибки", "ОШИБКА", "ОШИБКИ", "fehler", "erreur", "error_code", "err_code", "errcode"},
      kCueError);
  cue({"code", "codice", "cod", "codul", "codului", "код", "Код", "КОД", "кодом", "кода"}, kCueCode);
  cue({"status", "stato", "статус", "Статус"}, kCueStatus);
  cue({"errno"}, kCueErrno);
  cue({"http"}, kCueHttp);
  cue({"bugcheck"}, kCueStop);
  cue({"msg"}, kCueMsg);
  cue({"sqlstate"}, kCueSqlstate);
  cue({"errorcode"}, kCueErrorTag);
  cue({"kb"}, kCueKb);
  cue({"warning", "warn", "avertisment", "avertismentul", "avviso", "предупреждение", "Предупреждение"},
      kCueWarning);
  cue({"eventid"}, kCueEvent);
  part({"sql"}, kPartSql);
  part({"server"}, kPartServer);
  part({"state"}, kPartState);
  part({"bug"}, kPartBug);
  part({"check"}, kPartCheck);
  part({"device"}, kPartDevice);
  part({"manager"}, kPartManager);
  part({"blue"}, kPartBlue);
  part({"screen"}, kPartScreen);
  part({"exit"}, kPartExit);
  part({"return"}, kPartReturn);
  part({"update"}, kPartUpdate);
  part({"stop"}, kPartStop);
  part({"system", "sistema", "sistem", "sistemului", "системная", "системной", "Системная"}, kPartSystem);
  part({"event"}, kPartEvent);
  part({"id"}, kPartId);
  part({"de", "di", "of", "del", "della"}, kPartConnector);
  part({"version", "versions", "ver", "v", "versione", "versiunea", "versiune", "versiunii", "версия",
        "версии", "версию", "release", "build"},
       kPartVersion);
  part({"declined", "refused", "respinsă", "respinsa", "rifiutata", "rifiutato", "отклонена", "отклонён"},
       kPartDeclined);
  part({"replied", "responded", "replies", "answered", "răspuns", "risposto", "ответил"}, kPartReplied);
  // Device Manager in other languages: "Manager dispozitive", "Gestione dispositivi", "Диспетчер устройств".
  part({"gestione", "gestiunea", "диспетчер", "Диспетчер", "диспетчере", "диспетчера"}, kPartManager);
  part({"dispozitive", "dispozitivul", "dispozitivului", "dispositivi", "dispositivo", "устройств",
        "устройства", "устройство", "устройстве"},
       kPartDevice);
  vendor({"windows", "win32", "microsoft", "hresult", "ntstatus"}, kVendorWindows, kCtxWindows);
  vendor({"linux", "unix", "posix", "ubuntu", "debian"}, kVendorErrno, kCtxLinux);
  vendor({"curl", "libcurl"}, kVendorCurl, kCtxCurl);
  vendor({"sqlite", "sqlite3"}, kVendorSqlite, kCtxSqlite);
  vendor({"mysql", "mariadb", "mysqld"}, kVendorMysql, kCtxMysql);
  vendor({"oracle"}, kVendorOracle, kCtxOracle);
  vendor({"mssql", "sqlserver"}, kVendorMssql, kCtxMssql);
  vendor({"postgres", "postgresql", "psql"}, kVendorPostgres, kCtxPostgres);
  vendor({"ebay"}, kVendorEbay, kCtxEbay);
  words.upsert("http").vendor = kVendorHttp;
  words.upsert("http").ctx |= kCtxHttp;
  context({"https", "nginx", "apache", "api"}, kCtxHttp);
  vendor({"iis"}, kVendorHttp, kCtxHttp);  // "IIS error 500", "IIS 403.14"
  context({"bsod", "crash", "crashed", "crashes", "minidump", "bugcheck", "dump"}, kCtxCrash);
  context({"errno"}, kCtxLinux);
  vendor({"smtp", "esmtp", "smtps"}, kVendorSmtp, kCtxSmtp);
  context(
      {"mail",     "mails",     "email",    "emails",   "mailbox",  "mailboxes", "bounce",     "bounced",
       "bounces",  "relay",     "relaying", "dmarc",    "spf",      "dkim",      "postfix",    "exchange",
       "sendmail", "exim",      "mta",      "ndr",      "gmail",    "outlook",   "posta",      "poșta",
       "poştă",    "poștă",     "poșta",    "почта",    "почты",    "почте",     "почту",      "почтой",
       "почтовый", "почтового", "почтовом", "почтовая", "почтовой", "письмо",    "письма",     "письме",
       "письмом",  "Почта",     "Письмо",   "Письма",   "E-mail",   "Posta",     "newsletter", "newsletters",
       "inbox",    "spam",      "rcpt",     "mx",       "sender"},
      kCtxSmtp);
  context({"printer",        "printers",    "usb",         "driver",      "drivers",
           "scanner",        "webcam",      "bluetooth",   "adapter",     "device",
           "devices",        "imprimanta",  "imprimantă",  "imprimantei", "driverul",
           "stampante",      "stampanti",   "periferica",  "dispozitive", "dispozitivul",
           "dispozitivului", "dispositivi", "dispositivo", "принтер",     "принтера",
           "принтере",       "сканер",      "драйвер",     "драйвера",    "устройств",
           "устройства",     "устройство",  "устройстве"},
          kCtxDevice);
  // Not "card" alone: SD cards, graphics cards and network cards have error codes of their own.
  context({"decline",   "payment",   "payments", "checkout",   "issuer", "issuing", "acquirer", "stripe",
           "adyen",     "braintree", "visa",     "mastercard", "plata",  "plată",   "plății",   "pagamento",
           "pagamenti", "оплата",    "оплаты",   "платеж",     "платёж", "платежа"},
          kCtxPayment);
  context({"violates", "violation", "duplicate", "constraint", "unique", "copy", "relation", "pg_dump",
           "pg_restore"},
          kCtxPgHint);

  // Symbolic names of the built-in tables.
  auto add_name = [&](std::string_view name, CodeInterpretation r) {
    if (name.empty()) return;
    const ReadingId id = keep(std::move(r));
    add_folded_name(name, id);
    auto& list = names[std::string(name)];
    if (list.empty()) name_filter.add(name);  // each key once: the filter keeps every key's hash
    list.push_back(id);
  };
  for (const auto& e : hresult_names())
    for (auto& r : windows_value_readings(static_cast<uint32_t>(e.value))) add_name(e.name, std::move(r));
  for (const auto& e : win32_names()) add_name(e.name, win32_reading(e.value));
  for (const auto& e : ntstatus_names()) add_name(e.name, ntstatus_reading(static_cast<uint32_t>(e.value)));
  for (const auto& e : bugcheck_names()) add_name(e.name, bugcheck_reading(static_cast<uint32_t>(e.value)));
  for (const auto& e : devmgr_codes()) add_name(e.name, devmgr_reading(e.value));
  for (const auto& e : curl_codes()) add_name(e.name, curl_reading(e.value));
  for (const auto& e : sqlite_codes()) add_name(e.name, sqlite_reading(e.value));
  for (const auto& e : mysql_codes()) add_name(e.name, mysql_reading(e.value));
  for (int i = 1; i <= kMaxErrno; ++i) add_name(errno_name(i), errno_reading(i));
  add_name("EWOULDBLOCK", errno_reading(11));
  add_name("EDEADLOCK", errno_reading(35));
  add_name("ENOTSUP", errno_reading(95));
  for (const auto& c : sqlstate_codes())
    if (auto r = sqlstate_reading(c.code)) add_name(c.name, std::move(*r));
}

}  // namespace codes

struct CodeGrammar::Impl {
  codes::GrammarState state;
};

CodeGrammar::CodeGrammar() : impl_(std::make_unique<Impl>()) {}
CodeGrammar::~CodeGrammar() = default;
CodeGrammar::CodeGrammar(CodeGrammar&&) noexcept = default;
CodeGrammar& CodeGrammar::operator=(CodeGrammar&&) noexcept = default;

void CodeGrammar::reserve_catalogue_codes(size_t entries) {
  codes::GrammarState& st = impl_->state;
  // Each entry adds at most one key to each filter (most catalogue entries have a symbolic name).
  st.catalogue.reserve(entries);
  st.taught_filter.reserve(entries);
  st.name_filter.reserve(entries);
}

void CodeGrammar::add_catalogue_code(const CatalogueCode& entry) {
  using namespace codes;
  GrammarState& st = impl_->state;
  const std::string vkey = vendor_key(entry.vendor);
  const std::string code = ascii_lower(vendor_key(entry.code));
  if (vkey.empty() || code.empty()) return;
  const SystemVendor* sys = system_vendor(vkey);
  const int32_t vid = st.vendor_id(vkey);
  // The vendor's name in prose points at its catalogue ("ShopFlow error 2001", "Shop Flow error 2001").
  if (!sys) st.add_vendor_words(entry.vendor, vid);
  const std::string written = trim(entry.code);
  std::vector<CodeInterpretation> readings = catalogue_readings(vkey, written, entry.name);
  const CodeInterpretation& primary = readings.front();
  // SMTP codes are read by their own shape and context ("550 5.7.1", "5.7.1" among mail words); a
  // taught "5.7.1" must not make every such version number a code.
  const bool smtp = sys && sys->family == kVendorSmtp;
  TaughtEntry taught;
  taught.vendor_id = vid;
  taught.ctx = sys ? sys->ctx : 0u;
  taught.system = sys != nullptr;
  taught.own_message = !entry.message.empty();
  taught.readable = !smtp;
  const TaughtCatalogue::Firsts firsts = st.catalogue.add(
      taught,
      {written, code, entry.name, taught.own_message ? entry.message : primary.message, primary.canonical});
  // Each key once: a filter keeps every key's hash. A built-in name is in its filter already.
  if (firsts.code) st.taught_filter.add(code);
  if (firsts.name && !st.names.contains(entry.name)) st.name_filter.add(entry.name);
  if (!firsts.pair.empty()) st.add_phrase_pair(firsts.pair);
}

namespace {

// Raised with any change to what taught_bytes writes (TaughtEntry, the slots, the order of fields).
constexpr uint64_t kTaughtBytesFormat = 1;

void put_text(std::string& out, std::string_view s) {
  const uint64_t n = s.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out += s;
}

bool get_text(std::string_view& in, std::string_view& s) {
  uint64_t n = 0;
  if (in.size() < sizeof n) return false;
  std::memcpy(&n, in.data(), sizeof n);
  in.remove_prefix(sizeof n);
  if (n > in.size()) return false;
  s = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

}  // namespace

std::string CodeGrammar::taught_bytes() const {
  const codes::GrammarState& st = impl_->state;
  std::string out;
  put_text(out, std::to_string(kTaughtBytesFormat) + "/" + std::to_string(sizeof(codes::TaughtEntry)));
  put_text(out, std::to_string(st.vendor_keys.size()));
  for (const auto& key : st.vendor_keys) put_text(out, key);
  put_text(out, std::to_string(st.spelled_vendors.size()));
  for (const auto& [spelling, vid] : st.spelled_vendors) {
    put_text(out, spelling);
    put_text(out, std::to_string(vid));
  }
  st.catalogue.append_to(out);
  return out;
}

bool CodeGrammar::read_taught_bytes(std::string_view in) {
  using namespace codes;
  GrammarState& st = impl_->state;
  if (!st.catalogue.empty()) return false;
  std::string_view field;
  auto number = [&](size_t& n) {
    if (!get_text(in, field)) return false;
    auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), n);
    return ec == std::errc() && p == field.data() + field.size();
  };
  if (!get_text(in, field) ||
      field != std::to_string(kTaughtBytesFormat) + "/" + std::to_string(sizeof(TaughtEntry)))
    return false;
  size_t vendors = 0, spellings = 0;
  if (!number(vendors) || vendors > in.size()) return false;
  std::vector<std::string_view> keys(vendors);
  for (auto& key : keys)
    if (!get_text(in, key)) return false;
  // The grammar's own vendors (its patterns') must be the first ones, in the same order.
  if (keys.size() < st.vendor_keys.size()) return false;
  for (size_t i = 0; i < keys.size(); ++i)
    if (i < st.vendor_keys.size() ? keys[i] != st.vendor_keys[i] : st.vendor_ids.contains(keys[i]))
      return false;
  if (!number(spellings) || spellings > in.size()) return false;
  std::vector<std::pair<std::string_view, size_t>> spelled(spellings);
  for (auto& [spelling, vid] : spelled)
    if (!get_text(in, spelling) || !number(vid) || vid >= vendors) return false;
  TaughtCatalogue catalogue;
  if (!catalogue.read_from(in) || !in.empty()) return false;
  for (uint32_t id = 0; id < catalogue.size(); ++id)
    if (catalogue.entry(id).vendor_id < 0 || static_cast<size_t>(catalogue.entry(id).vendor_id) >= vendors)
      return false;

  for (size_t i = st.vendor_keys.size(); i < keys.size(); ++i) st.vendor_id(std::string(keys[i]));
  for (const auto& [spelling, vid] : spelled) st.add_vendor_words(spelling, static_cast<int32_t>(vid));
  st.catalogue = std::move(catalogue);
  // The filters in front of the table, and the words that start a taught phrase.
  for (uint32_t id = 0; id < st.catalogue.size(); ++id) {
    const TaughtEntry& e = st.catalogue.entry(id);
    if (e.readable) st.taught_filter.add(st.catalogue.text(e.code_key));
    const std::string_view name = st.catalogue.text(e.name);
    if (!name.empty() && !st.names.contains(name)) st.name_filter.add(name);
  }
  for (const std::string& pair : st.catalogue.phrase_pairs()) st.add_phrase_pair(pair);
  return true;
}

bool CodeGrammar::add_code_shape(std::string_view code) {
  using namespace codes;
  if (code.starts_with("code:")) code.remove_prefix(5);
  size_t letters = 0;
  while (letters < code.size() &&
         ((code[letters] >= 'A' && code[letters] <= 'Z') || (code[letters] >= 'a' && code[letters] <= 'z')))
    ++letters;
  const size_t digits = code.size() - letters;
  if (letters < 1 || letters > kMaxCodeLetters || digits < kMinCodeDigits || digits > kMaxCodeDigits)
    return false;
  for (char c : code.substr(letters))
    if (c < '0' || c > '9') return false;
  impl_->state.words.upsert(ascii_lower(code.substr(0, letters))).code_digits |=
      static_cast<uint8_t>(1u << digits);
  return true;
}

namespace {

// Words of letters alone, in each script and case the KB's languages write, one letter to a long
// word. A vendor pattern is trusted: what it matches reads as a certain code of that vendor. One
// that matches such a word (".*", "\\w+", "[A-Z]+") would make ordinary query words codes.
constexpr std::string_view kLettersOnlyProbes[] = {
    "a",      "A",      "I",      "is",     "on",      "the",     "disk",       "Disk",
    "DISK",   "error",  "Error",  "ERROR",  "refused", "timeout", "connection", "eroare",
    "errore", "ошибка", "Ошибка", "ОШИБКА", "я",       "Я",       "ă",          "è"};

// Why `re` may not be a vendor's code pattern, or "".
std::string poisoning_problem(const RE2& re) {
  if (RE2::FullMatch("", re)) return "matches the empty string";
  for (std::string_view word : kLettersOnlyProbes)
    if (RE2::FullMatch(word, re))
      return "matches the word \"" + std::string(word) + "\": every word like it would read as a code";
  return {};
}

}  // namespace

Status CodeGrammar::add_vendor_pattern(std::string_view vendor, std::string_view re2_pattern) {
  using namespace codes;
  const std::string vkey = vendor_key(vendor);
  if (vkey.empty()) return Status::InvalidArgument("vendor pattern without a vendor");
  if (re2_pattern.empty())
    return Status::InvalidArgument("empty code pattern for vendor " + std::string(vendor));
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(8 << 20);
  auto re = std::make_unique<RE2>(re2_pattern, opts);
  if (!re->ok())
    return Status::InvalidArgument("code pattern of vendor " + std::string(vendor) +
                                   " does not compile: " + re->error());
  if (std::string problem = poisoning_problem(*re); !problem.empty())
    return Status::InvalidArgument("code pattern of vendor " + std::string(vendor) + " " + problem);
  GrammarState& st = impl_->state;
  for (const auto& p : st.patterns)
    if (p.vendor_key == vkey && p.re->pattern() == re->pattern()) return Status::OK();
  const int32_t vid = st.vendor_id(vkey);
  if (!system_vendor(vkey)) st.add_vendor_words(vendor, vid);
  st.patterns.push_back({vkey, std::move(re)});
  return Status::OK();
}

std::vector<CodeOccurrence> CodeGrammar::find_codes(std::string_view text, const CodeContext& ctx) const {
  return codes::scan(impl_->state, text, ctx);
}

namespace codes {
namespace {

// A canonical term typed back ("hresult:80070005", "ora:942", "shopflow:sf-2001"): the reading it
// names, spelled by the same builders. nullopt when the prefix is no family or taught vendor.
std::optional<CodeInterpretation> canonical_reading(const GrammarState& st, std::string_view typed) {
  const size_t colon = typed.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= typed.size()) return std::nullopt;
  const std::string prefix = ascii_lower(typed.substr(0, colon));
  const std::string body(typed.substr(colon + 1));
  for (char c : prefix)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return std::nullopt;
  for (char c : body)
    if (c == ' ' || c == ':') return std::nullopt;
  std::vector<CodeInterpretation> r;
  if (prefix == "hresult" || prefix == "ntstatus" || prefix == "bugcheck") {
    r = catalogue_readings(prefix, "0x" + body, {});
  } else if (prefix == "win32" || prefix == "errno" || prefix == "http" || prefix == "sqlstate" ||
             prefix == "curl" || prefix == "sqlite" || prefix == "mysql" || prefix == "mssql" ||
             prefix == "ebay" || prefix == "devmgr" || prefix == "smtp") {
    r = catalogue_readings(prefix, body, {});
  } else if (prefix == "ora" || prefix == "tns" || prefix == "pls") {
    r = catalogue_readings("oracle", prefix + "-" + body, {});
  } else if (prefix == "iso8583") {
    if (body.size() == 2 && parse_decimal(body)) return iso8583_reading(body);
    return std::nullopt;
  } else if (prefix == "hex") {
    if (auto v = parse_hex(body);
        v && body.size() <= 16 && body.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos)
      return hex_literal_reading(*v);
    return std::nullopt;
  } else if (prefix == "num") {
    if (auto n = parse_decimal(body); n && *n >= 0) return number_literal_reading(*n);
    return std::nullopt;
  } else if (prefix == "event") {
    if (auto n = parse_decimal(body); n && *n >= 0) return event_reading(*n);
    return std::nullopt;
  } else if (prefix == "kb") {
    if (parse_decimal(body)) return kb_reading(body);
    return std::nullopt;
  } else if (prefix == "symbol") {
    return symbol_reading(body);
  } else if (prefix == "exception") {
    return exception_reading(body, body.find('.') != std::string::npos);
  } else if (prefix == "code" || st.vendor_ids.count(prefix)) {
    CodeInterpretation v = vendor_reading(prefix, body);
    if (prefix == "code") v.ns = "";
    return v;
  }
  if (r.empty() || r.front().family == "vendor") return std::nullopt;  // the body did not parse
  if (ascii_lower(r.front().canonical) != ascii_lower(typed)) return std::nullopt;
  return r.front();
}

}  // namespace
}  // namespace codes

std::vector<CodeInterpretation> CodeGrammar::interpret(std::string_view code, const CodeContext& ctx) const {
  const std::string typed = codes::trim(code);
  std::vector<CodeInterpretation> out;
  if (typed.empty()) return out;
  if (typed.size() <= 200 && typed.find(' ') == std::string::npos) {
    if (auto r = codes::canonical_reading(impl_->state, typed)) {
      out.push_back(std::move(*r));
      return out;
    }
  }
  auto collect = [&](const std::vector<CodeOccurrence>& occs) {
    for (const auto& o : occs)
      for (const auto& r : o.interpretations) {
        bool dup = false;
        for (const auto& have : out) dup = dup || have.canonical == r.canonical;
        if (!dup) out.push_back(r);
      }
  };
  collect(codes::scan(impl_->state, typed, ctx));
  if (out.empty() && typed.size() <= 40 && typed.find(' ') == std::string::npos) {
    // A bare number or short hex typed on its own is meant as a code: read it as "error N".
    collect(codes::scan(impl_->state, "error " + typed, ctx));
  }
  return out;
}

std::optional<CodeInterpretation> CodeGrammar::title_code(std::string_view title) const {
  using namespace codes;
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t letters = 0, end = 0;
  while (letters < title.size() && letter(title[letters])) ++letters;
  for (end = letters; end < title.size() && digit(title[end]);) ++end;
  const size_t digits = end - letters;
  if (letters < 1 || letters > kMaxCodeLetters || digits < kMinCodeDigits || digits > kMaxCodeDigits)
    return {};
  const std::string_view rest = title.substr(end);
  const bool closed = rest.empty() || rest[0] == ':' || rest.starts_with(" -") || rest.starts_with(" :") ||
                      rest.starts_with(" \u2013") || rest.starts_with(" \u2014");
  if (!closed) return {};
  const std::string_view token = title.substr(0, end);
  // Read as a code typed alone (interpret's "error <token>"), so that what is no vendor's prefix (ISO9001,
  // USB3000) stays no code.
  for (auto& r : interpret(token))
    if (r.canonical == "code:" + ascii_lower(token)) return std::move(r);
  return {};
}

std::vector<CodeInterpretation> CodeGrammar::interpret_catalogue_code(std::string_view vendor,
                                                                      std::string_view code,
                                                                      std::string_view name) const {
  std::vector<CodeInterpretation> out = codes::catalogue_readings(vendor, code, name);
  for (auto& r : out) {
    const auto info = impl_->state.catalogue.info(r.canonical);
    if (!info) continue;
    if (r.name.empty()) r.name = std::string(info->name);
    if (r.message.empty()) r.message = std::string(info->message);
  }
  return out;
}

}  // namespace errkb
