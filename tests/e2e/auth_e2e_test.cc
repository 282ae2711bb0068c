// The auth service as a real process, over gRPC.

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <thread>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crm/auth/v1/auth_service.grpc.pb.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/auth/v1/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/tokens.h"
#include "libs/rpc/health_client.h"
#include "libs/testing/http.h"
#include "libs/testing/pg.h"
#include "libs/testing/status_matchers.h"
#include "tests/e2e/stack.h"

namespace crm::e2e {
namespace {

namespace v1 = ::crm::auth::v1;
using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class AuthE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = test::TestDatabase::Create("auth_e2e");
    ASSERT_THAT(db, IsOk());
    db_ = db->release();
    auto server = AuthServer::Start(*db_, {"--max-failed-logins=3", "--lockout=2s",
                                           "--access-token-ttl=2s", "--token-leeway=0s"});
    ASSERT_THAT(server, IsOk());
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete db_;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    auth_ = v1::AuthService::NewStub(server_->channel());
    directory_ = v1::DirectoryService::NewStub(server_->channel());
  }

  grpc::Status Login(const std::string& user, const std::string& password,
                     v1::LoginResponse* resp) {
    v1::LoginRequest req;
    req.set_username(user);
    req.set_password(password);
    return auth_->Login(Ctx().get(), req, resp);
  }

  std::string AdminToken() {
    v1::LoginResponse resp;
    EXPECT_THAT(Login("admin", kAdminPassword, &resp), IsOk());
    return resp.tokens().access_token();
  }

  // Creates a user with the given roles and returns their username.
  std::string MakeUser(const std::string& base, const std::string& role) {
    static int n = 0;
    v1::CreateUserRequest req;
    req.mutable_user()->set_username(absl::StrCat(base, "-", n++));
    req.mutable_user()->set_display_name("测试用户");
    req.mutable_user()->add_roles(role);
    req.set_initial_password("s3cret-pass");
    v1::User user;
    EXPECT_THAT(directory_->CreateUser(Ctx(AdminToken()).get(), req, &user), IsOk());
    return user.username();
  }

  static test::TestDatabase* db_;
  static AuthServer* server_;
  std::unique_ptr<v1::AuthService::Stub> auth_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
};
test::TestDatabase* AuthE2eTest::db_ = nullptr;
AuthServer* AuthE2eTest::server_ = nullptr;

TEST_F(AuthE2eTest, LoginThenCallWithTheToken) {
  v1::LoginResponse login;
  ASSERT_THAT(Login("admin", kAdminPassword, &login), IsOk());
  EXPECT_EQ(login.user().username(), "admin");
  EXPECT_EQ(login.tokens().token_type(), "Bearer");
  v1::User me;
  ASSERT_THAT(auth_->GetCurrentUser(Ctx(login.tokens().access_token()).get(), {}, &me), IsOk());
  EXPECT_EQ(me.id(), login.user().id());
}

TEST_F(AuthE2eTest, WrongPasswordIsUnauthenticated) {
  v1::LoginResponse resp;
  EXPECT_THAT(
      Login("admin", "not-the-password", &resp),
      StatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr("invalid username or password")));
}

TEST_F(AuthE2eTest, BadInputIsInvalidArgumentWithFieldViolations) {
  v1::LoginResponse resp;
  grpc::Status s = Login("", "", &resp);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(s, HasFieldViolation("username"));
  EXPECT_THAT(s, HasFieldViolation("password"));
  v1::CreateUserRequest req;
  req.mutable_user()->set_username("has space");
  req.mutable_user()->set_email("nope");
  req.set_initial_password("123");
  v1::User user;
  s = directory_->CreateUser(Ctx(AdminToken()).get(), req, &user);
  EXPECT_THAT(s, HasFieldViolation("user.username"));
  EXPECT_THAT(s, HasFieldViolation("user.email"));
  EXPECT_THAT(s, HasFieldViolation("initial_password"));
}

TEST_F(AuthE2eTest, RepeatedFailuresLockTheAccount) {
  const std::string user = MakeUser("lockme", "account_manager");
  v1::LoginResponse resp;
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(Login(user, "wrong-pass", &resp), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  }
  EXPECT_THAT(Login(user, "s3cret-pass", &resp),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr("too many failed sign-ins")));
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  EXPECT_THAT(Login(user, "s3cret-pass", &resp), IsOk());
}

TEST_F(AuthE2eTest, ExpiredAndForgedTokensAreRejected) {
  const std::string token = AdminToken();
  v1::User me;
  ASSERT_THAT(auth_->GetCurrentUser(Ctx(token).get(), {}, &me), IsOk());
  // Forged: a payload claiming more, with the original signature.
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  payload.replace(payload.find("\"scope\":\"none\""), 14, "\"scope\":\"all\" ");
  const std::string forged = parts[0] + "." + absl::WebSafeBase64Escape(payload) + "." + parts[2];
  EXPECT_THAT(auth_->GetCurrentUser(Ctx(forged).get(), {}, &me),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr("signature")));
  // Signed by a key the service does not trust.
  auto rogue =
      *auth::TokenSigner::Create("auth-1", *auth::GenerateSigningKeyPem(), "crm-auth", "crm");
  auth::Principal p;
  p.user_id = me.id();
  p.issued_at = absl::Now();
  p.expires_at = absl::Now() + absl::Hours(1);
  EXPECT_THAT(auth_->GetCurrentUser(Ctx(*rogue->Sign(p)).get(), {}, &me),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  // This server issues 2-second tokens with no leeway.
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  EXPECT_THAT(auth_->GetCurrentUser(Ctx(token).get(), {}, &me),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr("expired")));
}

TEST_F(AuthE2eTest, RefreshRotatesAndLogoutRevokes) {
  v1::LoginResponse login;
  ASSERT_THAT(Login("admin", kAdminPassword, &login), IsOk());
  v1::RefreshTokenRequest refresh;
  refresh.set_refresh_token(login.tokens().refresh_token());
  v1::RefreshTokenResponse rotated;
  ASSERT_THAT(auth_->RefreshToken(Ctx().get(), refresh, &rotated), IsOk());
  EXPECT_NE(rotated.tokens().refresh_token(), login.tokens().refresh_token());
  v1::LogoutRequest logout;
  logout.set_refresh_token(rotated.tokens().refresh_token());
  v1::LogoutResponse out;
  ASSERT_THAT(auth_->Logout(Ctx().get(), logout, &out), IsOk());
  refresh.set_refresh_token(rotated.tokens().refresh_token());
  EXPECT_THAT(auth_->RefreshToken(Ctx().get(), refresh, &rotated),
              StatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr("revoked")));
}

TEST_F(AuthE2eTest, ARoleWithoutThePermissionIsDenied) {
  const std::string rep = MakeUser("rep", "account_manager");
  v1::LoginResponse login;
  ASSERT_THAT(Login(rep, "s3cret-pass", &login), IsOk());
  v1::CreateDepartmentRequest req;
  req.mutable_department()->set_name("不该有的部门");
  v1::Department d;
  EXPECT_THAT(directory_->CreateDepartment(Ctx(login.tokens().access_token()).get(), req, &d),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, HasSubstr("auth.departments.write")));
  common::v1::WatchEventsRequest watch;
  auto watch_ctx = Ctx(login.tokens().access_token());
  auto reader = auth_->WatchEvents(watch_ctx.get(), watch);
  common::v1::Event e;
  EXPECT_FALSE(reader->Read(&e));
  EXPECT_THAT(reader->Finish(), StatusIs(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(AuthE2eTest, AnotherProcessVerifiesTokensWithThePublicKeyOnly) {
  const std::string token = AdminToken();
  auto ok =
      test::RunCommand(absl::StrCat(test::BuiltBinary("tests/tools/crm-token-verify"),
                                    " --public-key=", server_->public_key_path(), " ", token));
  ASSERT_THAT(ok, IsOk());
  EXPECT_THAT(*ok, HasSubstr("valid: sub="));
  EXPECT_THAT(*ok, HasSubstr("auth.users.write"));
  auto tampered = test::RunCommand(absl::StrCat(test::BuiltBinary("tests/tools/crm-token-verify"),
                                                " --public-key=", server_->public_key_path(), " ",
                                                token.substr(0, token.size() - 4), "AAAA"));
  EXPECT_THAT(tampered, Not(IsOk()));
}

TEST_F(AuthE2eTest, SecurityEventsAreStreamed) {
  v1::LoginResponse resp;
  (void)Login("admin", "wrong-password", &resp);
  auto token = server_->ServiceToken("auth-watcher", "integration");
  ASSERT_THAT(token, IsOk());
  auto ctx = Ctx(*token);
  common::v1::WatchEventsRequest req;
  req.add_types("auth.login.failed");
  auto reader = auth_->WatchEvents(ctx.get(), req);
  common::v1::Event e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.type(), "auth.login.failed");
  EXPECT_EQ(e.source(), "auth");
  v1::LoginFailed failed;
  ASSERT_TRUE(e.payload().UnpackTo(&failed));
  EXPECT_FALSE(failed.reason().empty());
  ctx->TryCancel();
}

TEST_F(AuthE2eTest, MetricsPassPromtoolAndCountCallsByCode) {
  v1::LoginResponse resp;
  ASSERT_THAT(Login("admin", kAdminPassword, &resp), IsOk());
  (void)Login("admin", "wrong-password", &resp);
  auto text = test::HttpGet(server_->metrics_port(), "/metrics");
  ASSERT_THAT(text, IsOk());
  EXPECT_THAT(*text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Login\","
                               "grpc_service=\"crm.auth.v1.AuthService\",grpc_type=\"unary\"}"));
  EXPECT_THAT(*text, HasSubstr("grpc_server_handled_total{grpc_code=\"Unauthenticated\","
                               "grpc_method=\"Login\""));
  EXPECT_THAT(*text, HasSubstr("grpc_server_handling_seconds_bucket{grpc_method=\"Login\""));
  EXPECT_THAT(*text, HasSubstr("crm_db_pool_wait_seconds_bucket"));
  const std::string path = absl::StrCat("/tmp/crm-metrics-", getpid(), ".txt");
  {
    std::ofstream out(path);
    out << *text;
  }
  auto lint = test::RunCommand("promtool check metrics < " + path);
  EXPECT_THAT(lint, IsOk());
  std::remove(path.c_str());
}

// Four threads signing in as the admin until destroyed; `count(started, ok)` gets each call's
// start (Unix nanoseconds) and whether it succeeded.
class SignInLoad {
 public:
  SignInLoad(std::shared_ptr<grpc::Channel> channel, std::function<void(int64_t, bool)> count) {
    for (int t = 0; t < 4; ++t) {
      threads_.emplace_back([this, channel, count] {
        auto stub = v1::AuthService::NewStub(channel);
        while (!stop_) {
          const int64_t started = absl::ToUnixNanos(absl::Now());
          grpc::ClientContext ctx;
          ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
          v1::LoginRequest req;
          req.set_username("admin");
          req.set_password(kAdminPassword);
          v1::LoginResponse resp;
          const bool ok = stub->Login(&ctx, req, &resp).ok();
          count(started, ok);
          if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      });
    }
  }
  ~SignInLoad() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

TEST(AuthHealthTest, FollowsTheDatabaseDownAndUpWithoutARestart) {
  auto cluster = test::TempCluster::Start();
  ASSERT_THAT(cluster, IsOk());
  auto db = test::TestDatabase::CreateOn((*cluster)->Conninfo(), "auth_health");
  ASSERT_THAT(db, IsOk());
  auto server = AuthServer::Start(**db);
  ASSERT_THAT(server, IsOk());
  auto serving = [&](rpc::HealthStatus want) {
    for (int i = 0; i < 150; ++i) {
      auto s = rpc::CheckHealth((*server)->channel(), "", absl::Seconds(1));
      if (s.ok() && *s == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  EXPECT_TRUE(serving(rpc::HealthStatus::kServing));

  // PostgreSQL restarted under load: sign-ins run throughout; every one that starts after the
  // database is back succeeds (each pooled session died with the restart).
  {
    std::atomic<int64_t> back_at{std::numeric_limits<int64_t>::max()};
    std::atomic<int> after = 0, failed_after = 0;
    {
      SignInLoad load((*server)->channel(), [&](int64_t started, bool ok) {
        if (started < back_at.load()) return;
        ++after;
        if (!ok) ++failed_after;
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      ASSERT_THAT((*cluster)->Restart(), IsOk());
      EXPECT_TRUE(serving(rpc::HealthStatus::kServing));  // the database takes connections again
      back_at = absl::ToUnixNanos(absl::Now());
      std::this_thread::sleep_for(std::chrono::seconds(3));
    }
    EXPECT_GT(after.load(), 20);
    EXPECT_EQ(failed_after.load(), 0) << "of " << after.load();
    std::printf("after the restart: %d sign-ins, %d failed\n", after.load(), failed_after.load());
  }

  ASSERT_THAT((*cluster)->Stop(), IsOk());
  EXPECT_TRUE(serving(rpc::HealthStatus::kNotServing));
  auto stub = v1::AuthService::NewStub((*server)->channel());
  {
    grpc::ClientContext ctx;
    v1::LoginRequest req;
    req.set_username("admin");
    req.set_password(kAdminPassword);
    v1::LoginResponse resp;
    EXPECT_THAT(stub->Login(&ctx, req, &resp), StatusIs(grpc::StatusCode::UNAVAILABLE));
  }
  ASSERT_THAT((*cluster)->Restart(), IsOk());
  EXPECT_TRUE(serving(rpc::HealthStatus::kServing));
  EXPECT_THAT((*server)->Login("admin", kAdminPassword), IsOk());
  EXPECT_TRUE((*server)->process().Running());
  server->reset();
  db->reset();
}

// Sign-ins (Login and IssueServiceToken alike) are limited per peer address before any
// password is hashed.
TEST(AuthRateLimitTest, SignInsFromOneAddressAreLimited) {
  auto db = test::TestDatabase::Create("auth_rate_limit");
  ASSERT_THAT(db, IsOk());
  auto server = AuthServer::Start(**db, {"--sign-in-burst=3", "--sign-in-per-minute=6"});
  ASSERT_THAT(server, IsOk());
  auto stub = v1::AuthService::NewStub((*server)->channel());
  v1::LoginRequest req;
  req.set_username("admin");
  req.set_password("wrong-password");
  v1::LoginResponse resp;
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(stub->Login(Ctx().get(), req, &resp), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
  }
  EXPECT_THAT(stub->Login(Ctx().get(), req, &resp),
              StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED, HasSubstr("retry in")));
  v1::IssueServiceTokenRequest service;
  service.set_client_id("pipeline-follower");
  service.set_client_secret("guess");
  v1::IssueServiceTokenResponse token;
  EXPECT_THAT(stub->IssueServiceToken(Ctx().get(), service, &token),
              StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
}

// SIGTERM under load: every call already in flight when the signal arrives completes; only
// calls that arrive after it are refused (and go to another replica).
TEST(AuthLifecycleTest, SigtermUnderLoadFailsNoCallInFlight) {
  auto db = test::TestDatabase::Create("auth_sigterm_load");
  ASSERT_THAT(db, IsOk());
  auto server = AuthServer::Start(**db);
  ASSERT_THAT(server, IsOk());
  std::atomic<int64_t> signalled_at{std::numeric_limits<int64_t>::max()};
  std::atomic<int> before = 0, failed_before = 0;
  {
    SignInLoad load((*server)->channel(), [&](int64_t started, bool ok) {
      // Sent well before the signal (a sanitized build takes tens of milliseconds to put a call
      // on the wire): in flight (or done) when it came.
      if (started >= signalled_at.load() - absl::ToInt64Nanoseconds(absl::Milliseconds(100))) {
        return;
      }
      ++before;
      if (!ok) ++failed_before;
    });
    std::this_thread::sleep_for(std::chrono::seconds(1));
    signalled_at = absl::ToUnixNanos(absl::Now());
    EXPECT_EQ((*server)->process().Stop(absl::Seconds(15)), 0);
  }
  EXPECT_GT(before.load(), 20);
  EXPECT_EQ(failed_before.load(), 0) << "of " << before.load();
  std::printf("in flight at SIGTERM or before: %d sign-ins, %d failed\n", before.load(),
              failed_before.load());
}

TEST(AuthLifecycleTest, SigtermDrainsAndExitsCleanly) {
  auto db = test::TestDatabase::Create("auth_sigterm");
  ASSERT_THAT(db, IsOk());
  auto server = AuthServer::Start(**db);
  ASSERT_THAT(server, IsOk());
  ASSERT_THAT((*server)->Login("admin", kAdminPassword), IsOk());
  const absl::Time start = absl::Now();
  EXPECT_EQ((*server)->process().Stop(absl::Seconds(15)), 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_THAT((*server)->process().Output(), HasSubstr("\"msg\":\"stopped\""));
}

TEST(AuthConfigTest, BadConfigurationFailsFastWithAMessage) {
  auto out = test::RunCommand(test::BuiltBinary("services/auth/crm-auth") +
                              " --db-url=host=/nowhere --grpc-port=99999");
  ASSERT_THAT(out, Not(IsOk()));
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("--grpc-port=99999 is out of range"));
  auto no_key =
      test::RunCommand(test::BuiltBinary("services/auth/crm-auth") + " --db-url=host=/nowhere");
  ASSERT_THAT(no_key, Not(IsOk()));
  EXPECT_THAT(std::string(no_key.status().message()),
              HasSubstr("--jwt-private-key-file is required"));
}

}  // namespace
}  // namespace crm::e2e
