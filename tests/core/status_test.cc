#include "errkb/status.h"

#include <gtest/gtest.h>

#include "errkb/record.h"

namespace errkb {

TEST(Status, OkByDefaultAndNamed) {
  EXPECT_TRUE(Status().ok());
  Status s = Status::NotFound("no index at /x").With("opening");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: opening: no index at /x");
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = Status::InvalidArgument("limit must be <= 100");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "limit must be <= 100");
}

TEST(InputError, FormatsPathAndLine) {
  EXPECT_EQ((InputError{"forums/a.jsonl", 3, "broken JSON"}).to_string(), "forums/a.jsonl:3: broken JSON");
  EXPECT_EQ((InputError{"articles/x.md", 0, "invalid UTF-8"}).to_string(), "articles/x.md: invalid UTF-8");
  EXPECT_EQ(parse_source_kind(to_string(SourceKind::kForum)), SourceKind::kForum);
  EXPECT_FALSE(parse_source_kind("blog").has_value());
}

}  // namespace errkb
