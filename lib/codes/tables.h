// Built-in facts the grammar knows without any catalogue: short tables of names, numbers and
// meanings (errno, HTTP, curl, SQLite, SQLSTATE classes, common Windows names). Larger tables
// come at run time from catalogues (CodeGrammar::add_catalogue_code).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace errkb::codes {

struct NamedValue {
  int64_t value;
  std::string_view name;
  std::string_view message;  // may be empty
};

// Windows: HRESULTs (as unsigned 32-bit values), Win32 errors, NTSTATUS values, bug checks.
std::span<const NamedValue> hresult_names();
std::span<const NamedValue> win32_names();
std::span<const NamedValue> ntstatus_names();
std::span<const NamedValue> bugcheck_names();
std::span<const NamedValue> devmgr_codes();
std::span<const NamedValue> hresult_facilities();  // facility number -> FACILITY_ name
std::span<const NamedValue> http_statuses();       // number -> reason phrase (name is the phrase)
std::span<const NamedValue> iis_substatuses();     // status * 1000 + sub-status (403014) -> meaning
std::span<const NamedValue> curl_codes();          // CURLE_ names
std::span<const NamedValue> sqlite_codes();        // primary and extended result codes
std::span<const NamedValue> mysql_codes();         // common server (ER_) and client (CR_) errors
std::span<const NamedValue> mssql_codes();         // common SQL Server messages
std::span<const NamedValue> oracle_codes();        // common ORA- errors

struct SqlstateFact {
  std::string_view code;  // "28000", "42P01", or a two-character class "28"
  std::string_view name;  // PostgreSQL condition name when known ("unique_violation")
  std::string_view message;
};
std::span<const SqlstateFact> sqlstate_classes();
std::span<const SqlstateFact> sqlstate_codes();

// errno (Linux): name and message of a number, from the C library's own tables.
std::string_view errno_name(int value);
std::string_view errno_message(int value);
constexpr int kMaxErrno = 133;

// Prefixes of UPPER_SNAKE constants that are error symbols even when their value is unknown.
std::span<const std::string_view> symbol_prefixes();

const NamedValue* find_value(std::span<const NamedValue> table, int64_t value);

}  // namespace errkb::codes
