#include "tests/bench/contract_flow.h"

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "external/salesys/v1/sales_system.grpc.pb.h"
#include "tests/bench/bench.h"

namespace crm::bench {

namespace kv1 = ::crm::contracts::v1;
namespace cv1 = ::crm::customers::v1;
namespace sv1 = ::external::salesys::v1;
using e2e::Ctx;

Cast MakeCast(e2e::AuthServer& auth, const e2e::CustomersServer& customers,
              const std::string& sales_system) {
  auto dept = auth.CreateDepartment("华东区");
  if (!dept.ok()) Die(dept.status().ToString());
  if (auto u = auth.CreateUser("bench.manager", "sales_manager", *dept); !u.ok()) {
    Die(u.status().ToString());
  }
  if (auto u = auth.CreateUser("bench.rep", "account_manager", *dept); !u.ok()) {
    Die(u.status().ToString());
  }
  Cast cast;
  auto manager = auth.Login("bench.manager", "s3cret-pass");
  auto rep = auth.Login("bench.rep", "s3cret-pass");
  if (!manager.ok() || !rep.ok()) Die("login failed");
  cast.manager = *manager;
  cast.rep = *rep;
  cv1::CreateCustomerRequest customer;
  customer.mutable_customer()->set_name("基准测试采购有限公司");
  cv1::Customer created;
  if (auto s = cv1::CustomersService::NewStub(customers.channel())
                   ->CreateCustomer(Ctx(cast.rep).get(), customer, &created);
      !s.ok()) {
    Die(s.error_message());
  }
  cast.customer_id = created.id();
  cv1::CreateContactRequest contact;
  contact.mutable_contact()->set_customer_id(created.id());
  contact.mutable_contact()->set_name("采购部王经理");
  cv1::Contact signer;
  if (auto s = cv1::ContactsService::NewStub(customers.channel())
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
                   grpc::CreateChannel(sales_system, grpc::InsecureChannelCredentials()))
                   ->ListProducts(Ctx().get(), list, &products);
      !s.ok()) {
    Die(s.error_message());
  }
  for (const auto& p : products.products()) {
    if (p.list_price().units() < 60000 && cast.products.size() < 5) cast.products.push_back(p.id());
  }
  if (cast.products.size() < 5) Die("the catalogue has too few inexpensive products");
  return cast;
}

grpc::Status SignedContract(kv1::ContractsService::Stub& stub, const Cast& cast, int64_t n,
                            std::vector<double>* step_ms, kv1::Contract* signed_out) {
  Laps lap(step_ms);
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
  if (signed_out != nullptr) *signed_out = signed_;
  return grpc::Status::OK;
}

}  // namespace crm::bench
