#pragma once
// Access tokens for a service's own background work (following other services' events):
// issued by the auth service for a service account's client credentials, and reused until a
// minute before they expire.

#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace crm::config {
class Flags;
}  // namespace crm::config

namespace crm::service {

class ServiceTokens {
 public:
  ServiceTokens(std::shared_ptr<grpc::Channel> auth, std::string client_id,
                std::string client_secret);
  // Reads the secret from a file (trailing whitespace dropped).
  static absl::StatusOr<std::unique_ptr<ServiceTokens>> FromFile(
      std::shared_ptr<grpc::Channel> auth, std::string client_id, const std::string& secret_file);

  absl::StatusOr<std::string> Get();

 private:
  std::shared_ptr<grpc::Channel> auth_;
  std::string client_id_;
  std::string client_secret_;
  std::mutex mu_;
  std::string token_;
  absl::Time renew_at_ = absl::InfinitePast();
};

// The --service-client-id and --service-client-secret-file flags of a service that works as
// a service account of its own.
class ServiceAccountFlags {
 public:
  // `purpose`: what the account is for, in the id flag's help.
  ServiceAccountFlags(config::Flags& flags, const std::string& purpose);
  // The account's tokens; nullptr when no id is configured, an error when one is but its
  // secret cannot be read.
  absl::StatusOr<std::unique_ptr<ServiceTokens>> Load(std::shared_ptr<grpc::Channel> auth) const;
  // Whether an account is configured (after Flags::ParseOrExit).
  bool configured() const { return !id_->empty(); }

 private:
  std::string* id_;
  std::string* secret_file_;
};

}  // namespace crm::service
