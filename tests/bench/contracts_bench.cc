// crm-bench-contracts: contracts from draft to signed order, next to pgbench's TPC-B-like write
// transaction against the same PostgreSQL server in the same run.
//
//   crm-bench-contracts [--clients=16] [--seconds=10] [--rounds=3] [--tcp]
//                       [-- <crm-contracts flags>]
//
// Starts its own PostgreSQL cluster, crm-auth, crm-customers, crm-pipeline, the sales-system
// stand-in and crm-contracts; then in each round runs `pgbench -M prepared` (TPC-B-like) with
// --clients clients, and --clients client threads each repeating, as fast as answers come back:
//   an account manager creates a contract with five catalogue lines (the customers service
//   checks the customer, the sales system prices the lines), submits it (priced again), the
//   sales manager approves it, and the account manager signs it (the auth directory checks our
//   signer, the customers service the customer's).
// It prints those flows per second, their p50 / p99, and the ratio to pgbench's transactions
// per second, a flow and a write RPC; then the medians and the services' peak RSS.

#include <cstdio>

#include "crm/contracts/v1/contracts_service.grpc.pb.h"
#include "libs/testing/pg.h"
#include "tests/bench/bench.h"
#include "tests/bench/contract_flow.h"
#include "tests/e2e/stack.h"

namespace kv1 = ::crm::contracts::v1;
using crm::bench::Die;

int main(int argc, char** argv) {
  crm::bench::FlowOptions o;
  o.steps = {"CreateContract", "SubmitContract", "ReviewContract", "SignContract"};
  const std::vector<std::string> server_args =
      crm::bench::ParseFlowFlags(argc, argv, o,
                                 "crm-bench-contracts [--clients=N] [--seconds=N] [--rounds=N] "
                                 "[--tcp] [-- <crm-contracts flags>]");
  crm::bench::FlowDatabases dbs = crm::bench::StartFlowDatabases(o, "contracts_bench");
  auto auth = crm::e2e::AuthServer::Start(*dbs.services);
  if (!auth.ok()) Die(auth.status().ToString());
  auto customers = crm::e2e::CustomersServer::Start(*dbs.services, **auth);
  if (!customers.ok()) Die(customers.status().ToString());
  auto pipeline = crm::e2e::PipelineServer::Start(*dbs.services, **auth, **customers);
  if (!pipeline.ok()) Die(pipeline.status().ToString());
  auto fake = crm::e2e::SalesSystemFake::Start();
  if (!fake.ok()) Die(fake.status().ToString());
  auto contracts = crm::e2e::ContractsServer::Start(*dbs.services, **auth, **customers, **pipeline,
                                                    (*fake)->address(), server_args);
  if (!contracts.ok()) Die(contracts.status().ToString());
  const crm::bench::Cast cast = crm::bench::MakeCast(**auth, **customers, (*fake)->address());
  auto stub = kv1::ContractsService::NewStub((*contracts)->channel());

  crm::bench::RunFlows(dbs.pgbench->AdminConninfo(), o,
                       [&](int64_t n, std::vector<double>* step_ms) {
                         return crm::bench::SignedContract(*stub, cast, n, step_ms);
                       });
  std::printf("crm-contracts peak RSS: %.0f MiB; crm-customers: %.0f MiB; crm-auth: %.0f MiB\n",
              crm::bench::PeakRssMib((*contracts)->process().pid()),
              crm::bench::PeakRssMib((*customers)->process().pid()),
              crm::bench::PeakRssMib((*auth)->process().pid()));
  return 0;
}
