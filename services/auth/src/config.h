#pragma once
// The auth service's configuration, from flags and environment variables.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/rpc/server.h"
#include "services/auth/src/sessions.h"

namespace crm::auth_service {

struct Config {
  rpc::ServerOptions server;
  std::string db_url;
  int db_pool_size = 8;
  int db_read_sessions = 1;
  int cpu_threads = 2;
  bool migrate = true;
  std::string log_level = "info";

  std::string jwt_private_key_pem;  // loaded from the file
  std::string jwt_key_id;
  std::string jwt_extra_public_keys;  // "kid=path,…": keys of earlier signing keys
  std::string jwt_issuer;
  std::string jwt_audience;
  absl::Duration token_leeway = absl::Seconds(30);
  bool dev = false;

  SessionConfig sessions;

  std::string bootstrap_admin_username;
  std::string bootstrap_admin_password;  // may be empty: then no admin is created
};

// Parses flags and the environment, reads key and password files, and validates everything;
// exits with a message on bad configuration.
Config LoadConfig(int argc, char** argv);

}  // namespace crm::auth_service
