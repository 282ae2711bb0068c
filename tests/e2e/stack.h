#pragma once
// Real service processes for end-to-end tests, wired the way the local stack wires them.

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "libs/testing/pg.h"
#include "libs/testing/process.h"

namespace crm::e2e {

inline constexpr char kAdminPassword[] = "Root-pass-2026";

// One call of any method, by its descriptor, with an empty request (or `request_bytes`; one
// message on a client stream), as the caller with `token`. A stream the caller may open (an
// event stream) stays open: it is given a second.
grpc::Status CallEmpty(grpc::ChannelInterface* channel, const google::protobuf::MethodDescriptor& m,
                       const std::string& token, const std::string& request_bytes = "");

// A call's context: a 10 s deadline and, unless empty, "authorization: Bearer <token>".
std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "");

// Whether the services started from now on also listen on a Unix-domain socket of their own,
// which their target() then names, so that calls to them and between them take it (the
// benchmarks: as pgbench reaches PostgreSQL). Off by default: calls go over TCP.
void ServeOnUnixSockets(bool on);

// A service binary running on free ports.
class ServiceUnderTest {
 public:
  virtual ~ServiceUnderTest();
  // "127.0.0.1:<port>", or "unix:<path>" (ServeOnUnixSockets).
  std::string target() const;
  int metrics_port() const { return metrics_port_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  test::ServiceProcess& process() { return *process_; }
  // Stops the process (SIGTERM); returns its exit code.
  int Stop();
  // Starts it again (stopping it first if it runs) on the same ports and database, with
  // `more_args` added for good, and waits until it reports SERVING.
  absl::Status Restart(std::vector<std::string> more_args = {});

 protected:
  // Starts binary (relative to the build directory) with the database (none when conninfo is
  // empty), ports and extra arguments, and waits until it reports SERVING.
  absl::Status Launch(const std::string& binary, const std::string& conninfo,
                      std::vector<std::string> args);
  // A temporary directory for keys and secrets, removed with the object.
  std::string dir_;

 private:
  int port_ = 0;
  int metrics_port_ = 0;
  std::string unix_socket_;  // empty: none
  std::shared_ptr<grpc::Channel> channel_;
  test::ProcessOptions options_;
  std::unique_ptr<test::ServiceProcess> process_;
};

class AuthServer : public ServiceUnderTest {
 public:
  // Provisions the auth role and schema in the database, writes a fresh signing key and starts
  // crm-auth with the first admin "admin". Cheap password hashing keeps tests quick;
  // extra_args may override any flag.
  static absl::StatusOr<std::unique_ptr<AuthServer>> Start(
      test::TestDatabase& db, std::vector<std::string> extra_args = {});

  // "kid=path" of the key that verifies this server's tokens.
  std::string public_key_spec() const { return "auth-1=" + public_key_path_; }
  const std::string& public_key_path() const { return public_key_path_; }

  // The access token of a password sign-in.
  absl::StatusOr<std::string> Login(const std::string& username, const std::string& password);
  // Creates a user as the admin (password "s3cret-pass"); returns the user's id.
  absl::StatusOr<std::string> CreateUser(const std::string& username, const std::string& role,
                                         const std::string& department_id);
  // Creates a service account as the admin and writes its secret to a file in this server's
  // directory; returns that file's path.
  absl::StatusOr<std::string> CreateServiceAccount(const std::string& username,
                                                   const std::string& role);
  // Creates a service account with `role` as the admin and returns an access token of it.
  absl::StatusOr<std::string> ServiceToken(const std::string& username, const std::string& role);
  // Creates a department as the admin; returns its id.
  absl::StatusOr<std::string> CreateDepartment(const std::string& name,
                                               const std::string& parent_id = "");

 private:
  std::string public_key_path_;
};

class CustomersServer : public ServiceUnderTest {
 public:
  // Provisions the customers role and schema and starts crm-customers trusting `auth`'s key.
  static absl::StatusOr<std::unique_ptr<CustomersServer>> Start(
      test::TestDatabase& db, const AuthServer& auth, std::vector<std::string> extra_args = {});
};

class PipelineServer : public ServiceUnderTest {
 public:
  // Provisions the pipeline role and schema and starts crm-pipeline trusting `auth`'s key and
  // calling `customers`.
  static absl::StatusOr<std::unique_ptr<PipelineServer>> Start(
      test::TestDatabase& db, const AuthServer& auth, const CustomersServer& customers,
      std::vector<std::string> extra_args = {});
};

// The stand-in for the company's sales system (crm-salesys-fake), on a Unix socket of its own
// (a restarted one gets the same address back, which a TCP port freed for a moment need not).
class SalesSystemFake {
 public:
  // Starts it with extra flags (20 demo customers unless given), on `socket` (empty: a new one).
  static absl::StatusOr<std::unique_ptr<SalesSystemFake>> Start(std::vector<std::string> flags = {},
                                                                std::string socket = "");
  std::string address() const { return "unix:" + socket_; }
  const std::string& socket() const { return socket_; }
  void Stop() { process_->Stop(); }

 private:
  SalesSystemFake() = default;
  std::string socket_;
  std::unique_ptr<test::ServiceProcess> process_;
};

class ContractsServer : public ServiceUnderTest {
 public:
  // Provisions the contracts role and schema and starts crm-contracts trusting `auth`'s key
  // and calling the other services and the sales system at `sales_system`.
  static absl::StatusOr<std::unique_ptr<ContractsServer>> Start(
      test::TestDatabase& db, const AuthServer& auth, const CustomersServer& customers,
      const PipelineServer& pipeline, const std::string& sales_system,
      std::vector<std::string> extra_args = {});
};

class PaymentsServer : public ServiceUnderTest {
 public:
  // Provisions the payments role and schema and starts crm-payments trusting `auth`'s key,
  // following `contracts`' events as the service account whose secret is in
  // `account_secret_file` (username "payments-follower").
  static absl::StatusOr<std::unique_ptr<PaymentsServer>> Start(
      test::TestDatabase& db, const AuthServer& auth, const ContractsServer& contracts,
      const std::string& account_secret_file, std::vector<std::string> extra_args = {});
};

class ServiceServer : public ServiceUnderTest {
 public:
  // Provisions the service role and schema and starts crm-service trusting `auth`'s key,
  // checking customers in `customers` and following its hand-overs and merges as the service
  // account whose secret is in `account_secret_file` (username "service-follower").
  static absl::StatusOr<std::unique_ptr<ServiceServer>> Start(
      test::TestDatabase& db, const AuthServer& auth, const CustomersServer& customers,
      const std::string& account_secret_file, std::vector<std::string> extra_args = {});
};

class AnalyticsServer : public ServiceUnderTest {
 public:
  // Provisions the analytics role and schema and starts crm-analytics trusting `auth`'s key,
  // following every service's events as the service account whose secret is in
  // `account_secret_file` (username "analytics-follower"; none when empty); the other services'
  // addresses come in `extra_args` (--customers-address=…).
  static absl::StatusOr<std::unique_ptr<AnalyticsServer>> Start(
      test::TestDatabase& db, const AuthServer& auth, const std::string& account_secret_file,
      std::vector<std::string> extra_args = {});
};

// The gateway (crm-gateway) in front of the backends given in `extra_args`
// (--customers-address=…, --salesys-address=…), with its HTTP/JSON port on a free port.
class GatewayServer : public ServiceUnderTest {
 public:
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const AuthServer& auth, std::vector<std::string> extra_args = {});
  int http_port() const { return http_port_; }

 private:
  int http_port_ = 0;
};

}  // namespace crm::e2e
