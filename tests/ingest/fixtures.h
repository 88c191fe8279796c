// Access to the reader fixtures in tests/fixtures/ingest.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

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

// `piece` `times` times over: the hostile inputs' nesting and filler.
inline std::string repeat(std::string_view piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

inline std::string errors_of(const FileReadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

// The whole file was refused: no items, and one error on `line` whose message contains `fragment`.
// Call it inside ASSERT_NO_FATAL_FAILURE before reading r.errors[0] further.
inline void expect_file_refused(const FileReadResult& r, int line, std::string_view fragment) {
  EXPECT_TRUE(r.items.empty());
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, line);
  EXPECT_NE(r.errors[0].message.find(fragment), std::string::npos) << r.errors[0].message;
}

}  // namespace errkb::testing
