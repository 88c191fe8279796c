// API keys (compared by SHA-256, never kept in plain), scopes and per-key token-bucket rate limits.
#pragma once

#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api_errors.h"
#include "config.h"

namespace errkb::server {

// Tokens refill at `rate` per second up to `burst`; each request takes one.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate, double burst, Clock::time_point now);
  // 0 when a token was taken; otherwise the seconds until one is available.
  double take(Clock::time_point now);

 private:
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

struct AuthDecision {
  bool allowed = false;
  ApiError error = ApiError::missing_key;  // when !allowed
  std::string detail;
  std::string key_id;     // "" for anonymous
  int retry_after_s = 0;  // for rate_limited
};

class KeyRing {
 public:
  explicit KeyRing(const ServerConfig& config);
  // Takes the keys and the anonymous rate of `config` (a reload): requests from now on are checked
  // against them; a kept key keeps its token bucket.
  void replace(const ServerConfig& config);

  // `presented` is the key from `Authorization: Bearer <key>` or `X-API-Key` ("" = none);
  // `client` the remote address (anonymous rate limits). Scope::kNone routes are always allowed.
  AuthDecision authorize(std::string_view presented, Scope needed, const std::string& client,
                         TokenBucket::Clock::time_point now = TokenBucket::Clock::now());
  bool open() const {
    std::shared_lock lock(keys_mutex_);
    return by_hash_.empty();
  }

 private:
  struct Key {
    ApiKeyConfig config;
    std::mutex mutex;
    std::unique_ptr<TokenBucket> bucket;  // null = unlimited
  };
  mutable std::shared_mutex
      keys_mutex_;  // by_hash_ and anonymous_rate_: shared by requests, unique for replace()
  std::unordered_map<std::string, std::unique_ptr<Key>> by_hash_;
  double anonymous_rate_ = 0;
  std::mutex anonymous_mutex_;
  std::unordered_map<std::string, TokenBucket> anonymous_buckets_;
};

// The key a request presents, from `Authorization: Bearer` or `X-API-Key`.
std::string presented_key(const httplib::Request& req);

}  // namespace errkb::server
