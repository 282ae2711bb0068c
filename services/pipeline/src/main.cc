// crm-pipeline: sales opportunities, their assignment, development plans and outcome.

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "libs/config/flags.h"
#include "libs/events/customer_moves.h"
#include "libs/service/runtime.h"
#include "libs/service/service_tokens.h"
#include "services/pipeline/src/migrations.h"
#include "services/pipeline/src/pipeline_service.h"

namespace crm::pipeline_service {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  config::Flags flags("crm-pipeline", "The CRM sales pipeline service.");
  service::CommonFlags common(flags, "pipeline", "CRM_PIPELINE_DB_URL", 50053, 9466,
                              /*with_public_keys=*/true);
  auto* auth_address = flags.String("auth-address", "CRM_AUTH_ADDRESS", "localhost:50051",
                                    "the auth service (assignees are looked up there)");
  auto* customers_address =
      flags.String("customers-address", "CRM_CUSTOMERS_ADDRESS", "localhost:50052",
                   "the customers service (customers are checked and created there)");
  auto* contracts_address =
      flags.String("contracts-address", "CRM_CONTRACTS_ADDRESS", "",
                   "the contracts service, whose contracts of opportunities are followed "
                   "(empty: opportunities do not show their contracts)");
  auto* zone_name = flags.String("timezone", "CRM_TIMEZONE", "Asia/Shanghai",
                                 "business time zone (what \"today\" means for close dates)");
  service::ServiceAccountFlags account(
      flags,
      "follows the customers service's hand-overs and merges (empty: opportunities do not "
      "follow them)");
  flags.ParseOrExit(argc, argv);
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(*zone_name, &zone)) {
    return Fatal("invalid configuration", absl::InvalidArgumentError("unknown --timezone"));
  }
  auto config = common.Resolve();
  if (!config.ok()) return Fatal("invalid configuration", config.status());
  auto verifier = service::VerifierFromConfig(*config);
  if (!verifier.ok()) return Fatal("invalid configuration", verifier.status());
  auto auth_channel =
      grpc::CreateChannel(*auth_address, rpc::ChannelCredentials(config->client_tls));
  auto tokens = account.Load(auth_channel);
  if (!tokens.ok()) return Fatal("invalid configuration", tokens.status());
  auto runtime = service::Runtime::Start(*config, "pipeline", AllMigrations(), verifier->get());
  if (!runtime.ok()) return Fatal("startup failed", runtime.status());
  service::Runtime& rt = **runtime;

  auto directory = crm::auth::v1::DirectoryService::NewStub(auth_channel);
  auto customers_channel =
      grpc::CreateChannel(*customers_address, rpc::ChannelCredentials(config->client_tls));
  auto customers = crm::customers::v1::CustomersService::NewStub(customers_channel);
  Opportunities opportunities(&rt.outbox(), &rt.request_log(), zone);
  Plans plans(&rt.outbox(), &rt.request_log());
  auto service = NewPipelineService(
      {&rt.calls(), &opportunities, &plans, &rt.events(), directory.get(), customers.get()});
  rt.server().AddService(service.get());
  // Customers handed over to another rep take their open opportunities along; a merged
  // customer's opportunities follow it to the survivor.
  std::unique_ptr<events::Follower> customer_moves;
  if (*tokens) {
    customer_moves = events::FollowCustomerMoves(
        customers_channel, [t = tokens->get()] { return t->Get(); }, config->db_url, "pipeline",
        [&opportunities](db::Tx& tx, const common::v1::Event& e) {
          return opportunities.ApplyCustomerEvent(tx, e);
        });
    customer_moves->Start();
  }
  // Opportunities show the contracts made from them.
  std::unique_ptr<events::Follower> contract_events;
  if (*tokens && !contracts_address->empty()) {
    events::Follower::Options o;
    o.stream = "contracts";
    o.channel =
        grpc::CreateChannel(*contracts_address, rpc::ChannelCredentials(config->client_tls));
    o.method = "/crm.contracts.v1.ContractsService/WatchEvents";
    o.types = Opportunities::ContractEventTypes();
    o.token = [t = tokens->get()] { return t->Get(); };
    contract_events = std::make_unique<events::Follower>(
        o, config->db_url, "pipeline", [&opportunities](db::Tx& tx, const common::v1::Event& e) {
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
