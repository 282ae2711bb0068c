#pragma once
// A fresh contracts schema in a fresh database, the logic over it, a small catalogue, and
// principals as the built-in roles would have them.

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/testing/pg.h"
#include "services/contracts/src/contracts.h"
#include "services/contracts/src/files.h"

namespace crm::contracts_service {

class ContractsFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // An account manager (own scope) in `department`.
  static auth::Principal Rep(const std::string& department);
  // A sales manager (department scope, reviews) over these departments (their own first).
  static auth::Principal Manager(std::vector<std::string> department_tree);
  // An executive (all scope, reviews).
  static auth::Principal Executive();
  static std::string NewId();
  static service::DirectoryUser UserOf(const auth::Principal& p);

  // The catalogue: P1 (¥100.00 each), P2 (¥2,500.50), P3 (¥9.99), OLD (discontinued), USD1
  // (priced in USD).
  static salesys::Products Catalogue();
  // A line of `quantity` of `product` with `discount_minor` off.
  static Line LineOf(const std::string& product, int64_t quantity, int64_t discount_minor = 0);
  // A valid draft for a new customer, with two lines (P1 × 2, P2 × 1) and dates.
  static Contract Draft();
  Contract Create(const auth::Principal& owner, Contract c = Draft());
  // Created by `owner` and submitted.
  Contract Submitted(const auth::Principal& owner, Contract c = Draft());
  // Submitted and approved by `reviewer`.
  Contract Approved(const auth::Principal& owner, const auth::Principal& reviewer);
  // Approved and signed by its owner, with a contact of its customer.
  Contract Signed(const auth::Principal& owner, const auth::Principal& reviewer);
  Contracts::Signing SigningOf(const Contract& c, const auth::Principal& owner);

  // Event types written since the test began, in order.
  std::vector<std::string> EventsSinceStart();
  // Rows of a table (to check that a refused request wrote nothing).
  int64_t Count(const std::string& table);

  static std::unique_ptr<test::TestDatabase> db_;
  static std::string conninfo_;
  std::unique_ptr<db::Conn> conn_;
  events::Outbox outbox_{"contracts"};
  db::RequestLog request_log_{"contracts"};
  std::unique_ptr<Contracts> contracts_;
  std::unique_ptr<Files> files_;
  RequestMeta meta_{"req-test", "actor"};
  int64_t outbox_start_ = 0;
  // Above ¥1,000,000.00 or a 20% discount: an executive reviews.
  static constexpr int64_t kExecutiveAmount = 100'000'000;
};

}  // namespace crm::contracts_service
