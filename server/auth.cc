#include "auth.h"

#include <algorithm>
#include <cmath>

namespace errkb::server {

TokenBucket::TokenBucket(double rate, double burst, Clock::time_point now)
    : rate_(rate), burst_(burst > 0 ? burst : std::max(1.0, rate)), tokens_(burst_), last_(now) {}

double TokenBucket::take(Clock::time_point now) {
  double elapsed = std::chrono::duration<double>(now - last_).count();
  if (elapsed > 0) {
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_ = now;
  }
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return 0;
  }
  return (1 - tokens_) / rate_;
}

KeyRing::KeyRing(const ServerConfig& config) { replace(config); }

void KeyRing::replace(const ServerConfig& config) {
  auto now = TokenBucket::Clock::now();
  std::unique_lock lock(keys_mutex_);
  std::unordered_map<std::string, std::unique_ptr<Key>> keys;
  for (const auto& key_config : config.api_keys) {
    auto kept = by_hash_.find(key_config.sha256_hex);
    if (kept != by_hash_.end() && kept->second->config == key_config) {
      keys.emplace(key_config.sha256_hex, std::move(kept->second));
      continue;
    }
    auto key = std::make_unique<Key>();
    key->config = key_config;
    if (key_config.rate_per_second > 0) {
      key->bucket = std::make_unique<TokenBucket>(key_config.rate_per_second, key_config.burst, now);
    }
    keys.emplace(key_config.sha256_hex, std::move(key));
  }
  by_hash_ = std::move(keys);
  if (anonymous_rate_ != config.anonymous_rate_per_second) {
    std::lock_guard buckets(anonymous_mutex_);
    anonymous_buckets_.clear();
    anonymous_rate_ = config.anonymous_rate_per_second;
  }
}

AuthDecision KeyRing::authorize(std::string_view presented, Scope needed, const std::string& client,
                                TokenBucket::Clock::time_point now) {
  AuthDecision decision;
  auto rate_limited = [&](double wait_s) {
    decision.allowed = false;
    decision.error = ApiError::rate_limited;
    decision.retry_after_s = std::max(1, static_cast<int>(std::ceil(wait_s)));
    decision.detail = "rate limit reached; retry in " + std::to_string(decision.retry_after_s) + " s";
    return decision;
  };

  if (needed == Scope::kNone) {  // health, readiness, metrics, the API document
    decision.allowed = true;
    return decision;
  }
  std::shared_lock keys_lock(keys_mutex_);  // `key` below stays valid until the decision is made
  Key* key = nullptr;
  if (!presented.empty()) {
    auto it = by_hash_.find(sha256_hex(presented));
    if (it == by_hash_.end()) {
      // A wrong key is refused even on open routes: a typo should not silently work anonymously.
      decision.error = ApiError::invalid_key;
      decision.detail = "the API key is not known to this server";
      return decision;
    }
    key = it->second.get();
    decision.key_id = key->config.id;
  }

  const bool open_route = by_hash_.empty() && needed != Scope::kAdmin;
  if (!key && !open_route) {
    decision.error = ApiError::missing_key;
    decision.detail = needed == Scope::kAdmin
                          ? "admin routes need a key with the admin scope (Authorization: Bearer <key>)"
                          : "this route needs a key with the " + std::string(scope_name(needed)) +
                                " scope (Authorization: Bearer <key>)";
    return decision;
  }
  if (key && !key->config.scopes.count(needed)) {
    decision.error = ApiError::missing_scope;
    decision.detail =
        "key '" + key->config.id + "' does not have the " + std::string(scope_name(needed)) + " scope";
    return decision;
  }

  if (key && key->bucket) {
    std::lock_guard lock(key->mutex);
    if (double wait = key->bucket->take(now); wait > 0) return rate_limited(wait);
  } else if (!key && anonymous_rate_ > 0) {
    std::lock_guard lock(anonymous_mutex_);
    if (anonymous_buckets_.size() > 100000) anonymous_buckets_.clear();  // bound memory under address churn
    auto it = anonymous_buckets_.try_emplace(client, anonymous_rate_, 0.0, now).first;
    if (double wait = it->second.take(now); wait > 0) return rate_limited(wait);
  }
  decision.allowed = true;
  return decision;
}

std::string presented_key(const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() &&
      std::equal(kBearer.begin(), kBearer.end(), auth.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      })) {
    return auth.substr(kBearer.size());
  }
  return req.get_header_value("X-API-Key");
}

}  // namespace errkb::server
