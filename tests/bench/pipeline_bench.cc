// crm-bench-pipeline: the sales pipeline's whole path from opportunity to customer, next to
// pgbench's TPC-B-like write transaction against the same PostgreSQL server in the same run.
//
//   crm-bench-pipeline [--clients=16] [--seconds=10] [--rounds=3] [-- <crm-pipeline flags>]
//
// Starts its own PostgreSQL cluster, crm-auth, crm-customers and crm-pipeline; then in each
// round runs `pgbench -M prepared` (TPC-B-like: three updates and an insert) with --clients
// clients, and --clients client threads each repeating, as fast as answers come back:
//   a sales manager creates an opportunity and assigns it to an account manager (the auth
//   directory checks the assignee), the account manager adds a plan item (development
//   starts) and marks development succeeded (the customers service creates the customer).
// It prints those flows per second, their p50 / p99, and the ratio to pgbench's
// transactions per second; then the median over the rounds.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/pipeline/v1/pipeline_service.grpc.pb.h"
#include "libs/testing/pg.h"
#include "tests/bench/bench.h"
#include "tests/e2e/stack.h"

namespace {

namespace pv1 = ::crm::pipeline::v1;
using crm::bench::Clock;
using crm::bench::Die;
using crm::e2e::Ctx;

struct Options {
  int clients = 16;
  int seconds = 10;
  int rounds = 3;
};

constexpr const char* kSteps[] = {"CreateOpportunity", "AssignOpportunity", "CreatePlanItem",
                                  "MarkDevelopmentSucceeded"};

// Time spent in each step of the flows measured, in ms.
struct StepTimes {
  double ms[4] = {0, 0, 0, 0};
};

// One opportunity from creation to a won customer; the first failure, or OK. Adds each step's
// time to `times`.
grpc::Status Flow(pv1::PipelineService::Stub& stub, const std::string& manager,
                  const std::string& rep, const std::string& rep_id, int64_t n, StepTimes* times) {
  int step = 0;
  auto t = Clock::now();
  auto lap = [&] {
    const auto now = Clock::now();
    times->ms[step++] += std::chrono::duration<double, std::milli>(now - t).count();
    t = now;
  };
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
  std::vector<std::string> server_args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      server_args.assign(argv + i + 1, argv + argc);
      break;
    }
    if (!crm::bench::IntFlag(a, "--clients=", &o.clients) &&
        !crm::bench::IntFlag(a, "--seconds=", &o.seconds) &&
        !crm::bench::IntFlag(a, "--rounds=", &o.rounds)) {
      Die("usage: crm-bench-pipeline [--clients=N] [--seconds=N] [--rounds=N] "
          "[-- <crm-pipeline flags>]");
    }
  }
  auto cluster = crm::test::TempCluster::Start();
  if (!cluster.ok()) Die(cluster.status().ToString());
  std::printf("PostgreSQL: private cluster on port %d; %d clients, %d s, %d rounds\n",
              (*cluster)->port(), o.clients, o.seconds, o.rounds);
  auto pgdb = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "pgbench");
  if (!pgdb.ok()) Die(pgdb.status().ToString());
  crm::bench::PgbenchInit((*pgdb)->AdminConninfo());

  auto db = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "pipeline_bench");
  if (!db.ok()) Die(db.status().ToString());
  auto auth = crm::e2e::AuthServer::Start(**db);
  if (!auth.ok()) Die(auth.status().ToString());
  auto customers = crm::e2e::CustomersServer::Start(**db, **auth);
  if (!customers.ok()) Die(customers.status().ToString());
  auto pipeline = crm::e2e::PipelineServer::Start(**db, **auth, **customers, server_args);
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

  std::atomic<int64_t> next{0};
  std::vector<double> ratios, rates;
  for (int round = 1; round <= o.rounds; ++round) {
    const double pg_tps =
        crm::bench::PgbenchTps((*pgdb)->AdminConninfo(), o.clients, o.seconds, false);
    std::atomic<bool> measuring{false}, stop{false};
    std::atomic<int64_t> errors{0};
    std::vector<std::vector<double>> latencies(o.clients);
    std::vector<StepTimes> steps(o.clients);
    std::string first_error;
    std::mutex error_mu;
    std::vector<std::thread> threads;
    for (int c = 0; c < o.clients; ++c) {
      threads.emplace_back([&, c] {
        while (!stop) {
          const auto start = Clock::now();
          StepTimes times;
          grpc::Status s = Flow(*stub, *manager, *rep, *rep_id, next++, &times);
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
          if (!measuring) continue;
          if (!s.ok()) {
            ++errors;
            std::lock_guard<std::mutex> lock(error_mu);
            if (first_error.empty()) first_error = s.error_message();
            continue;
          }
          latencies[c].push_back(ms);
          for (int k = 0; k < 4; ++k) steps[c].ms[k] += times.ms[k];
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
    measuring = true;
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
    measuring = false;
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    stop = true;
    for (auto& t : threads) t.join();
    std::vector<double> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    const double rate = all.size() / elapsed;
    const auto at = [&](double q) {
      return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(q * all.size()))];
    };
    std::printf(
        "round %d: %8.0f flows/s (create + assign + plan + win: %.0f RPCs/s)   p50 %.2f ms   "
        "p99 %.2f ms   errors %lld %s\n"
        "         pgbench -M prepared (TPC-B-like) -c %d: %8.0f transactions/s   ratio %.3f a "
        "flow, %.3f a write RPC\n",
        round, rate, rate * 4, at(0.5), at(0.99), static_cast<long long>(errors.load()),
        first_error.c_str(), o.clients, pg_tps, rate / pg_tps, rate * 4 / pg_tps);
    std::printf("         mean per step:");
    for (int k = 0; k < 4; ++k) {
      double sum = 0;
      for (const auto& st : steps) sum += st.ms[k];
      std::printf(" %s %.2f ms%s", kSteps[k], all.empty() ? 0.0 : sum / all.size(),
                  k < 3 ? "," : "\n");
    }
    rates.push_back(rate);
    ratios.push_back(rate / pg_tps);
  }
  std::printf(
      "median of %d rounds: %.0f flows/s, ratio to pgbench TPC-B-like %.3f a flow, %.3f a write "
      "RPC (target >= 0.25)\n",
      o.rounds, crm::bench::Median(rates), crm::bench::Median(ratios),
      crm::bench::Median(ratios) * 4);
  std::printf("crm-pipeline peak RSS: %.0f MiB; crm-customers: %.0f MiB\n",
              crm::bench::PeakRssMib((*pipeline)->process().pid()),
              crm::bench::PeakRssMib((*customers)->process().pid()));
  return 0;
}
