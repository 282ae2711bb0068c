#include "tests/e2e/stack.h"

#include <stdlib.h>

#include <fstream>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "libs/auth/tokens.h"
#include "libs/rpc/status_convert.h"

namespace crm::e2e {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path);
  out << content;
  return out ? absl::OkStatus() : absl::InternalError("cannot write " + path);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuthServer>> AuthServer::Start(test::TestDatabase& db,
                                                              std::vector<std::string> extra_args) {
  auto conninfo = db.ProvisionService("auth", "crm_auth");
  if (!conninfo.ok()) return conninfo.status();
  return StartWith(*conninfo, std::move(extra_args));
}

absl::StatusOr<std::unique_ptr<AuthServer>> AuthServer::StartWith(
    const std::string& conninfo, std::vector<std::string> extra_args) {
  std::unique_ptr<AuthServer> s(new AuthServer());
  char dir[] = "/tmp/crm-e2e-XXXXXX";
  if (mkdtemp(dir) == nullptr) return absl::InternalError("mkdtemp failed");
  s->dir_ = dir;
  auto key = auth::GenerateSigningKeyPem();
  if (!key.ok()) return key.status();
  const std::string key_path = s->dir_ + "/auth-1.pem";
  s->public_key_path_ = s->dir_ + "/auth-1.pub.pem";
  if (auto st = WriteFile(key_path, *key); !st.ok()) return st;
  if (auto st = WriteFile(s->public_key_path_, *auth::PublicKeyPemOf(*key)); !st.ok()) return st;
  if (auto st = WriteFile(s->dir_ + "/admin-password", kAdminPassword); !st.ok()) return st;

  s->port_ = test::PickFreePort();
  s->metrics_port_ = test::PickFreePort();
  std::vector<std::string> args = {
      "--db-url=" + conninfo,
      "--listen-host=127.0.0.1",
      absl::StrCat("--grpc-port=", s->port_),
      absl::StrCat("--metrics-port=", s->metrics_port_),
      "--jwt-private-key-file=" + key_path,
      "--bootstrap-admin-password-file=" + s->dir_ + "/admin-password",
      "--argon2-ops=1",
      "--argon2-memory-kib=8192",
      "--db-pool-size=4",
      "--drain-timeout=5s",
  };
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto process =
      test::ServiceProcess::Start({test::BuiltBinary("services/auth/crm-auth"), args, {}});
  if (!process.ok()) return process.status();
  s->process_ = *std::move(process);
  if (auto st = s->process_->WaitForServing(s->target(), absl::Seconds(60)); !st.ok()) return st;
  s->channel_ = grpc::CreateChannel(s->target(), grpc::InsecureChannelCredentials());
  return s;
}

AuthServer::~AuthServer() {
  process_.reset();
  if (!dir_.empty()) (void)test::RunCommand("rm -rf " + test::ShellQuote(dir_));
}

std::string AuthServer::target() const { return absl::StrCat("127.0.0.1:", port_); }

absl::StatusOr<std::string> AuthServer::Login(const std::string& username,
                                              const std::string& password) {
  auto stub = auth::v1::AuthService::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auth::v1::LoginRequest req;
  req.set_username(username);
  req.set_password(password);
  auth::v1::LoginResponse resp;
  grpc::Status status = stub->Login(&ctx, req, &resp);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  return resp.tokens().access_token();
}

}  // namespace crm::e2e
