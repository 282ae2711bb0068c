#pragma once
// A fresh customers schema in a fresh database, the logic over it, and principals as the
// built-in roles would have them.

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/reader.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/testing/pg.h"
#include "nlohmann/json.hpp"
#include "services/customers/src/customers.h"
#include "services/customers/src/people.h"

namespace crm::customers_service {

class CustomersFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // An account manager (own scope) in `department`.
  static auth::Principal Rep(const std::string& department);
  // A sales manager (department scope) over these departments (their own first).
  static auth::Principal Manager(std::vector<std::string> department_tree);
  static auth::Principal Executive();
  // A customer with a unique name, created by `owner`.
  Customer MakeCustomer(const auth::Principal& owner, const std::string& name,
                        const std::string& region = "east");
  // A contact of the customer, created by `caller`.
  Contact AddContact(const auth::Principal& caller, const Customer& customer,
                     const std::string& name, bool primary = false,
                     const std::string& reports_to = "");
  // An interaction with the customer recorded by `caller` yesterday, its follow-up due today.
  Interaction RecordFollowUpDue(const auth::Principal& caller, const Customer& customer);
  // The follow-ups due for `caller` today, earliest first.
  std::vector<Interaction> FollowUpsDue(const auth::Principal& caller);
  absl::StatusOr<Customer> Get(const auth::Principal& caller, const std::string& id);
  absl::StatusOr<std::vector<Customer>> Search(const auth::Principal& caller,
                                               const std::string& query, int page_size = 20);
  std::vector<std::string> EventsSinceStart();
  // The plan (EXPLAIN's "Plan", as JSON) of the statement `name` prepared on `conn`'s session,
  // run with `params`.
  static nlohmann::json PlanOf(db::Conn& conn, const std::string& name, const db::Params& params);
  static std::string NewId();
  // `base` made unique within the test binary: "base（n）".
  static std::string Unique(const std::string& base);

  static std::unique_ptr<test::TestDatabase> db_;
  static std::string conninfo_;
  std::unique_ptr<db::Conn> conn_;
  std::unique_ptr<db::Reader> reader_;
  // Sessions as the service's searches have them.
  std::unique_ptr<db::Reader> search_reader_;
  events::Outbox outbox_{"customers"};
  db::RequestLog request_log_{"customers"};
  std::unique_ptr<Customers> customers_;
  // "Today" is in UTC.
  std::unique_ptr<People> people_;
  RequestMeta meta_{"req-test", "actor"};
  int64_t outbox_start_ = 0;
};

}  // namespace crm::customers_service
