// One vendor error-catalogue entry, as every catalogue reader (JSON, CSV, eBay JSON/XML) sees it,
// and the collector that turns entries into Items and rejects duplicate codes.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "errkb/record.h"

namespace errkb::ingest {

struct CatalogueEntry {
  std::string vendor, product, language;
  std::string code, name, severity, category, message, description, resolution, url;
  std::vector<std::string> causes;
  std::string extra;  // anything else worth indexing (eBay error parameters)
};

class CatalogueCollector {
 public:
  CatalogueCollector(std::string_view rel, FileReadResult& out) : rel_(rel), out_(out) {}
  // Adds one entry; `line` (0 if unknown) and `where` ("errors[3]") locate it in messages.
  void add(CatalogueEntry entry, int line, std::string_view where = {});
  void error(int line, std::string message);
  // Entries too short for language detection on their own get the language of the whole file's
  // text. Call once, after the last add().
  void finish();

 private:
  std::string rel_;
  FileReadResult& out_;
  std::map<std::string, std::string> seen_;  // code -> where it was first defined
  std::vector<size_t> without_language_;     // indexes into out_.items
  std::string undetected_text_;              // their text, for one detection over the file
};

// The opening of the catalogue readers given text (JSON, CSV): the file must be UTF-8 text
// (check_encoding; a UTF-8 byte order mark is dropped from `text`). When it is not, its error goes
// into `result`, which is marked incomplete, and the answer is false.
bool accept_catalogue_text(std::string_view rel, std::string_view& text, FileReadResult& result);

// "<vendor>[-<product>].<ext>" -> vendor, product (for catalogues that do not name their vendor).
void vendor_product_from_file_name(std::string_view rel, std::string& vendor, std::string& product);

}  // namespace errkb::ingest
