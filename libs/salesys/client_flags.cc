#include "libs/salesys/client_flags.h"

#include <grpcpp/security/credentials.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace crm::salesys {

ClientFlags::ClientFlags(config::Flags& flags, const std::string& purpose) {
  address_ = flags.String("salesys-address", "CRM_SALESYS_ADDRESS", "localhost:50060",
                          absl::StrCat("the company's sales system (", purpose, ")"));
  api_key_file_ = flags.String("salesys-api-key-file", "CRM_SALESYS_API_KEY_FILE", "",
                               "file holding the sales system's API key (empty: none)");
  tls_ = flags.Bool("salesys-tls", "CRM_SALESYS_TLS", false,
                    "reach the sales system over TLS (verified with the system's trusted roots)");
  timeout_ = flags.Duration("salesys-timeout", "CRM_SALESYS_TIMEOUT", absl::Seconds(2),
                            "longest a sales-system call may take, retries included");
  cache_ttl_ = flags.Duration("salesys-cache-ttl", "CRM_SALESYS_CACHE_TTL", absl::Minutes(5),
                              "how long products and product lines are cached");
  cache_entries_ = flags.Int("salesys-cache-entries", "CRM_SALESYS_CACHE_ENTRIES", 10000,
                             "products cached at most", 1, 10'000'000);
}

absl::StatusOr<ClientOptions> ClientFlags::Resolve() const {
  ClientOptions o;
  o.address = *address_;
  o.timeout = *timeout_;
  o.cache_ttl = *cache_ttl_;
  o.cache_entries = static_cast<size_t>(*cache_entries_);
  if (*tls_) o.credentials = grpc::SslCredentials(grpc::SslCredentialsOptions());
  if (!api_key_file_->empty()) {
    auto key = config::ReadFile("salesys-api-key-file", *api_key_file_);
    if (!key.ok()) return key.status();
    o.api_key = std::string(absl::StripAsciiWhitespace(*key));
  }
  return o;
}

}  // namespace crm::salesys
