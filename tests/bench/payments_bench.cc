// crm-bench-payments: payments recorded against receivables, next to pgbench's TPC-B-like write
// transaction against the same PostgreSQL server in the same run.
//
//   crm-bench-payments [--clients=16] [--seconds=10] [--rounds=3] [--tcp] [--receivables=200]
//                      [-- <crm-payments flags>]
//
// Starts its own PostgreSQL cluster and the stack up to crm-payments (following the contracts'
// events with its service account), signs --receivables contracts (which the payments service
// turns into receivables); then in each round runs `pgbench -M prepared` (TPC-B-like) with
// --clients clients, and --clients client threads each recording payments as finance, as fast
// as answers come back: each a new request id, a few fen, on the receivables in turn (so
// clients now and then wait for one another's row lock, as two clerks booking the same
// customer's money would). It prints RecordPayment/s, p50 / p99 and the ratio to pgbench's
// transactions per second; then the medians and the services' peak RSS.

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crm/payments/v1/payments_service.grpc.pb.h"
#include "libs/testing/pg.h"
#include "tests/bench/bench.h"
#include "tests/bench/contract_flow.h"
#include "tests/e2e/stack.h"

namespace kv1 = ::crm::contracts::v1;
namespace yv1 = ::crm::payments::v1;
using crm::bench::Die;
using crm::e2e::Ctx;

int main(int argc, char** argv) {
  crm::bench::FlowOptions o;
  o.steps = {"RecordPayment"};
  o.floor = 0.30;
  int receivable_count = 200;
  const std::vector<std::string> server_args = crm::bench::ParseFlowFlags(
      argc, argv, o,
      "crm-bench-payments [--clients=N] [--seconds=N] [--rounds=N] [--tcp] "
      "[--receivables=N] [-- <crm-payments flags>]",
      {{"--receivables=", &receivable_count}});
  crm::bench::FlowDatabases dbs = crm::bench::StartFlowDatabases(o, "payments_bench");
  auto auth = crm::e2e::AuthServer::Start(*dbs.services);
  if (!auth.ok()) Die(auth.status().ToString());
  auto customers = crm::e2e::CustomersServer::Start(*dbs.services, **auth);
  if (!customers.ok()) Die(customers.status().ToString());
  auto pipeline = crm::e2e::PipelineServer::Start(*dbs.services, **auth, **customers);
  if (!pipeline.ok()) Die(pipeline.status().ToString());
  auto fake = crm::e2e::SalesSystemFake::Start();
  if (!fake.ok()) Die(fake.status().ToString());
  auto contracts = crm::e2e::ContractsServer::Start(*dbs.services, **auth, **customers, **pipeline,
                                                    (*fake)->address());
  if (!contracts.ok()) Die(contracts.status().ToString());
  auto secret = (*auth)->CreateServiceAccount("payments-follower", "payments_follower");
  if (!secret.ok()) Die(secret.status().ToString());
  auto payments =
      crm::e2e::PaymentsServer::Start(*dbs.services, **auth, **contracts, *secret, server_args);
  if (!payments.ok()) Die(payments.status().ToString());
  const crm::bench::Cast cast = crm::bench::MakeCast(**auth, **customers, (*fake)->address());
  auto dept = (*auth)->CreateDepartment("财务部");
  if (!dept.ok()) Die(dept.status().ToString());
  if (auto u = (*auth)->CreateUser("bench.finance", "finance", *dept); !u.ok()) {
    Die(u.status().ToString());
  }
  auto finance = (*auth)->Login("bench.finance", "s3cret-pass");
  if (!finance.ok()) Die(finance.status().ToString());

  // The receivables: signed contracts, followed into the payments service.
  auto contracts_stub = kv1::ContractsService::NewStub((*contracts)->channel());
  std::vector<std::string> receivables;
  std::vector<double> unused(4);
  for (int n = 0; n < receivable_count; ++n) {
    kv1::Contract signed_;
    if (auto s = crm::bench::SignedContract(*contracts_stub, cast, n, &unused, &signed_); !s.ok()) {
      Die(s.error_message());
    }
    receivables.push_back(signed_.id());
  }
  auto stub = yv1::PaymentsService::NewStub((*payments)->channel());
  for (const absl::Time until = absl::Now() + absl::Seconds(60);;) {
    yv1::ListReceivablesRequest list;
    list.set_page_size(500);
    yv1::ListReceivablesResponse listed;
    if (auto s = stub->ListReceivables(Ctx(*finance).get(), list, &listed); !s.ok()) {
      Die(s.error_message());
    }
    if (listed.receivables_size() >= receivable_count) break;
    if (absl::Now() > until) Die("the receivables did not all appear within a minute");
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::printf("%d receivables\n", receivable_count);

  const absl::Time received = absl::Now() - absl::Hours(1);
  crm::bench::RunFlows(
      dbs.pgbench->AdminConninfo(), o, [&](int64_t n, std::vector<double>* step_ms) {
        crm::bench::Laps lap(step_ms);
        yv1::RecordPaymentRequest req;
        req.set_request_id(absl::StrCat("bench-payment-", n));
        yv1::Payment* p = req.mutable_payment();
        p->set_contract_id(receivables[static_cast<size_t>(n) % receivables.size()]);
        p->set_method("bank_transfer");
        p->mutable_receive_time()->set_seconds(absl::ToUnixSeconds(received));
        p->mutable_amount()->set_currency_code("CNY");
        p->mutable_amount()->set_nanos(static_cast<int32_t>(1 + n % 9) * 10'000'000);
        p->mutable_payer_account()->set_bank("招商银行");
        p->mutable_payer_account()->set_account_name("基准测试采购有限公司");
        p->mutable_payer_account()->set_account_number("6214830212345678");
        p->set_reference(absl::StrCat("BENCH-", n));
        yv1::Payment out;
        grpc::Status s = stub->RecordPayment(Ctx(*finance).get(), req, &out);
        lap();
        return s;
      });
  std::printf("crm-payments peak RSS: %.0f MiB\n",
              crm::bench::PeakRssMib((*payments)->process().pid()));
  return 0;
}
