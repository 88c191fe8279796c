// API keys, scopes and token-bucket rate limits.
#include "auth.h"

#include <gtest/gtest.h>

#include "api_key_fixture.h"

namespace errkb::server {
namespace {

using Clock = TokenBucket::Clock;

using test::key;

TEST(TokenBucket, RefillsAtItsRate) {
  auto t0 = Clock::now();
  TokenBucket bucket(2.0, 3.0, t0);
  EXPECT_EQ(bucket.take(t0), 0);
  EXPECT_EQ(bucket.take(t0), 0);
  EXPECT_EQ(bucket.take(t0), 0);
  double wait = bucket.take(t0);
  EXPECT_NEAR(wait, 0.5, 1e-9);  // one token per 0.5 s
  EXPECT_EQ(bucket.take(t0 + std::chrono::milliseconds(500)), 0);
  // Never more than the burst, however long it was idle.
  auto later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.take(later), 0);
  EXPECT_GT(bucket.take(later), 0);
}

TEST(KeyRing, WithoutKeysEverythingButAdminIsOpen) {
  ServerConfig config;
  KeyRing keys(config);
  EXPECT_TRUE(keys.authorize("", Scope::kSearch, "1.2.3.4").allowed);
  EXPECT_TRUE(keys.authorize("", Scope::kFeedback, "1.2.3.4").allowed);
  EXPECT_TRUE(keys.authorize("", Scope::kNone, "1.2.3.4").allowed);
  auto admin = keys.authorize("", Scope::kAdmin, "1.2.3.4");
  EXPECT_FALSE(admin.allowed);
  EXPECT_EQ(admin.error, ApiError::missing_key);
  // A key that nobody configured is refused, not silently ignored.
  EXPECT_EQ(keys.authorize("guess", Scope::kSearch, "1.2.3.4").error, ApiError::invalid_key);
}

TEST(KeyRing, ScopesAreChecked) {
  ServerConfig config;
  config.api_keys = {key("desk", "desk-key", {Scope::kSearch, Scope::kFeedback}),
                     key("ops", "ops-key", {Scope::kAdmin})};
  KeyRing keys(config);
  EXPECT_EQ(keys.authorize("", Scope::kSearch, "a").error, ApiError::missing_key);
  EXPECT_EQ(keys.authorize("wrong", Scope::kSearch, "a").error, ApiError::invalid_key);
  auto desk = keys.authorize("desk-key", Scope::kSearch, "a");
  EXPECT_TRUE(desk.allowed);
  EXPECT_EQ(desk.key_id, "desk");
  EXPECT_EQ(keys.authorize("desk-key", Scope::kAdmin, "a").error, ApiError::missing_scope);
  EXPECT_TRUE(keys.authorize("ops-key", Scope::kAdmin, "a").allowed);
  // Admin does not imply search: scopes are explicit.
  EXPECT_EQ(keys.authorize("ops-key", Scope::kSearch, "a").error, ApiError::missing_scope);
  // Health and metrics need no key even when keys are configured.
  EXPECT_TRUE(keys.authorize("", Scope::kNone, "a").allowed);
}

TEST(KeyRing, PerKeyRateLimit) {
  ServerConfig config;
  config.api_keys = {key("slow", "slow-key", {Scope::kSearch}, 1.0, 2.0),
                     key("fast", "fast-key", {Scope::kSearch})};
  KeyRing keys(config);
  auto t0 = Clock::now();
  EXPECT_TRUE(keys.authorize("slow-key", Scope::kSearch, "a", t0).allowed);
  EXPECT_TRUE(keys.authorize("slow-key", Scope::kSearch, "a", t0).allowed);
  auto limited = keys.authorize("slow-key", Scope::kSearch, "a", t0);
  EXPECT_FALSE(limited.allowed);
  EXPECT_EQ(limited.error, ApiError::rate_limited);
  EXPECT_EQ(limited.retry_after_s, 1);
  // Another key has its own budget.
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(keys.authorize("fast-key", Scope::kSearch, "a", t0).allowed);
  EXPECT_TRUE(keys.authorize("slow-key", Scope::kSearch, "a", t0 + std::chrono::seconds(1)).allowed);
}

TEST(KeyRing, AnonymousRateIsPerClientAddress) {
  ServerConfig config;
  config.anonymous_rate_per_second = 1;
  KeyRing keys(config);
  auto t0 = Clock::now();
  EXPECT_TRUE(keys.authorize("", Scope::kSearch, "10.0.0.1", t0).allowed);
  EXPECT_EQ(keys.authorize("", Scope::kSearch, "10.0.0.1", t0).error, ApiError::rate_limited);
  EXPECT_TRUE(keys.authorize("", Scope::kSearch, "10.0.0.2", t0).allowed);
}

TEST(KeyRing, PresentedKeyFromBearerOrHeader) {
  httplib::Request bearer;
  bearer.set_header("Authorization", "Bearer abc123");
  EXPECT_EQ(presented_key(bearer), "abc123");
  httplib::Request header;
  header.set_header("X-API-Key", "xyz");
  EXPECT_EQ(presented_key(header), "xyz");
  EXPECT_EQ(presented_key(httplib::Request{}), "");
}

}  // namespace
}  // namespace errkb::server
