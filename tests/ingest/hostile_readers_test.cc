// Hostile inputs to single readers: each is read in bounded time and stack, and what is wrong is an
// error at its line, never a crash, an exception or undefined behaviour.
#include <gtest/gtest.h>

#include <climits>
#include <string>

#include "errkb/ingest.h"
#include "fixtures.h"

namespace errkb {
namespace {

using testing::errors_of;

std::string repeat(std::string_view piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(HostileReaders, ForumVotesBeyondIntAreClampedNotUndefined) {
  const std::string text =
      "{\"id\":\"t1\",\"title\":\"Printer offline\",\"posts\":[{\"body\":\"The printer shows offline.\","
      "\"is_question\":true},{\"body\":\"Restart the spooler service.\",\"votes\":1e308,\"accepted\":true}]}\n"
      "{\"id\":\"t2\",\"title\":\"Scanner offline\",\"posts\":[{\"body\":\"The scanner shows offline.\","
      "\"is_question\":true},{\"body\":\"Reinstall the driver.\",\"votes\":-2147483649,\"accepted\":true}]}\n";
  FileReadResult r = read_forum_jsonl("forums/votes.jsonl", text);
  ASSERT_EQ(r.items.size(), 2u) << errors_of(r);
  EXPECT_EQ(r.items[0].passages.at(0).votes, INT_MAX);
  EXPECT_EQ(r.items[1].passages.at(0).votes, INT_MIN);
}

TEST(HostileReaders, ForumLineNestedDeepIsRejectedAlone) {
  const std::string text = "{\"id\":\"t1\",\"posts\":" + repeat("[", 200000) +
                           "\n{\"id\":\"t2\",\"title\":\"Kept\",\"posts\":[{\"body\":\"Still read.\"}]}\n";
  FileReadResult r = read_forum_jsonl("forums/deep.jsonl", text);
  ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_NE(r.errors[0].message.find("nested deeper than"), std::string::npos) << r.errors[0].message;
  EXPECT_FALSE(r.complete);
}

TEST(HostileReaders, ForumNumberBeyondDoubleIsRejectedAlone) {
  const std::string text = "{\"id\":\"t1\",\"posts\":[{\"body\":\"x\",\"votes\":1e400}]}\n"
                           "{\"id\":\"t2\",\"title\":\"Kept\",\"posts\":[{\"body\":\"Still read.\"}]}\n";
  FileReadResult r = read_forum_jsonl("forums/big.jsonl", text);
  ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string().rfind("forums/big.jsonl:1: number 1e400", 0), 0u) << r.errors[0].to_string();
}

TEST(HostileReaders, ForumIdOverTheTermLimitIsRejectedAlone) {
  const std::string text = "{\"id\":\"" + repeat("t", 300) + "\",\"posts\":[{\"body\":\"x\"}]}\n" +
                           "{\"id\":\"t2\",\"title\":\"Kept\",\"posts\":[{\"body\":\"Still read.\"}]}\n";
  FileReadResult r = read_forum_jsonl("forums/long.jsonl", text);
  ASSERT_EQ(r.items.size(), 1u) << errors_of(r);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_NE(r.errors[0].message.find("bytes long (at most"), std::string::npos) << r.errors[0].message;
}

}  // namespace
}  // namespace errkb
