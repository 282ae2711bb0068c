#include "tests/e2e/stack.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>

#include <fstream>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "libs/auth/tokens.h"
#include "libs/rpc/status_convert.h"

namespace crm::e2e {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path);
  out << content;
  return out ? absl::OkStatus() : absl::InternalError("cannot write " + path);
}

bool serve_on_unix_sockets = false;

}  // namespace

void ServeOnUnixSockets(bool on) { serve_on_unix_sockets = on; }

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

ServiceUnderTest::~ServiceUnderTest() {
  process_.reset();
  if (!dir_.empty()) (void)test::RunCommand("rm -rf " + test::ShellQuote(dir_));
  if (!unix_socket_.empty()) std::remove(unix_socket_.c_str());
}

std::string ServiceUnderTest::target() const {
  return unix_socket_.empty() ? absl::StrCat("127.0.0.1:", port_) : "unix:" + unix_socket_;
}

absl::Status ServiceUnderTest::Launch(const std::string& binary, const std::string& conninfo,
                                      std::vector<std::string> args) {
  // A port picked free can be taken before the service binds it (by another test, or as the
  // local end of a connection): then the service is started again on other ports.
  absl::Status started;
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = test::PickFreePort();
    metrics_port_ = test::PickFreePort();
    std::vector<std::string> all = {
        "--listen-host=127.0.0.1",
        absl::StrCat("--grpc-port=", port_),
        absl::StrCat("--metrics-port=", metrics_port_),
        "--drain-timeout=5s",
    };
    if (serve_on_unix_sockets) {
      if (!unix_socket_.empty()) std::remove(unix_socket_.c_str());  // an earlier attempt's
      unix_socket_ = absl::StrCat("/tmp/crm-e2e-", getpid(), "-", port_, ".sock");
      all.push_back("--grpc-unix-socket=" + unix_socket_);
    }
    if (!conninfo.empty()) {
      all.push_back("--db-url=" + conninfo);
      all.push_back("--db-pool-size=4");
    }
    all.insert(all.end(), args.begin(), args.end());
    options_ = {test::BuiltBinary(binary), all, {}};
    process_.reset();
    started = Restart();
    const bool port_taken = absl::StrContains(started.message(), "cannot listen on") ||
                            absl::StrContains(started.message(), "cannot serve metrics on");
    if (started.ok() || !port_taken) break;
  }
  if (!started.ok()) return started;
  channel_ = grpc::CreateChannel(target(), grpc::InsecureChannelCredentials());
  return absl::OkStatus();
}

int ServiceUnderTest::Stop() { return process_ == nullptr ? 0 : process_->Stop(); }

absl::Status ServiceUnderTest::Restart(std::vector<std::string> more_args) {
  if (process_ != nullptr && process_->Running()) process_->Stop();
  options_.args.insert(options_.args.end(), more_args.begin(), more_args.end());
  auto process = test::ServiceProcess::Start(options_);
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  return process_->WaitForServing(target(), absl::Seconds(60));
}

absl::StatusOr<std::unique_ptr<AuthServer>> AuthServer::Start(test::TestDatabase& db,
                                                              std::vector<std::string> extra_args) {
  auto conninfo = db.ProvisionService("auth", "crm_auth");
  if (!conninfo.ok()) return conninfo.status();
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
  std::vector<std::string> args = {
      "--jwt-private-key-file=" + key_path,
      "--bootstrap-admin-password-file=" + s->dir_ + "/admin-password",
      "--argon2-ops=1",
      "--argon2-memory-kib=8192",
      // Every test signs in from 127.0.0.1, many times.
      "--sign-in-burst=1000000",
      "--sign-in-per-minute=1000000",
  };
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  if (auto st = s->Launch("services/auth/crm-auth", *conninfo, args); !st.ok()) return st;
  return s;
}

absl::StatusOr<std::string> AuthServer::Login(const std::string& username,
                                              const std::string& password) {
  auto stub = auth::v1::AuthService::NewStub(channel());
  auth::v1::LoginRequest req;
  req.set_username(username);
  req.set_password(password);
  auth::v1::LoginResponse resp;
  grpc::Status status = stub->Login(Ctx().get(), req, &resp);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  return resp.tokens().access_token();
}

absl::StatusOr<std::string> AuthServer::CreateUser(const std::string& username,
                                                   const std::string& role,
                                                   const std::string& department_id) {
  auto admin = Login("admin", kAdminPassword);
  if (!admin.ok()) return admin.status();
  auto stub = auth::v1::DirectoryService::NewStub(channel());
  auth::v1::CreateUserRequest req;
  req.mutable_user()->set_username(username);
  req.mutable_user()->set_department_id(department_id);
  req.mutable_user()->add_roles(role);
  req.set_initial_password("s3cret-pass");
  auth::v1::User user;
  grpc::Status status = stub->CreateUser(Ctx(*admin).get(), req, &user);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  return user.id();
}

absl::StatusOr<std::string> AuthServer::CreateServiceAccount(const std::string& username,
                                                             const std::string& role) {
  auto admin = Login("admin", kAdminPassword);
  if (!admin.ok()) return admin.status();
  auto stub = auth::v1::DirectoryService::NewStub(channel());
  auth::v1::CreateServiceAccountRequest req;
  req.mutable_service_account()->set_username(username);
  req.mutable_service_account()->add_roles(role);
  auth::v1::CreateServiceAccountResponse resp;
  grpc::Status status = stub->CreateServiceAccount(Ctx(*admin).get(), req, &resp);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  const std::string path = dir_ + "/" + username + ".secret";
  if (auto s = WriteFile(path, resp.client_secret()); !s.ok()) return s;
  return path;
}

absl::StatusOr<std::string> AuthServer::ServiceToken(const std::string& username,
                                                     const std::string& role) {
  auto secret_file = CreateServiceAccount(username, role);
  if (!secret_file.ok()) return secret_file.status();
  std::ifstream in(*secret_file);
  std::string secret;
  std::getline(in, secret);
  auto stub = auth::v1::AuthService::NewStub(channel());
  auth::v1::IssueServiceTokenRequest req;
  req.set_client_id(username);
  req.set_client_secret(secret);
  auth::v1::IssueServiceTokenResponse resp;
  grpc::Status status = stub->IssueServiceToken(Ctx().get(), req, &resp);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  return resp.access_token();
}

absl::StatusOr<std::string> AuthServer::CreateDepartment(const std::string& name,
                                                         const std::string& parent_id) {
  auto admin = Login("admin", kAdminPassword);
  if (!admin.ok()) return admin.status();
  auto stub = auth::v1::DirectoryService::NewStub(channel());
  auth::v1::CreateDepartmentRequest req;
  req.mutable_department()->set_name(name);
  req.mutable_department()->set_parent_id(parent_id);
  auth::v1::Department d;
  grpc::Status status = stub->CreateDepartment(Ctx(*admin).get(), req, &d);
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  return d.id();
}

absl::StatusOr<std::unique_ptr<PipelineServer>> PipelineServer::Start(
    test::TestDatabase& db, const AuthServer& auth, const CustomersServer& customers,
    std::vector<std::string> extra_args) {
  auto conninfo = db.ProvisionService("pipeline", "crm_pipeline");
  if (!conninfo.ok()) return conninfo.status();
  std::unique_ptr<PipelineServer> s(new PipelineServer());
  std::vector<std::string> args = {"--jwt-public-keys=" + auth.public_key_spec(),
                                   "--auth-address=" + auth.target(),
                                   "--customers-address=" + customers.target()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  if (auto st = s->Launch("services/pipeline/crm-pipeline", *conninfo, args); !st.ok()) {
    return st;
  }
  return s;
}

absl::StatusOr<std::unique_ptr<CustomersServer>> CustomersServer::Start(
    test::TestDatabase& db, const AuthServer& auth, std::vector<std::string> extra_args) {
  auto conninfo = db.ProvisionService("customers", "crm_customers");
  if (!conninfo.ok()) return conninfo.status();
  std::unique_ptr<CustomersServer> s(new CustomersServer());
  std::vector<std::string> args = {"--jwt-public-keys=" + auth.public_key_spec(),
                                   "--auth-address=" + auth.target()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  if (auto st = s->Launch("services/customers/crm-customers", *conninfo, args); !st.ok()) {
    return st;
  }
  return s;
}

absl::StatusOr<std::unique_ptr<SalesSystemFake>> SalesSystemFake::Start(
    std::vector<std::string> flags, std::string socket) {
  static int started = 0;
  std::unique_ptr<SalesSystemFake> fake(new SalesSystemFake());
  fake->socket_ = !socket.empty()
                      ? socket
                      : absl::StrCat("/tmp/crm-salesys-test-", getpid(), "-", ++started, ".sock");
  std::vector<std::string> args = {"--grpc-port=0", "--metrics-port=0",
                                   "--grpc-unix-socket=" + fake->socket_, "--demo-customers=20",
                                   "--drain-timeout=1s"};
  args.insert(args.end(), flags.begin(), flags.end());
  auto process = test::ServiceProcess::Start(
      {test::BuiltBinary("services/salesys-fake/crm-salesys-fake"), args, {}});
  if (!process.ok()) return process.status();
  fake->process_ = *std::move(process);
  if (absl::Status s = fake->process_->WaitForServing(fake->address(), absl::Seconds(30));
      !s.ok()) {
    return absl::UnavailableError(absl::StrCat(s.message(), "\n", fake->process_->Output()));
  }
  return fake;
}

absl::StatusOr<std::unique_ptr<ContractsServer>> ContractsServer::Start(
    test::TestDatabase& db, const AuthServer& auth, const CustomersServer& customers,
    const PipelineServer& pipeline, const std::string& sales_system,
    std::vector<std::string> extra_args) {
  auto conninfo = db.ProvisionService("contracts", "crm_contracts");
  if (!conninfo.ok()) return conninfo.status();
  std::unique_ptr<ContractsServer> s(new ContractsServer());
  std::vector<std::string> args = {
      "--jwt-public-keys=" + auth.public_key_spec(), "--auth-address=" + auth.target(),
      "--customers-address=" + customers.target(), "--pipeline-address=" + pipeline.target(),
      "--salesys-address=" + sales_system};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  if (auto st = s->Launch("services/contracts/crm-contracts", *conninfo, args); !st.ok()) {
    return st;
  }
  return s;
}

absl::StatusOr<std::unique_ptr<PaymentsServer>> PaymentsServer::Start(
    test::TestDatabase& db, const AuthServer& auth, const ContractsServer& contracts,
    const std::string& account_secret_file, std::vector<std::string> extra_args) {
  auto conninfo = db.ProvisionService("payments", "crm_payments");
  if (!conninfo.ok()) return conninfo.status();
  std::unique_ptr<PaymentsServer> s(new PaymentsServer());
  std::vector<std::string> args = {
      "--jwt-public-keys=" + auth.public_key_spec(), "--auth-address=" + auth.target(),
      "--contracts-address=" + contracts.target(), "--service-client-id=payments-follower",
      "--service-client-secret-file=" + account_secret_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  if (auto st = s->Launch("services/payments/crm-payments", *conninfo, args); !st.ok()) {
    return st;
  }
  return s;
}

absl::StatusOr<std::unique_ptr<ServiceServer>> ServiceServer::Start(
    test::TestDatabase& db, const AuthServer& auth, const CustomersServer& customers,
    const std::string& account_secret_file, std::vector<std::string> extra_args) {
  auto conninfo = db.ProvisionService("service", "crm_service");
  if (!conninfo.ok()) return conninfo.status();
  std::unique_ptr<ServiceServer> s(new ServiceServer());
  std::vector<std::string> args = {
      "--jwt-public-keys=" + auth.public_key_spec(), "--auth-address=" + auth.target(),
      "--customers-address=" + customers.target(), "--service-client-id=service-follower",
      "--service-client-secret-file=" + account_secret_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  if (auto st = s->Launch("services/service/crm-service", *conninfo, args); !st.ok()) {
    return st;
  }
  return s;
}

absl::StatusOr<std::unique_ptr<AnalyticsServer>> AnalyticsServer::Start(
    test::TestDatabase& db, const AuthServer& auth, const std::string& account_secret_file,
    std::vector<std::string> extra_args) {
  auto conninfo = db.ProvisionService("analytics", "crm_analytics");
  if (!conninfo.ok()) return conninfo.status();
  std::unique_ptr<AnalyticsServer> s(new AnalyticsServer());
  std::vector<std::string> args = {"--jwt-public-keys=" + auth.public_key_spec(),
                                   "--auth-address=" + auth.target()};
  if (!account_secret_file.empty()) {
    args.push_back("--service-client-id=analytics-follower");
    args.push_back("--service-client-secret-file=" + account_secret_file);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  if (auto st = s->Launch("services/analytics/crm-analytics", *conninfo, args); !st.ok()) {
    return st;
  }
  return s;
}

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const AuthServer& auth, std::vector<std::string> extra_args) {
  std::unique_ptr<GatewayServer> s(new GatewayServer());
  s->http_port_ = test::PickFreePort();
  std::vector<std::string> args = {"--jwt-public-keys=" + auth.public_key_spec(),
                                   "--auth-address=" + auth.target(),
                                   absl::StrCat("--http-port=", s->http_port_)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  if (auto st = s->Launch("services/gateway/crm-gateway", "", args); !st.ok()) return st;
  return s;
}

// One call of any method, by its descriptor, with an empty request (one empty message on a
// client stream), as the caller with `token`. A stream the caller may open (an event stream)
// stays open: it is given a second.
grpc::Status CallEmpty(grpc::ChannelInterface* channel, const google::protobuf::MethodDescriptor& m,
                       const std::string& token, const std::string& request_bytes) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(m.server_streaming() ? 1 : 10)));
  ctx.AddMetadata("authorization", "Bearer " + token);
  const std::string name = absl::StrCat("/", m.service()->full_name(), "/", m.name());
  grpc::Slice empty(request_bytes);
  grpc::ByteBuffer request(&empty, 1), response;
  using Kind = grpc::internal::RpcMethod::RpcType;
  if (!m.client_streaming() && !m.server_streaming()) {
    return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel, grpc::internal::RpcMethod(name.c_str(), Kind::NORMAL_RPC), &ctx, request,
        &response);
  }
  if (!m.client_streaming()) {
    std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
        grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
            channel, grpc::internal::RpcMethod(name.c_str(), Kind::SERVER_STREAMING), &ctx,
            request));
    while (reader->Read(&response)) {
    }
    return reader->Finish();
  }
  if (!m.server_streaming()) {
    std::unique_ptr<grpc::ClientWriter<grpc::ByteBuffer>> writer(
        grpc::internal::ClientWriterFactory<grpc::ByteBuffer>::Create(
            channel, grpc::internal::RpcMethod(name.c_str(), Kind::CLIENT_STREAMING), &ctx,
            &response));
    writer->Write(request);
    writer->WritesDone();
    return writer->Finish();
  }
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel, grpc::internal::RpcMethod(name.c_str(), Kind::BIDI_STREAMING), &ctx));
  stream->Write(request);
  stream->WritesDone();
  while (stream->Read(&response)) {
  }
  return stream->Finish();
}

}  // namespace crm::e2e
