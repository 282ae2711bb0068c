#pragma once
// The auth service's configuration, from flags and environment variables.

#include <string>

#include "libs/service/common_config.h"
#include "services/auth/src/sessions.h"

namespace crm::auth_service {

struct Config {
  service::CommonConfig common;
  int cpu_threads = 2;

  std::string jwt_private_key_pem;  // loaded from the file
  std::string jwt_key_id;
  std::string jwt_extra_public_keys;  // "kid=path,…": keys of earlier signing keys
  bool dev = false;

  SessionConfig sessions;
  // Per peer address: the sign-in rate limit (a token bucket).
  double sign_in_per_second = 1;
  double sign_in_burst = 20;
  // Behind the gateway: the caller's address is its x-forwarded-for (the gateway sets it),
  // not the gateway's.
  bool trust_forwarded_for = false;

  std::string bootstrap_admin_username;
  std::string bootstrap_admin_password;  // may be empty: then no admin is created
};

// Parses flags and the environment, reads key and password files, and validates everything;
// exits with a message on bad configuration.
Config LoadConfig(int argc, char** argv);

}  // namespace crm::auth_service
