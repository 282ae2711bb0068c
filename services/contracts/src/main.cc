// crm-contracts: contracts and orders, their review and signing, and the electronic contract.

#include "libs/config/flags.h"
#include "libs/events/customer_moves.h"
#include "libs/events/follower.h"
#include "libs/salesys/client_flags.h"
#include "libs/service/backend.h"
#include "services/contracts/src/contracts_service.h"
#include "services/contracts/src/migrations.h"

namespace crm::contracts_service {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  config::Flags flags("crm-contracts", "The CRM contracts service.");
  service::BackendFlags backend(
      flags, {"contracts", "CRM_CONTRACTS_DB_URL", 50054, 9467, "signers are looked up there",
              "contract numbers' and sign dates' days",
              "follows the customers service's hand-overs and merges and the payments "
              "service's settlements (empty: contracts follow neither)"});
  auto* customers_address =
      flags.String("customers-address", "CRM_CUSTOMERS_ADDRESS", "localhost:50052",
                   "the customers service (customers and their contacts are checked there)");
  auto* pipeline_address =
      flags.String("pipeline-address", "CRM_PIPELINE_ADDRESS", "localhost:50053",
                   "the pipeline service (originating opportunities are checked there)");
  auto* payments_address =
      flags.String("payments-address", "CRM_PAYMENTS_ADDRESS", "",
                   "the payments service, whose settled receivables complete their contracts "
                   "(empty: contracts are not completed)");
  salesys::ClientFlags sales_system_flags(flags, "the product catalogue");
  auto* escalation_amounts = flags.String(
      "review-executive-amounts", "CRM_REVIEW_EXECUTIVE_AMOUNTS", "CNY=100000000",
      "contracts above their currency's amount (minor units: CNY=100000000 is 1,000,000.00) are "
      "reviewed by an executive, as are contracts in a currency not listed");
  auto* escalation_discount =
      flags.Int("review-executive-discount-percent", "CRM_REVIEW_EXECUTIVE_DISCOUNT_PERCENT", 20,
                "contracts with a larger total discount are reviewed by an executive", 0, 100);
  auto* max_file_bytes =
      flags.Int("max-file-bytes", "CRM_MAX_FILE_BYTES", 20 << 20,
                "largest electronic contract that may be uploaded", 1, int64_t{1} << 30);
  auto* max_uploads =
      flags.Int("max-concurrent-uploads", "CRM_MAX_CONCURRENT_UPLOADS", 8,
                "files received at once (each held in memory until stored)", 1, 1024);
  flags.ParseOrExit(argc, argv);
  auto sales_options = sales_system_flags.Resolve();
  if (!sales_options.ok()) return Fatal("invalid configuration", sales_options.status());
  auto amount_limits = ParseAmountLimits(*escalation_amounts);
  if (!amount_limits.ok()) {
    return Fatal("invalid --review-executive-amounts", amount_limits.status());
  }
  auto started = backend.Start(AllMigrations());
  if (!started.ok()) return Fatal("startup failed", started.status());
  service::Backend& b = *started;
  service::Runtime& rt = *b.runtime;

  auto directory = crm::auth::v1::DirectoryService::NewStub(b.auth);
  auto customers_channel = b.ChannelTo(*customers_address);
  auto customers = crm::customers::v1::CustomersService::NewStub(customers_channel);
  auto contacts = crm::customers::v1::ContactsService::NewStub(customers_channel);
  auto pipeline = crm::pipeline::v1::PipelineService::NewStub(b.ChannelTo(*pipeline_address));
  auto sales_system = salesys::NewGrpcSalesSystem(*sales_options, &rt.server().metrics());
  Contracts contracts(&rt.outbox(), &rt.request_log(), b.zone,
                      ReviewPolicy{*amount_limits, static_cast<int>(*escalation_discount)});
  Files files(&rt.outbox(), &rt.request_log(), *max_file_bytes, static_cast<int>(*max_uploads));
  auto service =
      NewContractsService({&rt.calls(), &contracts, &files, &rt.events(), directory.get(),
                           customers.get(), contacts.get(), pipeline.get(), sales_system.get()});
  rt.server().AddService(service.get());
  // Customers handed over to another rep take their open contracts along; a merged
  // customer's contracts follow it to the survivor.
  std::unique_ptr<events::Follower> customer_moves;
  if (b.tokens) {
    customer_moves = events::FollowCustomerMoves(
        customers_channel, [t = b.tokens.get()] { return t->Get(); }, b.config.db_url, "contracts",
        [&contracts](db::Tx& tx, const common::v1::Event& e) {
          return contracts.ApplyCustomerEvent(tx, e);
        },
        &rt.server().metrics());
    customer_moves->Start();
  }
  // A contract fully paid and delivered is completed.
  std::unique_ptr<events::Follower> settlements;
  if (b.tokens && !payments_address->empty()) {
    events::Follower::Options o;
    o.metrics = &rt.server().metrics();
    o.stream = "payments";
    o.channel = b.ChannelTo(*payments_address);
    o.method = "/crm.payments.v1.PaymentsService/WatchEvents";
    o.types = {"payments.receivable.settled"};
    o.token = [t = b.tokens.get()] { return t->Get(); };
    settlements = std::make_unique<events::Follower>(
        o, b.config.db_url, "contracts", [&contracts](db::Tx& tx, const common::v1::Event& e) {
          return contracts.ApplyPaymentsEvent(tx, e);
        });
    settlements->Start();
  }
  const int code = rt.Run();
  if (settlements) settlements->Stop();
  if (customer_moves) customer_moves->Stop();
  return code;
}

}  // namespace
}  // namespace crm::contracts_service

int main(int argc, char** argv) { return crm::contracts_service::Main(argc, argv); }
