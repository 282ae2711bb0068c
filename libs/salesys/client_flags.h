#pragma once
// The command-line flags (and environment variables) that configure a service's sales-system
// client.

#include <string>

#include "libs/config/flags.h"
#include "libs/salesys/client.h"

namespace crm::salesys {

class ClientFlags {
 public:
  // `purpose` says what the service uses the sales system for (in --help).
  ClientFlags(config::Flags& flags, const std::string& purpose);
  // The options the flags give (with the API key read from its file); after ParseOrExit.
  absl::StatusOr<ClientOptions> Resolve() const;

 private:
  std::string* address_;
  std::string* api_key_file_;
  bool* tls_;
  absl::Duration* timeout_;
  absl::Duration* cache_ttl_;
  int64_t* cache_entries_;
};

}  // namespace crm::salesys
