// Access to the reader fixtures in tests/fixtures/ingest.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "errkb/record.h"

namespace errkb::testing {

inline std::filesystem::path fixture_root() {
  return std::filesystem::path(ERRKB_SOURCE_DIR) / "tests" / "fixtures" / "ingest";
}

// Bytes of a fixture file, relative to tests/fixtures/ingest.
inline std::string read_fixture(const std::string& rel) {
  std::ifstream in(fixture_root() / rel, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string errors_of(const FileReadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

}  // namespace errkb::testing
