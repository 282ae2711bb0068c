// crm-bench-pipeline: the sales pipeline's whole path from opportunity to customer, next to
// pgbench's TPC-B-like write transaction against the same PostgreSQL server in the same run.
//
//   crm-bench-pipeline [--clients=16] [--seconds=10] [--rounds=3] [--tcp]
//                      [-- <crm-pipeline flags>]
//
// Starts its own PostgreSQL cluster, crm-auth, crm-customers and crm-pipeline; then in each
// round runs `pgbench -M prepared` (TPC-B-like: three updates and an insert) with --clients
// clients, and --clients client threads each repeating, as fast as answers come back:
//   a sales manager creates an opportunity and assigns it to an account manager (the auth
//   directory checks the assignee), the account manager adds a plan item (development
//   starts) and marks development succeeded (the customers service creates the customer).
// It prints those flows per second, their p50 / p99, and the ratio to pgbench's
// transactions per second; then the median over the rounds.

#include <cstdio>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "libs/testing/pg.h"
#include "tests/bench/bench.h"
#include "tests/e2e/stack.h"

namespace {

namespace pv1 = ::crm::pipeline::v1;
using crm::bench::Die;
using crm::e2e::Ctx;

using Options = crm::bench::FlowOptions;

// One opportunity from creation to a won customer; the first failure, or OK. Adds each step's
// time to `step_ms`.
grpc::Status Flow(pv1::PipelineService::Stub& stub, const std::string& manager,
                  const std::string& rep, const std::string& rep_id, int64_t n,
                  std::vector<double>* step_ms) {
  crm::bench::Laps lap(step_ms);
  pv1::CreateOpportunityRequest create;
  pv1::Opportunity& o = *create.mutable_opportunity();
  o.set_prospect_name(absl::StrCat("基准测试客户", n, "号有限公司"));
  o.set_summary("采购CRM系统");
  o.set_contact_phone(absl::StrCat("139", 10000000 + n));  // a phone of its own: no duplicate
  pv1::Opportunity created;
  if (auto s = stub.CreateOpportunity(Ctx(manager).get(), create, &created); !s.ok()) return s;
  lap();
  pv1::AssignOpportunityRequest assign;
  assign.set_id(created.id());
  assign.set_assignee_id(rep_id);
  pv1::Opportunity assigned;
  if (auto s = stub.AssignOpportunity(Ctx(manager).get(), assign, &assigned); !s.ok()) return s;
  lap();
  pv1::CreatePlanItemRequest plan;
  plan.mutable_item()->set_opportunity_id(created.id());
  plan.mutable_item()->mutable_plan_date()->set_year(2031);
  plan.mutable_item()->mutable_plan_date()->set_month(1);
  plan.mutable_item()->mutable_plan_date()->set_day(2);
  plan.mutable_item()->set_content("上门拜访");
  pv1::PlanItem item;
  if (auto s = stub.CreatePlanItem(Ctx(rep).get(), plan, &item); !s.ok()) return s;
  lap();
  pv1::MarkDevelopmentSucceededRequest win;
  win.set_id(created.id());
  pv1::Opportunity won;
  if (auto s = stub.MarkDevelopmentSucceeded(Ctx(rep).get(), win, &won); !s.ok()) return s;
  lap();
  if (won.status() != pv1::OPPORTUNITY_STATUS_WON) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "not won");
  }
  return grpc::Status::OK;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const std::vector<std::string> server_args =
      crm::bench::ParseFlowFlags(argc, argv, o,
                                 "crm-bench-pipeline [--clients=N] [--seconds=N] [--rounds=N] "
                                 "[--tcp] [-- <crm-pipeline flags>]");
  crm::bench::FlowDatabases dbs = crm::bench::StartFlowDatabases(o, "pipeline_bench");
  auto auth = crm::e2e::AuthServer::Start(*dbs.services);
  if (!auth.ok()) Die(auth.status().ToString());
  auto customers = crm::e2e::CustomersServer::Start(*dbs.services, **auth);
  if (!customers.ok()) Die(customers.status().ToString());
  auto pipeline = crm::e2e::PipelineServer::Start(*dbs.services, **auth, **customers, server_args);
  if (!pipeline.ok()) Die(pipeline.status().ToString());
  auto dept = (*auth)->CreateDepartment("华东区");
  if (!dept.ok()) Die(dept.status().ToString());
  if (auto u = (*auth)->CreateUser("bench.manager", "sales_manager", *dept); !u.ok()) {
    Die(u.status().ToString());
  }
  auto rep_id = (*auth)->CreateUser("bench.rep", "account_manager", *dept);
  if (!rep_id.ok()) Die(rep_id.status().ToString());
  auto manager = (*auth)->Login("bench.manager", "s3cret-pass");
  auto rep = (*auth)->Login("bench.rep", "s3cret-pass");
  if (!manager.ok() || !rep.ok()) Die("login failed");
  auto stub = pv1::PipelineService::NewStub((*pipeline)->channel());

  crm::bench::RunFlows(
      dbs.pgbench->AdminConninfo(),
      {o.clients,
       o.seconds,
       o.rounds,
       {"CreateOpportunity", "AssignOpportunity", "CreatePlanItem", "MarkDevelopmentSucceeded"}},
      [&](int64_t n, std::vector<double>* step_ms) {
        return Flow(*stub, *manager, *rep, *rep_id, n, step_ms);
      });
  std::printf("crm-pipeline peak RSS: %.0f MiB; crm-customers: %.0f MiB\n",
              crm::bench::PeakRssMib((*pipeline)->process().pid()),
              crm::bench::PeakRssMib((*customers)->process().pid()));
  return 0;
}
