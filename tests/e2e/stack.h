#pragma once
// Real service processes for end-to-end tests, wired the way the local stack wires them.

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "libs/testing/pg.h"
#include "libs/testing/process.h"

namespace crm::e2e {

inline constexpr char kAdminPassword[] = "Admin-pass-1";

class AuthServer {
 public:
  // Provisions the auth role and schema in the database with superuser conninfo `admin`,
  // writes a fresh signing key and starts crm-auth with the first admin "admin". Cheap
  // password hashing keeps tests quick; extra_args may override any flag.
  static absl::StatusOr<std::unique_ptr<AuthServer>> Start(
      test::TestDatabase& db, std::vector<std::string> extra_args = {});
  // Same, for a database given by the service role's conninfo (already provisioned).
  static absl::StatusOr<std::unique_ptr<AuthServer>> StartWith(const std::string& conninfo,
                                                               std::vector<std::string> extra_args);
  ~AuthServer();

  std::string target() const;
  int metrics_port() const { return metrics_port_; }
  const std::string& public_key_path() const { return public_key_path_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  test::ServiceProcess& process() { return *process_; }

  // The access token of a password sign-in.
  absl::StatusOr<std::string> Login(const std::string& username, const std::string& password);

 private:
  AuthServer() = default;
  int port_ = 0;
  int metrics_port_ = 0;
  std::string dir_;
  std::string public_key_path_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<test::ServiceProcess> process_;
};

}  // namespace crm::e2e
