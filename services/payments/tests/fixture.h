#pragma once
// A fresh payments schema in a fresh database, the logic over it, receivables made by applying
// the contracts service's events, and principals as the built-in roles would have them.

#include <memory>
#include <string>
#include <vector>

#include "crm/contracts/v1/resources.pb.h"
#include "gtest/gtest.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/testing/pg.h"
#include "services/payments/src/collection.h"
#include "services/payments/src/deliveries.h"
#include "services/payments/src/receivables.h"

namespace crm::payments_service {

class PaymentsFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // An account manager (own scope) in `department`: reads, collects, records deliveries.
  static auth::Principal Rep(const std::string& department);
  // A sales manager (department scope) over these departments (their own first).
  static auth::Principal Manager(std::vector<std::string> department_tree);
  // Finance (all scope): plans, payments, deliveries, collection.
  static auth::Principal Finance();
  static std::string NewId();
  static absl::CivilDay Today();

  // A signed contract as the contracts service's event describes it: owned by `owner`, for
  // `amount_minor` CNY, signed on `signed_on`, with lines P1 × 2 and P2 × 1.
  struct Signing {
    std::string contract_id = NewId();
    std::string customer_id = NewId();
    int64_t amount_minor = 1'000'000;  // ¥10,000.00
    std::string currency = "CNY";
    absl::CivilDay signed_on = Today();
  };
  // Applies contracts.contract.<what> for the contract to the payments logic, as the follower
  // would; `status` is the contract's status after it.
  void ApplyContract(const auth::Principal& owner, const Signing& s, const std::string& what,
                     contracts::v1::ContractStatus status);
  // A receivable of a contract signed by `owner` (its event applied).
  Receivable Signed(const auth::Principal& owner, const Signing& s);
  Receivable Signed(const auth::Principal& owner) { return Signed(owner, Signing()); }

  // A payment of `amount_minor` CNY received now by bank transfer.
  static Payment PaymentOf(const std::string& contract_id, int64_t amount_minor);
  absl::StatusOr<Payment> Pay(const auth::Principal& who, const std::string& contract_id,
                              int64_t amount_minor, const std::string& request_id = NewId());
  Receivable Read(const std::string& contract_id);

  // Event types written since the test began, in order.
  std::vector<std::string> EventsSinceStart();
  // Rows of a table (to check that a refused request wrote nothing).
  int64_t Count(const std::string& table);
  // Rows of a table that belong to a contract.
  int64_t Count(const std::string& table, const std::string& contract_id);

  static std::unique_ptr<test::TestDatabase> db_;
  static std::string conninfo_;
  std::unique_ptr<db::Conn> conn_;
  events::Outbox outbox_{"payments"};
  db::RequestLog request_log_{"payments"};
  std::unique_ptr<Receivables> receivables_;
  std::unique_ptr<Deliveries> deliveries_;
  std::unique_ptr<Collection> collection_;
  RequestMeta meta_{"req-test", "actor"};
  int64_t outbox_start_ = 0;
};

}  // namespace crm::payments_service
