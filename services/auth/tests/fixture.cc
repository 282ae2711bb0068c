#include "services/auth/tests/fixture.h"

#include <atomic>
#include <future>

#include "absl/strings/str_cat.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/src/migrations.h"
#include "services/auth/src/passwords.h"

namespace crm::auth_service {

std::unique_ptr<test::TestDatabase> AuthFixture::db_;
std::string AuthFixture::conninfo_;

void AuthFixture::SetUpTestSuite() {
  ASSERT_TRUE(InitPasswords().ok());
  auto db = test::TestDatabase::Create("auth");
  ASSERT_THAT(db, test::IsOk());
  db_ = *std::move(db);
  auto conninfo = db_->ProvisionAndMigrate("auth", "crm_auth", AllMigrations());
  ASSERT_THAT(conninfo, test::IsOk());
  conninfo_ = *conninfo;
}

void AuthFixture::TearDownTestSuite() { db_.reset(); }

void AuthFixture::SetUp() {
  ASSERT_NE(db_, nullptr);
  conn_ = std::make_unique<db::Conn>(conninfo_);
  reader_ = std::make_unique<db::Reader>(db::ReaderOptions{conninfo_, 1, 32, "test"}, nullptr);
  signer_ = *auth::TokenSigner::Create("k1", *auth::GenerateSigningKeyPem(), "crm-auth", "crm");
  verifier_ =
      std::make_unique<auth::TokenVerifier>(auth::TokenVerifier::Options{"crm-auth", "crm"});
  ASSERT_TRUE(verifier_->AddKey("k1", signer_->public_key_pem()).ok());
  // Cheap hashing keeps the suite fast; production parameters are tested in passwords_test.
  config_.password = {1, 8 * 1024 * 1024};
  config_.max_failed_logins = 3;
  config_.lockout = absl::Seconds(2);
  sessions_ = std::make_unique<Sessions>(signer_.get(), &outbox_, config_);
  directory_ = std::make_unique<Directory>(&outbox_, &request_log_);
  auto start = conn_->Read([](db::Tx& tx) -> absl::StatusOr<int64_t> {
    return tx.exec("SELECT coalesce(max(seq), 0) FROM auth.outbox")[0][0].as<int64_t>();
  });
  ASSERT_THAT(start, test::IsOk());
  outbox_start_ = *start;
}

auth::Principal AuthFixture::Admin() const {
  auth::Principal p;
  p.user_id = "00000000-0000-7000-8000-000000000001";
  p.username = "test-admin";
  p.roles = {"admin"};
  p.permissions = {"auth.departments.read", "auth.departments.write", "auth.roles.read",
                   "auth.roles.write",      "auth.users.read",        "auth.users.write",
                   "dictionaries.write"};
  std::sort(p.permissions.begin(), p.permissions.end());
  p.scope = auth::DataScope::kNone;
  return p;
}

auth::Principal AuthFixture::PrincipalOf(const std::string& access_token) const {
  auto p = verifier_->Verify(access_token);
  EXPECT_THAT(p, test::IsOk());
  return p.ok() ? **p : auth::Principal{};
}

User AuthFixture::MakeUser(const std::string& username, const std::string& password,
                           std::vector<std::string> roles, const std::string& department_id) {
  User u;
  u.username = username;
  u.display_name = absl::StrCat(username, " 的名字");
  u.department_id = department_id;
  u.roles = std::move(roles);
  auto hash = HashPassword(password, config_.password);
  EXPECT_THAT(hash, test::IsOk());
  auto created = directory_->CreateUser(*conn_, Admin(), meta_, "", u, *hash);
  EXPECT_THAT(created, test::IsOk());
  return created.ok() ? *created : User{};
}

Department AuthFixture::MakeDepartment(const std::string& name, const std::string& parent_id) {
  Department d;
  d.name = name;
  d.parent_id = parent_id;
  auto created = directory_->CreateDepartment(*conn_, Admin(), meta_, "", d);
  EXPECT_THAT(created, test::IsOk());
  return created.ok() ? *created : Department{};
}

absl::StatusOr<User> AuthFixture::GetUser(const auth::Principal& caller, const std::string& id) {
  std::promise<absl::StatusOr<User>> result;
  directory_->GetUser(*reader_, caller, id,
                      [&result](absl::StatusOr<User> u) { result.set_value(std::move(u)); });
  return result.get_future().get();
}

std::string AuthFixture::Unique(const std::string& base) {
  static std::atomic<int> n{0};
  return absl::StrCat(base, "-", n++);
}

std::vector<std::string> AuthFixture::EventsSinceStart() {
  auto types = conn_->Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT type FROM auth.outbox WHERE seq > $1 ORDER BY seq", outbox_start_)) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  });
  return types.ok() ? *types : std::vector<std::string>{};
}

}  // namespace crm::auth_service
