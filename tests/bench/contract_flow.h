#pragma once
// A contract from draft to signed order over the running stack, for the benchmarks that need
// orders (contracts) or what follows from them (payments).

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/status.h>

#include "crm/contracts/v1/contracts_service.grpc.pb.h"
#include "tests/e2e/stack.h"

namespace crm::bench {

// The flow's fixed cast: who acts, for which customer, with which products.
struct Cast {
  std::string rep, manager, customer_id, contact_id;
  std::vector<std::string> products;
};

// Creates a department with a sales manager (bench.manager) and an account manager
// (bench.rep), signs them in, creates a customer with a contact as the rep, and picks five
// inexpensive products of the sales system's catalogue (so that five lines stay within the
// sales manager's review limit). Exits on failure.
Cast MakeCast(e2e::AuthServer& auth, const e2e::CustomersServer& customers,
              const std::string& sales_system);

// Contract number n with five catalogue lines, from draft to signed: created and submitted by
// the rep, approved by the manager, signed by the rep. Adds each step's time to step_ms[0..3];
// the first failure, or OK; `signed_out` (optional) gets the signed contract.
grpc::Status SignedContract(crm::contracts::v1::ContractsService::Stub& stub, const Cast& cast,
                            int64_t n, std::vector<double>* step_ms,
                            crm::contracts::v1::Contract* signed_out = nullptr);

}  // namespace crm::bench
