// crm-pipeline: sales opportunities, their assignment, development plans and outcome.

#include "libs/config/flags.h"
#include "libs/events/customer_moves.h"
#include "libs/service/backend.h"
#include "services/pipeline/src/migrations.h"
#include "services/pipeline/src/pipeline_service.h"

namespace crm::pipeline_service {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  config::Flags flags("crm-pipeline", "The CRM sales pipeline service.");
  service::BackendFlags backend(
      flags, {"pipeline", "CRM_PIPELINE_DB_URL", 50053, 9466, "assignees are looked up there",
              "what \"today\" means for close dates",
              "follows the customers service's hand-overs and merges and the contracts of "
              "opportunities (empty: opportunities follow neither)"});
  auto* customers_address =
      flags.String("customers-address", "CRM_CUSTOMERS_ADDRESS", "localhost:50052",
                   "the customers service (customers are checked and created there)");
  auto* contracts_address =
      flags.String("contracts-address", "CRM_CONTRACTS_ADDRESS", "",
                   "the contracts service, whose contracts of opportunities are followed "
                   "(empty: opportunities do not show their contracts)");
  flags.ParseOrExit(argc, argv);
  auto started = backend.Start(AllMigrations());
  if (!started.ok()) return Fatal("startup failed", started.status());
  service::Backend& b = *started;
  service::Runtime& rt = *b.runtime;

  auto directory = crm::auth::v1::DirectoryService::NewStub(b.auth);
  auto customers_channel = b.ChannelTo(*customers_address);
  auto customers = crm::customers::v1::CustomersService::NewStub(customers_channel);
  Opportunities opportunities(&rt.outbox(), &rt.request_log(), b.zone);
  Plans plans(&rt.outbox(), &rt.request_log());
  auto service = NewPipelineService(
      {&rt.calls(), &opportunities, &plans, &rt.events(), directory.get(), customers.get()});
  rt.server().AddService(service.get());
  // Customers handed over to another rep take their open opportunities along; a merged
  // customer's opportunities follow it to the survivor.
  std::unique_ptr<events::Follower> customer_moves;
  if (b.tokens) {
    customer_moves = events::FollowCustomerMoves(
        customers_channel, [t = b.tokens.get()] { return t->Get(); }, b.config.db_url, "pipeline",
        [&opportunities](db::Tx& tx, const common::v1::Event& e) {
          return opportunities.ApplyCustomerEvent(tx, e);
        },
        &rt.server().metrics());
    customer_moves->Start();
  }
  // Opportunities show the contracts made from them.
  std::unique_ptr<events::Follower> contract_events;
  if (b.tokens && !contracts_address->empty()) {
    events::Follower::Options o;
    o.metrics = &rt.server().metrics();
    o.stream = "contracts";
    o.channel = b.ChannelTo(*contracts_address);
    o.method = "/crm.contracts.v1.ContractsService/WatchEvents";
    o.types = Opportunities::ContractEventTypes();
    o.token = [t = b.tokens.get()] { return t->Get(); };
    contract_events = std::make_unique<events::Follower>(
        o, b.config.db_url, "pipeline", [&opportunities](db::Tx& tx, const common::v1::Event& e) {
          return opportunities.ApplyContractEvent(tx, e);
        });
    contract_events->Start();
  }
  const int code = rt.Run();
  if (contract_events) contract_events->Stop();
  if (customer_moves) customer_moves->Stop();
  return code;
}

}  // namespace
}  // namespace crm::pipeline_service

int main(int argc, char** argv) { return crm::pipeline_service::Main(argc, argv); }
