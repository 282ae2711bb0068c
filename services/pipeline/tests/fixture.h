#pragma once
// A fresh pipeline schema in a fresh database, the logic over it, and principals as the
// built-in roles would have them.

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/testing/pg.h"
#include "services/pipeline/src/opportunities.h"
#include "services/pipeline/src/plans.h"

namespace crm::pipeline_service {

class PipelineFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // An account manager (own scope) in `department`.
  static auth::Principal Rep(const std::string& department);
  // A sales manager (department scope) over these departments (their own first).
  static auth::Principal Manager(std::vector<std::string> department_tree);
  static auth::Principal Executive();
  static std::string NewId();
  // The assignee record the directory would give for `p`.
  static service::DirectoryUser AssigneeOf(const auth::Principal& p);

  // A valid new opportunity for a prospect.
  static Opportunity Prospect(const std::string& name);
  Opportunity Create(const auth::Principal& creator, const std::string& name);
  // Created by `manager` and assigned to `rep`.
  Opportunity Assigned(const auth::Principal& manager, const auth::Principal& rep);
  // Assigned, with a plan item (so developing).
  Opportunity Developing(const auth::Principal& manager, const auth::Principal& rep);
  PlanItem AddItem(const auth::Principal& rep, const Opportunity& o, const std::string& content);
  // Event types written since the test began, in order.
  std::vector<std::string> EventsSinceStart();
  // Rows of a table (to check that a refused request wrote nothing).
  int64_t Count(const std::string& table);

  static std::unique_ptr<test::TestDatabase> db_;
  static std::string conninfo_;
  std::unique_ptr<db::Conn> conn_;
  events::Outbox outbox_{"pipeline"};
  db::RequestLog request_log_{"pipeline"};
  std::unique_ptr<Opportunities> opportunities_;
  std::unique_ptr<Plans> plans_;
  RequestMeta meta_{"req-test", "actor"};
  int64_t outbox_start_ = 0;
};

}  // namespace crm::pipeline_service
