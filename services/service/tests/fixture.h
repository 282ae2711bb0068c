#pragma once
// A fresh service schema in a fresh database, the logic over it with a fake clock, and
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
#include "services/service/src/attachments.h"
#include "services/service/src/tickets.h"

namespace crm::tickets_service {

class TicketsFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // An account manager (own scope) in `department`.
  static auth::Principal Rep(const std::string& department);
  // A service agent (company-wide scope) in `department`.
  static auth::Principal Agent(const std::string& department);
  // A sales manager (department scope, assigns) over these departments (their own first).
  static auth::Principal Manager(std::vector<std::string> department_tree);
  static auth::Principal Executive();
  static auth::Principal Admin();
  static std::string NewId();
  static service::DirectoryUser UserOf(const auth::Principal& p);

  // The customer as the customers service would answer: owned by `owner`, of `level`.
  static CustomerFacts CustomerOf(const auth::Principal& owner,
                                  const std::string& level = "ordinary", std::string id = "");
  // A valid complaint about `customer`.
  static Ticket Complaint(const CustomerFacts& customer,
                          const std::string& summary = "发票金额有误",
                          Priority priority = Priority::kNormal);
  Ticket Create(const auth::Principal& creator, const CustomerFacts& customer, Ticket t = Ticket());
  Ticket Assign(const auth::Principal& by, const Ticket& t, const auth::Principal& to);
  Ticket Handle(const auth::Principal& by, const Ticket& t,
                const std::string& text = "已核对并重开发票");

  // Event types written since the test began, in order (of one aggregate when named).
  std::vector<std::string> EventsSinceStart(const std::string& aggregate_id = "");
  // Rows of a table (to check that a refused request wrote nothing).
  int64_t Count(const std::string& table);

  static std::unique_ptr<test::TestDatabase> db_;
  static std::string conninfo_;
  std::unique_ptr<db::Conn> conn_;
  events::Outbox outbox_{"service"};
  db::RequestLog request_log_{"service"};
  // The clock the logic reads; tests move it.
  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 12, 7, 9, 0, 0), absl::UTCTimeZone());
  std::unique_ptr<Tickets> tickets_;
  std::unique_ptr<Attachments> attachments_;
  Settings settings_;
  RequestMeta meta_{"req-test", "actor"};
  int64_t outbox_start_ = 0;
};

}  // namespace crm::tickets_service
