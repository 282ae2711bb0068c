#include <atomic>
#include <thread>

#include "absl/strings/ascii.h"
#include "crm/auth/v1/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/src/passwords.h"
#include "services/auth/src/repository.h"
#include "services/auth/tests/fixture.h"

namespace crm::auth_service {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

constexpr absl::StatusCode kUnauthenticated = absl::StatusCode::kUnauthenticated;
// What every refused sign-in says, whatever the reason (unknown user, wrong password, locked).
constexpr char kRefused[] =
    "invalid username or password, or too many failed sign-ins: try again later";

class SessionsTest : public AuthFixture {
 protected:
  absl::StatusOr<LoginResult> Login(const std::string& user, const std::string& password) {
    return sessions_->Login(*conn_, user, password, LoginKind::kHuman, meta_);
  }

  // The reasons recorded in the user's auth.login.failed events, oldest first.
  std::vector<std::string> FailureReasons(const std::string& user_id) {
    std::vector<std::string> out;
    auto read = conn_->Read([&](db::Tx& tx) -> absl::Status {
      for (const auto& row :
           tx.exec_params("SELECT payload FROM auth.outbox WHERE type = 'auth.login.failed'"
                          " AND aggregate_id = $1 ORDER BY xid, seq",
                          user_id)) {
        const pqxx::binarystring bytes(row[0]);
        auth::v1::LoginFailed e;
        e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
        out.push_back(e.reason());
      }
      return absl::OkStatus();
    });
    EXPECT_THAT(read, IsOk());
    return out;
  }
};

TEST_F(SessionsTest, LoginIssuesTokensCarryingTheUsersGrants) {
  Department sales = MakeDepartment(Unique("销售部"));
  Department east = MakeDepartment(Unique("华东区"), sales.id);
  User mgr = MakeUser(Unique("wang.fang"), "s3cret-pass", {"sales_manager"}, sales.id);
  auto result = Login(mgr.username, "s3cret-pass");
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->user.id, mgr.id);
  EXPECT_FALSE(result->tokens.refresh_token.empty());
  EXPECT_GT(result->tokens.access_expires_at, absl::Now() + absl::Minutes(14));
  auth::Principal p = PrincipalOf(result->tokens.access_token);
  EXPECT_EQ(p.user_id, mgr.id);
  EXPECT_EQ(p.username, mgr.username);
  EXPECT_THAT(p.roles, ElementsAre("sales_manager"));
  EXPECT_TRUE(p.Can("pipeline.opportunities.assign"));
  EXPECT_FALSE(p.Can("auth.users.write"));
  EXPECT_EQ(p.scope, auth::DataScope::kDepartment);
  EXPECT_EQ(p.department_id, sales.id);
  EXPECT_THAT(p.department_tree, IsSupersetOf({sales.id, east.id}));
  EXPECT_THAT(EventsSinceStart(), Contains("auth.login.succeeded"));
}

TEST_F(SessionsTest, UsernameIsCaseInsensitive) {
  User u = MakeUser(Unique("Li.Lei"), "s3cret-pass", {"account_manager"});
  EXPECT_THAT(Login(absl::AsciiStrToUpper(u.username), "s3cret-pass"), IsOk());
}

TEST_F(SessionsTest, WrongPasswordAndUnknownUserLookAlike) {
  User u = MakeUser(Unique("zhang.wei"), "s3cret-pass", {"account_manager"});
  EXPECT_THAT(Login(u.username, "wrong-pass"), StatusIs(kUnauthenticated, kRefused));
  EXPECT_THAT(Login(Unique("nobody"), "wrong-pass"), StatusIs(kUnauthenticated, kRefused));
  EXPECT_THAT(EventsSinceStart(),
              ElementsAre("auth.user.created", "auth.login.failed", "auth.login.failed"));
}

TEST_F(SessionsTest, RepeatedFailuresLockTheAccountForAWhile) {
  User u = MakeUser(Unique("chen.jing"), "s3cret-pass", {"account_manager"});
  for (int i = 0; i < config_.max_failed_logins; ++i) {
    EXPECT_THAT(Login(u.username, "wrong-pass"), StatusIs(kUnauthenticated));
  }
  // Locked: even the right password is refused, without being checked, in the same words as a
  // wrong one (so the answer does not tell that the username exists); the event says why.
  EXPECT_THAT(Login(u.username, "s3cret-pass"), StatusIs(kUnauthenticated, kRefused));
  EXPECT_EQ(FailureReasons(u.id).back(), "locked");
  EXPECT_THAT(EventsSinceStart(), Contains("auth.user.locked"));
  auto locked = conn_->Read([&](db::Tx& tx) {
    return absl::StatusOr<std::optional<User>>(Repository::FindUser(tx, u.id));
  });
  ASSERT_TRUE(locked.ok() && locked->has_value());
  EXPECT_TRUE((*locked)->locked_until.has_value());
  // The lock expires (2 s in this fixture).
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  EXPECT_THAT(Login(u.username, "s3cret-pass"), IsOk());
  // A success resets the count: the next failures start from zero.
  EXPECT_THAT(Login(u.username, "wrong-pass"), StatusIs(kUnauthenticated, kRefused));
  EXPECT_THAT(Login(u.username, "s3cret-pass"), IsOk());
}

// Sign-ins that began before the failures were recorded cannot slip past the lockout: twenty
// wrong passwords and then the right one, all begun before any finished, get no tokens, and
// the account ends locked.
TEST_F(SessionsTest, ParallelGuessesCannotBypassTheLockout) {
  User u = MakeUser(Unique("guo.wei"), "s3cret-pass", {"account_manager"});
  std::vector<LoginAttempt> wrong;
  for (int i = 0; i < 20; ++i) {
    auto a = sessions_->BeginLogin(*conn_, u.username, meta_);
    ASSERT_THAT(a, IsOk());
    wrong.push_back(*a);
  }
  auto right = sessions_->BeginLogin(*conn_, u.username, meta_);
  ASSERT_THAT(right, IsOk());
  int checked = 0;
  for (const auto& a : wrong) {
    PasswordCheck check = sessions_->CheckPassword(a, "wrong-pass");
    if (!a.locked) ++checked;
    EXPECT_THAT(sessions_->FinishLogin(*conn_, a, check, LoginKind::kHuman, meta_),
                StatusIs(kUnauthenticated));
  }
  EXPECT_EQ(checked, config_.max_failed_logins);  // the rest were refused unchecked
  EXPECT_THAT(
      sessions_->FinishLogin(*conn_, *right, sessions_->CheckPassword(*right, "s3cret-pass"),
                             LoginKind::kHuman, meta_),
      StatusIs(kUnauthenticated, kRefused));
  EXPECT_THAT(Login(u.username, "s3cret-pass"), StatusIs(kUnauthenticated, kRefused));

  // The same with real threads: 40 wrong guesses at once check at most the limit.
  User v = MakeUser(Unique("guo.fei"), "s3cret-pass", {"account_manager"});
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&] {
      db::Conn conn(conninfo_);
      auto r = sessions_->Login(conn, v.username, "wrong-pass", LoginKind::kHuman, meta_);
      if (!r.ok()) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(refused.load(), 40);
  const std::vector<std::string> reasons = FailureReasons(v.id);
  EXPECT_EQ(std::count(reasons.begin(), reasons.end(), "bad_credentials"),
            config_.max_failed_logins);
  EXPECT_EQ(std::count(reasons.begin(), reasons.end(), "locked"), 40 - config_.max_failed_logins);
  EXPECT_THAT(Login(v.username, "s3cret-pass"), StatusIs(kUnauthenticated, kRefused));
}

// Refresh tokens expired for more than a day are purged; live ones stay.
TEST_F(SessionsTest, ExpiredRefreshTokensArePurged) {
  User u = MakeUser(Unique("he.ping"), "s3cret-pass", {"account_manager"});
  auto login = Login(u.username, "s3cret-pass");
  ASSERT_THAT(login, IsOk());
  db::Retention retention(nullptr);
  retention.Add(Repository::RefreshTokenRetention());
  auto count = [&] {
    return *conn_->Read([&](db::Tx& tx) -> absl::StatusOr<int> {
      return tx
          .exec_params("SELECT count(*) FROM auth.refresh_tokens WHERE user_id = $1", u.id)[0][0]
          .as<int>();
    });
  };
  ASSERT_THAT(retention.Run(*conn_), IsOk());
  EXPECT_EQ(count(), 1);
  ASSERT_THAT(conn_->Read([&](db::Tx& tx) -> absl::Status {
    tx.exec_params(
        "UPDATE auth.refresh_tokens SET expires_at = now() - interval '2 days'"
        " WHERE user_id = $1",
        u.id);
    return absl::OkStatus();
  }),
              IsOk());
  ASSERT_THAT(retention.Run(*conn_), IsOk());
  EXPECT_EQ(count(), 0);
}

TEST_F(SessionsTest, AdminUnlockEndsALockout) {
  User u = MakeUser(Unique("zhao.min"), "s3cret-pass", {"account_manager"});
  for (int i = 0; i < config_.max_failed_logins; ++i) (void)Login(u.username, "wrong-pass");
  EXPECT_THAT(Login(u.username, "s3cret-pass"), StatusIs(kUnauthenticated, kRefused));
  ASSERT_THAT(directory_->UnlockUser(*conn_, Admin(), meta_, u.id), IsOk());
  EXPECT_THAT(Login(u.username, "s3cret-pass"), IsOk());
}

TEST_F(SessionsTest, DisabledUsersCannotSignIn) {
  User u = MakeUser(Unique("sun.li"), "s3cret-pass", {"account_manager"});
  User patch = u;
  patch.active = false;
  ASSERT_THAT(directory_->UpdateUser(*conn_, Admin(), meta_, patch, "", {"state"}), IsOk());
  EXPECT_THAT(Login(u.username, "s3cret-pass"), StatusIs(kUnauthenticated, "account is disabled"));
  // A wrong password still says nothing about the account's state.
  EXPECT_THAT(Login(u.username, "wrong-pass"), StatusIs(kUnauthenticated, kRefused));
}

TEST_F(SessionsTest, RefreshRotatesAndReuseRevokesTheSession) {
  User u = MakeUser(Unique("zhou.xun"), "s3cret-pass", {"account_manager"});
  auto login = Login(u.username, "s3cret-pass");
  ASSERT_THAT(login, IsOk());
  const std::string first = login->tokens.refresh_token;
  auto second = sessions_->Refresh(*conn_, first, meta_);
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(second->refresh_token, first);
  EXPECT_EQ(PrincipalOf(second->access_token).user_id, u.id);
  // The rotated token is spent; presenting it again looks like theft and ends the session.
  EXPECT_THAT(sessions_->Refresh(*conn_, first, meta_),
              StatusIs(kUnauthenticated, HasSubstr("already used")));
  EXPECT_THAT(sessions_->Refresh(*conn_, second->refresh_token, meta_),
              StatusIs(kUnauthenticated, HasSubstr("revoked")));
  EXPECT_THAT(EventsSinceStart(), Contains("auth.session.revoked"));
}

TEST_F(SessionsTest, ConcurrentRefreshesOfOneTokenSucceedOnce) {
  User u = MakeUser(Unique("wu.qian"), "s3cret-pass", {"account_manager"});
  auto login = Login(u.username, "s3cret-pass");
  ASSERT_THAT(login, IsOk());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      db::Conn conn(conninfo_);
      if (sessions_->Refresh(conn, login->tokens.refresh_token, meta_).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
}

TEST_F(SessionsTest, LogoutRevokesAndIsIdempotent) {
  User u = MakeUser(Unique("he.ping"), "s3cret-pass", {"account_manager"});
  auto login = Login(u.username, "s3cret-pass");
  ASSERT_THAT(login, IsOk());
  EXPECT_THAT(sessions_->Logout(*conn_, login->tokens.refresh_token, meta_), IsOk());
  EXPECT_THAT(sessions_->Logout(*conn_, login->tokens.refresh_token, meta_), IsOk());
  EXPECT_THAT(sessions_->Logout(*conn_, "unknown-token", meta_), IsOk());
  EXPECT_THAT(sessions_->Refresh(*conn_, login->tokens.refresh_token, meta_),
              StatusIs(kUnauthenticated, HasSubstr("revoked")));
  EXPECT_THAT(sessions_->Logout(*conn_, "", meta_), HasFieldViolation("refresh_token"));
}

TEST_F(SessionsTest, RefreshTokensExpire) {
  SessionConfig short_lived = config_;
  short_lived.refresh_ttl = absl::Seconds(1);
  Sessions sessions(signer_.get(), &outbox_, short_lived);
  User u = MakeUser(Unique("lin.tao"), "s3cret-pass", {"account_manager"});
  auto login = sessions.Login(*conn_, u.username, "s3cret-pass", LoginKind::kHuman, meta_);
  ASSERT_THAT(login, IsOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_THAT(sessions.Refresh(*conn_, login->tokens.refresh_token, meta_),
              StatusIs(kUnauthenticated, HasSubstr("expired")));
}

TEST_F(SessionsTest, ChangingThePasswordChecksTheOldOneAndEndsSessions) {
  User u = MakeUser(Unique("ma.li"), "s3cret-pass", {"account_manager"});
  auto login = Login(u.username, "s3cret-pass");
  ASSERT_THAT(login, IsOk());
  auto change = [&](const std::string& current, const std::string& next) {
    auto attempt = sessions_->BeginPasswordChange(*conn_, u.id, meta_);
    EXPECT_THAT(attempt, IsOk());
    return sessions_->FinishPasswordChange(
        *conn_, *attempt, sessions_->CheckPasswordChange(*attempt, current, next), meta_);
  };
  EXPECT_THAT(change("not-it-at-all", "n3w-password"), HasFieldViolation("current_password"));
  ASSERT_THAT(change("s3cret-pass", "n3w-password"), IsOk());
  EXPECT_THAT(sessions_->Refresh(*conn_, login->tokens.refresh_token, meta_),
              StatusIs(kUnauthenticated));
  EXPECT_THAT(Login(u.username, "s3cret-pass"), StatusIs(kUnauthenticated));
  EXPECT_THAT(Login(u.username, "n3w-password"), IsOk());
  EXPECT_THAT(Sessions::ValidatePasswordChange("s3cret-pass", "short", u.username),
              HasFieldViolation("new_password"));
  EXPECT_THAT(Sessions::ValidatePasswordChange("s3cret-pass", "s3cret-pass", u.username),
              HasFieldViolation("new_password"));
  EXPECT_THAT(Sessions::ValidatePasswordChange("s3cret-pass", u.username + "!!", u.username),
              HasFieldViolation("new_password"));
  EXPECT_THAT(Sessions::ValidatePasswordChange("", "n3w-password-2", u.username),
              HasFieldViolation("current_password"));
}

TEST_F(SessionsTest, RoleChangesReachTheNextToken) {
  User u = MakeUser(Unique("guo.jing"), "s3cret-pass", {"service_agent"});
  auto login = Login(u.username, "s3cret-pass");
  ASSERT_THAT(login, IsOk());
  EXPECT_FALSE(PrincipalOf(login->tokens.access_token).Can("pipeline.opportunities.create"));
  ASSERT_THAT(directory_->SetUserRoles(*conn_, Admin(), meta_, u.id, {"account_manager"}, ""),
              IsOk());
  auto refreshed = sessions_->Refresh(*conn_, login->tokens.refresh_token, meta_);
  ASSERT_THAT(refreshed, IsOk());
  auth::Principal p = PrincipalOf(refreshed->access_token);
  EXPECT_TRUE(p.Can("pipeline.opportunities.create"));
  EXPECT_EQ(p.scope, auth::DataScope::kOwn);
}

TEST_F(SessionsTest, WeakerHashesAreUpgradedAtSignIn) {
  User u = MakeUser(Unique("huang.rong"), "s3cret-pass", {"account_manager"});
  SessionConfig stronger = config_;
  stronger.password.ops = 2;
  Sessions sessions(signer_.get(), &outbox_, stronger);
  ASSERT_THAT(sessions.Login(*conn_, u.username, "s3cret-pass", LoginKind::kHuman, meta_), IsOk());
  auto creds = conn_->Read([&](db::Tx& tx) {
    return absl::StatusOr<std::optional<Credentials>>(Repository::FindCredentialsById(tx, u.id));
  });
  ASSERT_TRUE(creds.ok() && creds->has_value());
  EXPECT_THAT((*creds)->password_hash, HasSubstr("t=2"));
  EXPECT_THAT(sessions.Login(*conn_, u.username, "s3cret-pass", LoginKind::kHuman, meta_), IsOk());
}

TEST_F(SessionsTest, ServiceAccountsUseClientCredentialsOnly) {
  User account;
  account.username = Unique("churn-scanner");
  account.roles = {"integration"};
  const std::string secret = RandomToken();
  auto created = directory_->CreateServiceAccount(*conn_, Admin(), meta_, "", account,
                                                  *HashPassword(secret, config_.password));
  ASSERT_THAT(created, IsOk());
  // Wrong secrets do not lock a service account out (its consumer would stop): the per-peer
  // sign-in limit bounds guessing instead.
  for (int i = 0; i < 2 * config_.max_failed_logins; ++i) {
    EXPECT_THAT(sessions_->Login(*conn_, account.username, "wrong-secret",
                                 LoginKind::kServiceAccount, meta_),
                StatusIs(kUnauthenticated, "invalid client id or secret"));
  }
  auto token =
      sessions_->Login(*conn_, account.username, secret, LoginKind::kServiceAccount, meta_);
  ASSERT_THAT(token, IsOk());
  EXPECT_TRUE(token->tokens.refresh_token.empty());
  auth::Principal p = PrincipalOf(token->tokens.access_token);
  EXPECT_TRUE(p.service_account);
  EXPECT_TRUE(p.Can("customers.events.watch"));
  EXPECT_EQ(p.scope, auth::DataScope::kAll);
  // A service account cannot use the password sign-in, nor a person the client credentials.
  EXPECT_THAT(Login(account.username, secret), StatusIs(kUnauthenticated));
  User person = MakeUser(Unique("qian.duo"), "s3cret-pass", {"account_manager"});
  EXPECT_THAT(
      sessions_->Login(*conn_, person.username, "s3cret-pass", LoginKind::kServiceAccount, meta_),
      StatusIs(kUnauthenticated));
  EXPECT_THAT(EventsSinceStart(), Contains("auth.service_account.token_issued"));
}

TEST_F(SessionsTest, MalformedSignInsAreInvalidArgument) {
  absl::Status s = Sessions::ValidateLogin("", "", "username", "password");
  EXPECT_THAT(s, HasFieldViolation("username"));
  EXPECT_THAT(s, HasFieldViolation("password"));
  EXPECT_THAT(Sessions::ValidateLogin(std::string(65, 'a'), "x", "username", "password"),
              HasFieldViolation("username"));
  EXPECT_THAT(Sessions::ValidateLogin("a", std::string(2000, 'x'), "username", "password"),
              HasFieldViolation("password"));
  EXPECT_THAT(sessions_->Refresh(*conn_, "", meta_), HasFieldViolation("refresh_token"));
}

}  // namespace
}  // namespace crm::auth_service
