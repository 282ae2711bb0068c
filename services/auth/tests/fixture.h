#pragma once
// A fresh auth schema in a fresh database, and the service's logic objects over it.

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/auth/tokens.h"
#include "libs/db/conn.h"
#include "libs/db/reader.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/testing/pg.h"
#include "services/auth/src/directory.h"
#include "services/auth/src/sessions.h"

namespace crm::auth_service {

class AuthFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // A principal with every permission of the admin role, as a signed-in admin would have.
  auth::Principal Admin() const;
  // The verified principal of an access token.
  auth::Principal PrincipalOf(const std::string& access_token) const;
  // Creates a user through the directory, as the admin. Fails the test on error.
  User MakeUser(const std::string& username, const std::string& password,
                std::vector<std::string> roles, const std::string& department_id = "");
  Department MakeDepartment(const std::string& name, const std::string& parent_id = "");
  // Directory::GetUser, waiting for its result.
  absl::StatusOr<User> GetUser(const auth::Principal& caller, const std::string& id);
  // A unique name for this test run.
  std::string Unique(const std::string& base);
  // Types of the events written since the test started, in order.
  std::vector<std::string> EventsSinceStart();

  static std::unique_ptr<test::TestDatabase> db_;
  static std::string conninfo_;
  std::unique_ptr<db::Conn> conn_;
  std::unique_ptr<db::Reader> reader_;
  std::unique_ptr<auth::TokenSigner> signer_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  events::Outbox outbox_{"auth"};
  db::RequestLog request_log_{"auth"};
  SessionConfig config_;
  std::unique_ptr<Sessions> sessions_;
  std::unique_ptr<Directory> directory_;
  RequestMeta meta_{"req-test", "", "ipv4:127.0.0.1:1"};
  int64_t outbox_start_ = 0;
};

}  // namespace crm::auth_service
