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

}  // namespace crm::service
