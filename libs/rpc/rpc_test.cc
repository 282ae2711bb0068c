#include <atomic>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <prometheus/registry.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "echo.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/tokens.h"
#include "libs/log/log.h"
#include "libs/rpc/call.h"
#include "libs/rpc/health_client.h"
#include "libs/rpc/rate_limiter.h"
#include "libs/rpc/server.h"
#include "libs/rpc/status_convert.h"
#include "libs/status/field_violations.h"
#include "libs/testing/http.h"
#include "libs/testing/pg.h"
#include "libs/testing/process.h"
#include "libs/testing/status_matchers.h"

namespace crm::rpc {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class EchoService : public crm::rpctest::EchoService::CallbackService {
 public:
  explicit EchoService(const Calls* calls)
      : calls_(calls->ForService(crm::rpctest::EchoService::service_full_name())) {}

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx,
                                 const crm::rpctest::EchoRequest* req,
                                 crm::rpctest::EchoResponse* resp) override {
    return calls_.Unary(ctx, __func__, [req, resp](Call& call, db::Conn&) -> absl::Status {
      if (req->sleep_ms() > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(req->sleep_ms()));
      if (req->fail_code() == 3) return InvalidField("text", "must be shouted");
      if (req->fail_code() != 0) {
        return absl::Status(static_cast<absl::StatusCode>(req->fail_code()),
                            "secret internal detail");
      }
      resp->set_text(req->text());
      resp->set_user_id(call.principal().user_id);
      resp->set_request_id(call.request_id());
      return absl::OkStatus();
    });
  }

 private:
  const Calls calls_;
};

class RpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = *auth::TokenSigner::Create("k1", *auth::GenerateSigningKeyPem(), "iss", "aud");
    verifier_ = std::make_unique<auth::TokenVerifier>(auth::TokenVerifier::Options{"iss", "aud"});
    ASSERT_THAT(verifier_->AddKey("k1", signer_->public_key_pem()), IsOk());
    // The echo handler never opens a session, so the pool needs no database.
    pool_ = std::make_unique<db::Pool>(db::PoolOptions{"host=/nonexistent", 2, "test"}, nullptr);
    metrics_port_ = test::PickFreePort();
    ServerOptions options;
    options.service_name = "echo";
    options.grpc_address = "127.0.0.1:0";
    // The metrics endpoint takes seconds to stop, so only the test that reads it has one.
    if (WithMetrics())
      options.metrics_address = absl::StrCat("127.0.0.1:", metrics_port_);
    else
      options.metrics_address = "";
    options.grpc_unix_socket = UnixSocket();
    options.tls = Tls();
    options.probe_interval = absl::Milliseconds(20);
    options.drain_timeout = absl::Seconds(5);
    server_ = std::make_unique<Server>(options);
    calls_ = std::make_unique<Calls>(pool_.get(), verifier_.get(), nullptr, nullptr,
                                     &server_->observer());
    service_ = std::make_unique<EchoService>(calls_.get());
    server_->AddService(service_.get());
    server_->SetReadinessProbe(
        [this] { return healthy_ ? absl::OkStatus() : absl::UnavailableError("database down"); });
    ASSERT_THAT(server_->Start(), IsOk());
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = crm::rpctest::EchoService::NewStub(channel_);
  }

  virtual bool WithMetrics() const { return false; }
  virtual std::string UnixSocket() const { return ""; }
  virtual ServerTls Tls() const { return {}; }

  void TearDown() override {
    server_.reset();
    pool_.reset();
  }

  std::string Token() {
    auth::Principal p;
    p.user_id = "user-1";
    p.issued_at = absl::Now();
    p.expires_at = absl::Now() + absl::Minutes(5);
    return *signer_->Sign(p);
  }

  grpc::Status Echo(const crm::rpctest::EchoRequest& req, crm::rpctest::EchoResponse* resp,
                    const std::string& token, grpc::ClientContext* ctx) {
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return stub_->Echo(ctx, req, resp);
  }

  grpc::Status Echo(const crm::rpctest::EchoRequest& req, crm::rpctest::EchoResponse* resp,
                    const std::string& token) {
    grpc::ClientContext ctx;
    return Echo(req, resp, token, &ctx);
  }

  bool WaitForHealth(HealthStatus want) {
    for (int i = 0; i < 200; ++i) {
      auto s = CheckHealth(channel_, "", absl::Seconds(1));
      if (s.ok() && *s == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::unique_ptr<auth::TokenSigner> signer_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<Calls> calls_;
  std::unique_ptr<EchoService> service_;
  std::unique_ptr<Server> server_;
  std::atomic<bool> healthy_{true};
  int metrics_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<crm::rpctest::EchoService::Stub> stub_;
};

TEST_F(RpcTest, AuthenticatedCallSeesPrincipalAndRequestId) {
  crm::rpctest::EchoRequest req;
  req.set_text("你好");
  crm::rpctest::EchoResponse resp;
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-request-id", "req-42");
  ASSERT_THAT(Echo(req, &resp, Token(), &ctx), IsOk());
  EXPECT_EQ(resp.text(), "你好");
  EXPECT_EQ(resp.user_id(), "user-1");
  EXPECT_EQ(resp.request_id(), "req-42");
  auto trailers = ctx.GetServerTrailingMetadata();
  ASSERT_EQ(trailers.count("x-request-id"), 1u);
  EXPECT_EQ(std::string(trailers.find("x-request-id")->second.data(),
                        trailers.find("x-request-id")->second.size()),
            "req-42");
}

TEST_F(RpcTest, EachCallWritesOneAccessLogLineWithItsIds) {
  char path[] = "/tmp/crm_rpc_log_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  log::Flush();  // earlier tests' lines go where they were going
  log::Configure("echo", log::Level::kInfo, fd);
  crm::rpctest::EchoResponse resp;
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-request-id", "req-77");
  ASSERT_THAT(Echo({}, &resp, Token(), &ctx), IsOk());
  crm::rpctest::EchoRequest failing;
  failing.set_fail_code(13);
  EXPECT_THAT(Echo(failing, &resp, Token()), StatusIs(grpc::StatusCode::INTERNAL));
  log::Flush();
  log::Configure("echo", log::Level::kInfo, 1);
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (absl::StrContains(line, "\"msg\":\"rpc\"")) lines.push_back(line);
  }
  close(fd);
  unlink(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("\"method\":\"/crm.rpctest.EchoService/Echo\""));
  EXPECT_THAT(lines[0], HasSubstr("\"request_id\":\"req-77\""));
  EXPECT_THAT(lines[0], HasSubstr("\"user_id\":\"user-1\""));
  EXPECT_THAT(lines[0], HasSubstr("\"code\":\"OK\""));
  EXPECT_THAT(lines[0], HasSubstr("\"peer\":"));
  // A server fault is an error line, with what the client was told, not the detail.
  EXPECT_THAT(lines[1], HasSubstr("\"level\":\"error\""));
  EXPECT_THAT(lines[1], HasSubstr("\"code\":\"Internal\""));
  EXPECT_THAT(lines[1], Not(HasSubstr("secret internal detail")));
}

TEST_F(RpcTest, MissingOrBadTokenIsUnauthenticated) {
  crm::rpctest::EchoResponse resp;
  EXPECT_THAT(Echo({}, &resp, ""),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr("Bearer")));
  EXPECT_THAT(Echo({}, &resp, "garbage"), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
}

TEST_F(RpcTest, FieldViolationsReachTheClient) {
  crm::rpctest::EchoRequest req;
  req.set_fail_code(3);
  crm::rpctest::EchoResponse resp;
  grpc::Status s = Echo(req, &resp, Token());
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("text: must be shouted")));
  EXPECT_THAT(s, HasFieldViolation("text"));
}

TEST_F(RpcTest, InternalDetailsDoNotLeak) {
  crm::rpctest::EchoRequest req;
  req.set_fail_code(13);
  crm::rpctest::EchoResponse resp;
  grpc::Status s = Echo(req, &resp, Token());
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::INTERNAL, HasSubstr("internal error (request id")));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("secret")));
  // Other codes keep their message.
  req.set_fail_code(9);
  EXPECT_THAT(Echo(req, &resp, Token()),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, HasSubstr("secret internal detail")));
}

TEST_F(RpcTest, ExpiredDeadlineSkipsTheWork) {
  crm::rpctest::EchoRequest req;
  req.set_sleep_ms(200);
  crm::rpctest::EchoResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(50));
  EXPECT_THAT(Echo(req, &resp, Token(), &ctx), StatusIs(grpc::StatusCode::DEADLINE_EXCEEDED));
}

TEST_F(RpcTest, HealthFollowsTheProbe) {
  EXPECT_TRUE(WaitForHealth(HealthStatus::kServing));
  healthy_ = false;
  EXPECT_TRUE(WaitForHealth(HealthStatus::kNotServing));
  healthy_ = true;
  EXPECT_TRUE(WaitForHealth(HealthStatus::kServing));
}

class RpcUnixSocketTest : public RpcTest {
 protected:
  std::string UnixSocket() const override {
    return absl::StrCat(::testing::TempDir(), "/rpc_test_", getpid(), ".sock");
  }
};

TEST_F(RpcUnixSocketTest, ServesOnTheSocketAndTheTcpPortAlike) {
  auto over_socket = crm::rpctest::EchoService::NewStub(
      grpc::CreateChannel("unix:" + UnixSocket(), grpc::InsecureChannelCredentials()));
  crm::rpctest::EchoRequest req;
  req.set_text("你好");
  crm::rpctest::EchoResponse resp;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Token());
  ASSERT_TRUE(over_socket->Echo(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.text(), "你好");
  EXPECT_EQ(resp.user_id(), "user-1");
  ASSERT_THAT(Echo(req, &resp, Token()), IsOk());
}

TEST(ServerTest, UnusableUnixSocketFailsTheStart) {
  ServerOptions options;
  options.service_name = "echo";
  options.grpc_address = "127.0.0.1:0";
  options.metrics_address = "";
  options.grpc_unix_socket = "/nonexistent-dir/echo.sock";
  Server server(options);
  EXPECT_THAT(server.Start(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("echo.sock")));
}

// A server that cannot serve its metrics (the port is taken) fails to run, and has run its
// shutdown hooks before it returns, while what they use still exists.
TEST(ServerTest, ATakenMetricsPortFailsTheRunAfterTheShutdownHooks) {
  const int taken = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(taken, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(taken, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(taken, reinterpret_cast<sockaddr*>(&addr), &len);
  ServerOptions options;
  options.service_name = "echo";
  options.grpc_address = "127.0.0.1:0";
  options.metrics_address = absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
  bool hooked = false;
  {
    Server server(options);
    server.OnShutdown([&] { hooked = true; });
    EXPECT_THAT(server.Run(),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot serve metrics on")));
    EXPECT_TRUE(hooked);
  }
  close(taken);
}

class RpcMetricsTest : public RpcTest {
 protected:
  bool WithMetrics() const override { return true; }
};

TEST_F(RpcMetricsTest, MetricsCountCallsByCodeWithLatency) {
  crm::rpctest::EchoResponse resp;
  ASSERT_THAT(Echo({}, &resp, Token()), IsOk());
  (void)Echo({}, &resp, "");
  // Health checks do not go through Calls: the interceptor reports them.
  ASSERT_TRUE(WaitForHealth(HealthStatus::kServing));
  auto text = test::HttpGet(metrics_port_, "/metrics");
  ASSERT_THAT(text, IsOk());
  // Each call is counted once, by the handler's own report.
  EXPECT_THAT(*text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Echo\","
                               "grpc_service=\"crm.rpctest.EchoService\",grpc_type=\"unary\"} 1"));
  EXPECT_THAT(*text, HasSubstr("grpc_server_handled_total{grpc_code=\"Unauthenticated\","
                               "grpc_method=\"Echo\",grpc_service=\"crm.rpctest.EchoService\","
                               "grpc_type=\"unary\"} 1"));
  EXPECT_THAT(*text, HasSubstr("grpc_server_started_total{grpc_method=\"Echo\","
                               "grpc_service=\"crm.rpctest.EchoService\",grpc_type=\"unary\"} 2"));
  EXPECT_THAT(*text, HasSubstr("grpc_server_handling_seconds_count{grpc_method=\"Echo\","
                               "grpc_service=\"crm.rpctest.EchoService\",grpc_type=\"unary\"} 2"));
  EXPECT_THAT(*text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Check\","
                               "grpc_service=\"grpc.health.v1.Health\",grpc_type=\"unary\"}"));
}

TEST_F(RpcTest, ShutdownDrainsInFlightCalls) {
  crm::rpctest::EchoRequest req;
  req.set_sleep_ms(300);
  req.set_text("slow");
  auto slow = std::async(std::launch::async, [&] {
    crm::rpctest::EchoResponse resp;
    grpc::Status s = Echo(req, &resp, Token());
    return std::make_pair(s, resp.text());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server_->Shutdown();
  auto [status, text] = slow.get();
  EXPECT_THAT(status, IsOk());
  EXPECT_EQ(text, "slow");
  // New calls are refused once drained.
  crm::rpctest::EchoResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  EXPECT_THAT(Echo({}, &resp, Token(), &ctx), Not(IsOk()));
}

// A CA, and a server and a client certificate it signed (for 127.0.0.1 and localhost).
struct TestPki {
  std::string ca, server_cert, server_key, client_cert, client_key, other_ca;
};

const TestPki& Pki() {
  static const TestPki* pki = [] {
    char dir[] = "/tmp/crm-tls-XXXXXX";
    EXPECT_NE(mkdtemp(dir), nullptr);
    const std::string d = dir;
    const std::string script = absl::StrCat(
        "cd ", d, " && set -e; ",
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1",
        " -subj /CN=crm-test-ca -keyout ca.key -out ca.pem 2>/dev/null; ",
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1",
        " -subj /CN=other-ca -keyout other.key -out other.pem 2>/dev/null; ",
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san; ",
        "for who in server client; do",
        " openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=$who",
        " -keyout $who.key -out $who.csr 2>/dev/null;",
        " openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1",
        " -extfile san -out $who.pem 2>/dev/null; done");
    EXPECT_THAT(test::RunCommand(script), IsOk());
    auto read = [&](const std::string& name) {
      std::ifstream in(d + "/" + name);
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    };
    auto* out = new TestPki{read("ca.pem"),     read("server.pem"), read("server.key"),
                            read("client.pem"), read("client.key"), read("other.pem")};
    (void)test::RunCommand("rm -rf " + d);
    return out;
  }();
  return *pki;
}

// A server with TLS that requires client certificates (mTLS).
class RpcTlsTest : public RpcTest {
 protected:
  ServerTls Tls() const override {
    return {Pki().server_cert, Pki().server_key, Pki().ca, Pki().ca};
  }
  grpc::Status EchoOver(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = crm::rpctest::EchoService::NewStub(
        grpc::CreateChannel(absl::StrCat("localhost:", server_->port()), credentials));
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    ctx.AddMetadata("authorization", "Bearer " + Token());
    crm::rpctest::EchoRequest req;
    req.set_text("加密");
    crm::rpctest::EchoResponse resp;
    return stub->Echo(&ctx, req, &resp);
  }
};

TEST_F(RpcTlsTest, OnlyClientsWithACertificateOfTheCaGetThrough) {
  EXPECT_THAT(EchoOver(ChannelCredentials({Pki().ca, Pki().client_cert, Pki().client_key})),
              IsOk());
  EXPECT_THAT(EchoOver(grpc::InsecureChannelCredentials()), Not(IsOk()));
  EXPECT_THAT(EchoOver(ChannelCredentials({Pki().ca, "", ""})), Not(IsOk()));  // no client cert
  // A client that trusts another CA refuses the server.
  ClientTls wrong_ca{Pki().other_ca, Pki().client_cert, Pki().client_key};
  EXPECT_THAT(EchoOver(ChannelCredentials(wrong_ca)), Not(IsOk()));
}

TEST_F(RpcTlsTest, CertificateExpiriesAreMetrics) {
  auto expiry = CertificateExpiry(Pki().server_cert);
  ASSERT_THAT(expiry, IsOk());
  // Made with -days 1.
  EXPECT_GT(*expiry, absl::Now() + absl::Hours(23));
  EXPECT_LT(*expiry, absl::Now() + absl::Hours(25));
  EXPECT_FALSE(CertificateExpiry("not a certificate").ok());
  std::set<std::string> certificates;
  for (const auto& family : server_->metrics().Collect()) {
    if (family.name != "crm_tls_certificate_expiry_timestamp_seconds") continue;
    for (const auto& m : family.metric) {
      certificates.insert(m.label.at(0).value);
      EXPECT_NEAR(m.gauge.value, static_cast<double>(absl::ToUnixSeconds(*expiry)), 60);
    }
  }
  EXPECT_EQ(certificates, (std::set<std::string>{"ca", "client_ca", "server"}));
}

TEST(StatusConvertTest, RoundTripKeepsCodeMessageAndViolations) {
  Violations v;
  v.Add("a", "bad");
  absl::Status back = FromGrpcStatus(ToGrpcStatus(v.ToStatus()));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(back).size(), 1u);
  EXPECT_TRUE(FromGrpcStatus(ToGrpcStatus(absl::OkStatus())).ok());
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("x")).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(ThreadPoolTest, RunsEverythingBeforeJoining) {
  std::atomic<int> n{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(pool.TrySubmit([&] { ++n; }));
  }
  EXPECT_EQ(n.load(), 100);
}

TEST(ThreadPoolTest, TrySubmitRefusesBeyondTheQueueBound) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> n{0};
  {
    ThreadPool pool(1, 2);
    ASSERT_TRUE(pool.TrySubmit([&] { released.wait(); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the worker holds it
    EXPECT_TRUE(pool.TrySubmit([&] { ++n; }));
    EXPECT_TRUE(pool.TrySubmit([&] { ++n; }));
    EXPECT_FALSE(pool.TrySubmit([&] { ++n; }));
    release.set_value();
  }
  EXPECT_EQ(n.load(), 2);
}

TEST(RateLimiterTest, BurstThenSteadyRatePerKey) {
  RateLimiter limiter(/*per_second=*/2, /*burst=*/3);
  const absl::Time t0 = absl::FromUnixSeconds(1000000);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", t0), absl::ZeroDuration());
  EXPECT_EQ(limiter.Take("a", t0), absl::Milliseconds(500));
  EXPECT_EQ(limiter.Take("b", t0), absl::ZeroDuration());  // another key has its own bucket
  EXPECT_EQ(limiter.Take("a", t0 + absl::Milliseconds(500)), absl::ZeroDuration());
  EXPECT_GT(limiter.Take("a", t0 + absl::Milliseconds(500)), absl::ZeroDuration());
  EXPECT_EQ(limiter.Take("a", t0 + absl::Minutes(5)), absl::ZeroDuration());
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.7:51234"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerAddress("ipv6:[::1]:50051"), "ipv6:[::1]");
  EXPECT_EQ(PeerAddress("unix:/tmp/s"), "unix:/tmp/s");
}

}  // namespace
}  // namespace crm::rpc
