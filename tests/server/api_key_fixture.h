// An API key entry for tests: the plain key is hashed the way a config file's `key:` is.
#pragma once

#include <set>
#include <string>

#include "config.h"

namespace errkb::server::test {

inline ApiKeyConfig key(std::string id, std::string plain, std::set<Scope> scopes, double rate = 0,
                        double burst = 0) {
  ApiKeyConfig k;
  k.id = std::move(id);
  k.sha256_hex = sha256_hex(plain);
  k.scopes = std::move(scopes);
  k.rate_per_second = rate;
  k.burst = burst;
  return k;
}

}  // namespace errkb::server::test
