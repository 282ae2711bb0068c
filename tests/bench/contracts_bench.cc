// crm-bench-contracts: contracts from draft to signed order, next to pgbench's TPC-B-like write
// transaction against the same PostgreSQL server in the same run.
//
//   crm-bench-contracts [--clients=16] [--seconds=10] [--rounds=3] [-- <crm-contracts flags>]
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

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "crm/contracts/v1/contracts_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "external/salesys/v1/sales_system.grpc.pb.h"
#include "libs/testing/pg.h"
#include "tests/bench/bench.h"
#include "tests/e2e/stack.h"

namespace {

namespace kv1 = ::crm::contracts::v1;
namespace cv1 = ::crm::customers::v1;
namespace sv1 = ::external::salesys::v1;
using crm::bench::Die;
using crm::e2e::Ctx;

// The flow's fixed cast: who acts, for which customer, with which products.
struct Cast {
  std::string rep, manager, customer_id, contact_id;
  std::vector<std::string> products;
};

// One contract from draft to signed; the first failure, or OK. Adds each step's time to
// `step_ms`.
grpc::Status Flow(kv1::ContractsService::Stub& stub, const Cast& cast, int64_t n,
                  std::vector<double>* step_ms) {
  crm::bench::Laps lap(step_ms);
  kv1::CreateContractRequest create;
  create.set_request_id(absl::StrCat("bench-", n));
  kv1::Contract& c = *create.mutable_contract();
  c.set_customer_id(cast.customer_id);
  c.set_title(absl::StrCat("基准测试合同 ", n));
  c.set_terms("签约后三十日内付清");
  c.mutable_start_date()->set_year(2031);
  c.mutable_start_date()->set_month(1);
  c.mutable_start_date()->set_day(1);
  c.mutable_end_date()->set_year(2031);
  c.mutable_end_date()->set_month(12);
  c.mutable_end_date()->set_day(31);
  for (size_t k = 0; k < cast.products.size(); ++k) {
    kv1::ContractLine* l = c.add_lines();
    l->set_product_id(cast.products[(n + k) % cast.products.size()]);
    l->set_quantity(static_cast<int64_t>(k + 1));
  }
  kv1::Contract draft;
  if (auto s = stub.CreateContract(Ctx(cast.rep).get(), create, &draft); !s.ok()) return s;
  lap();
  kv1::SubmitContractRequest submit;
  submit.set_id(draft.id());
  submit.set_etag(draft.etag());
  kv1::Contract pending;
  if (auto s = stub.SubmitContract(Ctx(cast.rep).get(), submit, &pending); !s.ok()) return s;
  lap();
  kv1::ReviewContractRequest review;
  review.set_id(draft.id());
  review.set_etag(pending.etag());
  review.set_approve(true);
  kv1::Contract approved;
  if (auto s = stub.ReviewContract(Ctx(cast.manager).get(), review, &approved); !s.ok()) return s;
  lap();
  kv1::SignContractRequest sign;
  sign.set_id(draft.id());
  sign.set_etag(approved.etag());
  sign.set_customer_signer_contact_id(cast.contact_id);
  kv1::Contract signed_;
  if (auto s = stub.SignContract(Ctx(cast.rep).get(), sign, &signed_); !s.ok()) return s;
  lap();
  if (signed_.status() != kv1::CONTRACT_STATUS_SIGNED) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "not signed");
  }
  return grpc::Status::OK;
}

}  // namespace

int main(int argc, char** argv) {
  crm::bench::FlowOptions o;
  o.steps = {"CreateContract", "SubmitContract", "ReviewContract", "SignContract"};
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
      Die("usage: crm-bench-contracts [--clients=N] [--seconds=N] [--rounds=N] "
          "[-- <crm-contracts flags>]");
    }
  }
  auto cluster = crm::test::TempCluster::Start();
  if (!cluster.ok()) Die(cluster.status().ToString());
  std::printf("PostgreSQL: private cluster on port %d; %d clients, %d s, %d rounds\n",
              (*cluster)->port(), o.clients, o.seconds, o.rounds);
  auto pgdb = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "pgbench");
  if (!pgdb.ok()) Die(pgdb.status().ToString());
  crm::bench::PgbenchInit((*pgdb)->AdminConninfo());

  auto db = crm::test::TestDatabase::CreateOn((*cluster)->Conninfo(), "contracts_bench");
  if (!db.ok()) Die(db.status().ToString());
  auto auth = crm::e2e::AuthServer::Start(**db);
  if (!auth.ok()) Die(auth.status().ToString());
  auto customers = crm::e2e::CustomersServer::Start(**db, **auth);
  if (!customers.ok()) Die(customers.status().ToString());
  auto pipeline = crm::e2e::PipelineServer::Start(**db, **auth, **customers);
  if (!pipeline.ok()) Die(pipeline.status().ToString());
  auto fake = crm::e2e::SalesSystemFake::Start();
  if (!fake.ok()) Die(fake.status().ToString());
  auto contracts = crm::e2e::ContractsServer::Start(**db, **auth, **customers, **pipeline,
                                                    (*fake)->address(), server_args);
  if (!contracts.ok()) Die(contracts.status().ToString());
  auto dept = (*auth)->CreateDepartment("华东区");
  if (!dept.ok()) Die(dept.status().ToString());
  if (auto u = (*auth)->CreateUser("bench.manager", "sales_manager", *dept); !u.ok()) {
    Die(u.status().ToString());
  }
  if (auto u = (*auth)->CreateUser("bench.rep", "account_manager", *dept); !u.ok()) {
    Die(u.status().ToString());
  }
  Cast cast;
  auto manager = (*auth)->Login("bench.manager", "s3cret-pass");
  auto rep = (*auth)->Login("bench.rep", "s3cret-pass");
  if (!manager.ok() || !rep.ok()) Die("login failed");
  cast.manager = *manager;
  cast.rep = *rep;
  cv1::CreateCustomerRequest customer;
  customer.mutable_customer()->set_name("基准测试采购有限公司");
  cv1::Customer created;
  if (auto s = cv1::CustomersService::NewStub((*customers)->channel())
                   ->CreateCustomer(Ctx(cast.rep).get(), customer, &created);
      !s.ok()) {
    Die(s.error_message());
  }
  cast.customer_id = created.id();
  cv1::CreateContactRequest contact;
  contact.mutable_contact()->set_customer_id(created.id());
  contact.mutable_contact()->set_name("采购部王经理");
  cv1::Contact signer;
  if (auto s = cv1::ContactsService::NewStub((*customers)->channel())
                   ->CreateContact(Ctx(cast.rep).get(), contact, &signer);
      !s.ok()) {
    Die(s.error_message());
  }
  cast.contact_id = signer.id();
  // Inexpensive products, so that five lines stay within the sales manager's review limit.
  sv1::ListProductsRequest list;
  list.set_active_only(true);
  list.set_page_size(100);
  sv1::ListProductsResponse products;
  if (auto s = sv1::SalesSystemService::NewStub(
                   grpc::CreateChannel((*fake)->address(), grpc::InsecureChannelCredentials()))
                   ->ListProducts(Ctx().get(), list, &products);
      !s.ok()) {
    Die(s.error_message());
  }
  for (const auto& p : products.products()) {
    if (p.list_price().units() < 60000 && cast.products.size() < 5) cast.products.push_back(p.id());
  }
  if (cast.products.size() < 5) Die("the catalogue has too few inexpensive products");
  auto stub = kv1::ContractsService::NewStub((*contracts)->channel());

  crm::bench::RunFlows((*pgdb)->AdminConninfo(), o, [&](int64_t n, std::vector<double>* step_ms) {
    return Flow(*stub, cast, n, step_ms);
  });
  std::printf("crm-contracts peak RSS: %.0f MiB; crm-customers: %.0f MiB; crm-auth: %.0f MiB\n",
              crm::bench::PeakRssMib((*contracts)->process().pid()),
              crm::bench::PeakRssMib((*customers)->process().pid()),
              crm::bench::PeakRssMib((*auth)->process().pid()));
  return 0;
}
