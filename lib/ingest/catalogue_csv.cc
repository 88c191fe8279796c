// Catalogues in CSV (RFC 4180): a header row naming the columns (code, name, severity, category,
// message, description, causes, resolution, url, and vendor/product/language unless the file is
// named "<vendor>[-<product>].csv"). Quoted fields may hold commas, newlines and "" escapes.
// Several causes in one cell are separated by newlines or ';'; resolution steps by newlines.
#include <map>

#include "errkb/ingest.h"
#include "ingest/catalogue.h"
#include "ingest/internal.h"

namespace errkb {
namespace ingest {
namespace {

struct CsvRecord {
  int line = 0;  // where the record starts
  std::vector<std::string> fields;
  bool blank() const { return fields.size() == 1 && trim(fields[0]).empty(); }
};

struct CsvError {
  int line = 0;
  std::string message;
};

// A file may hold at most this many broken quotes: reading resumes after each, a bounded number of
// times, so that the work stays linear in the file.
constexpr int kMaxQuoteRecoveries = 100;

// Splits RFC 4180 text into records. A quote that is never closed, or that closes over lines and is
// followed by text (`"broken` ... `a "word" b`: it swallowed the lines between), is an error on the
// line it opened; its record is dropped and reading resumes on the next line.
std::vector<CsvRecord> parse_csv(std::string_view text, std::vector<CsvError>& errors) {
  std::vector<CsvRecord> records;
  CsvRecord rec;
  std::string field;
  int line = 1;
  rec.line = 1;
  bool in_quotes = false;
  bool quoted_field = false;
  int quote_line = 0;
  size_t quote_pos = 0;
  size_t i = 0;
  auto end_field = [&] {
    rec.fields.push_back(std::move(field));
    field.clear();
    quoted_field = false;
  };
  auto end_record = [&] {
    end_field();
    records.push_back(std::move(rec));
    rec = CsvRecord{};
    rec.line = line;
  };
  // Drops the record holding the broken quote and goes on after the quote's line; false at the end.
  auto recover = [&](std::string message) {
    errors.push_back({quote_line, std::move(message)});
    const size_t next_line = text.find('\n', quote_pos);
    if (next_line == std::string_view::npos || errors.size() > kMaxQuoteRecoveries) return false;
    i = next_line + 1;
    line = quote_line + 1;
    rec = CsvRecord{};
    rec.line = line;
    field.clear();
    in_quotes = quoted_field = false;
    return true;
  };
  for (;;) {
    if (i >= text.size()) {
      if (in_quotes && recover("quoted field opened here is never closed")) continue;
      break;
    }
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          i += 2;
          continue;
        }
        in_quotes = false;
        ++i;
        const bool spanned_lines = line > quote_line;
        if (spanned_lines && i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r' &&
            !recover("quoted field opened here closes on line " + std::to_string(line) +
                     " followed by more text: a quote is missing"))
          return records;
        continue;
      }
      if (c == '\n') ++line;
      field += c;
      ++i;
      continue;
    }
    if (c == '"' && field.empty() && !quoted_field) {
      in_quotes = true;
      quoted_field = true;
      quote_line = line;
      quote_pos = i;
      ++i;
    } else if (c == ',') {
      end_field();
      ++i;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;  // CRLF: the '\n' ends the record
    } else if (c == '\n') {
      ++line;
      end_record();
      ++i;
    } else {
      field += c;
      ++i;
    }
  }
  if (in_quotes) return records;  // reported by recover(): the broken record is dropped
  if (!field.empty() || !rec.fields.empty() || quoted_field) end_record();
  return records;
}

}  // namespace
}  // namespace ingest

FileReadResult read_catalogue_csv(std::string_view rel, std::string_view text) {
  using namespace ingest;
  FileReadResult result;
  if (!accept_catalogue_text(rel, text, result)) return result;
  CatalogueCollector collector(rel, result);
  std::vector<CsvError> parse_errors;
  std::vector<CsvRecord> records = parse_csv(text, parse_errors);
  for (CsvError& e : parse_errors) collector.error(e.line, std::move(e.message));
  size_t first = 0;
  while (first < records.size() && records[first].blank()) ++first;
  if (first == records.size()) {
    collector.error(0, "no header row");
    return result;
  }
  std::map<std::string, size_t> column;
  const CsvRecord& header = records[first];
  for (size_t c = 0; c < header.fields.size(); ++c) column[to_lower_ascii(trim(header.fields[c]))] = c;
  if (!column.contains("code")) {
    collector.error(header.line, "the header row has no \"code\" column");
    return result;
  }
  std::string file_vendor, file_product;
  vendor_product_from_file_name(rel, file_vendor, file_product);
  result.catalogue_vendor = file_vendor;

  for (size_t r = first + 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    if (rec.blank()) continue;
    if (rec.fields.size() != header.fields.size()) {
      collector.error(rec.line, "row has " + std::to_string(rec.fields.size()) + " columns, the header has " +
                                    std::to_string(header.fields.size()));
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = column.find(name);
      return it == column.end() ? std::string() : rec.fields[it->second];
    };
    CatalogueEntry e;
    e.vendor = get("vendor");
    if (trim(e.vendor).empty()) e.vendor = file_vendor;
    e.product = get("product");
    if (trim(e.product).empty() && !column.contains("vendor")) e.product = file_product;
    e.language = get("language");
    e.code = get("code");
    e.name = get("name");
    e.severity = get("severity");
    e.category = get("category");
    e.message = get("message");
    e.description = get("description");
    e.causes = split_trimmed(get("causes"), "\n;");
    e.resolution = get("resolution");
    e.url = get("url");
    if (column.contains("vendor") && !trim(e.vendor).empty()) result.catalogue_vendor = trim(e.vendor);
    collector.add(std::move(e), rec.line);
  }
  collector.finish();
  return result;
}

}  // namespace errkb
