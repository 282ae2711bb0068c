// crm-payments: receivables of signed contracts, payment plans and records, deliveries and
// collection.

#include "libs/config/flags.h"
#include "libs/events/follower.h"
#include "libs/service/backend.h"
#include "services/payments/src/migrations.h"
#include "services/payments/src/payments_service.h"

namespace crm::payments_service {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  config::Flags flags("crm-payments", "The CRM payments service.");
  service::BackendFlags backend(
      flags, {"payments", "CRM_PAYMENTS_DB_URL", 50055, 9468,
              "payment handlers are looked up there", "due dates: what is overdue",
              "follows the contracts service's signed, terminated and handed-over contracts "
              "(without it no receivables are created)"});
  auto* contracts_address =
      flags.String("contracts-address", "CRM_CONTRACTS_ADDRESS", "localhost:50054",
                   "the contracts service, whose signed contracts become receivables");
  auto* term_days = flags.Int("default-payment-term-days", "CRM_DEFAULT_PAYMENT_TERM_DAYS", 30,
                              "a new receivable's single installment is due this many days "
                              "after signing (until finance sets a plan)",
                              0, 3650);
  flags.ParseOrExit(argc, argv);
  auto started = backend.Start(AllMigrations());
  if (!started.ok()) return Fatal("startup failed", started.status());
  service::Backend& b = *started;
  service::Runtime& rt = *b.runtime;

  auto directory = crm::auth::v1::DirectoryService::NewStub(b.auth);
  Receivables receivables(&rt.outbox(), &rt.request_log(), b.zone, static_cast<int>(*term_days));
  Deliveries deliveries(&receivables, &rt.outbox(), &rt.request_log());
  Collection collection(&receivables, &rt.outbox(), &rt.request_log());
  auto service = NewPaymentsService(
      {&rt.calls(), &receivables, &deliveries, &collection, &rt.events(), directory.get()});
  rt.server().AddService(service.get());
  // Signed contracts become receivables; terminations, hand-overs and merges follow.
  std::unique_ptr<events::Follower> contract_events;
  if (b.tokens) {
    events::Follower::Options o;
    o.metrics = &rt.server().metrics();
    o.stream = "contracts";
    o.channel = b.ChannelTo(*contracts_address);
    o.method = "/crm.contracts.v1.ContractsService/WatchEvents";
    o.types = {"contracts.contract.signed", "contracts.contract.terminated",
               "contracts.contract.handed_over", "contracts.contract.customer_merged"};
    o.token = [t = b.tokens.get()] { return t->Get(); };
    contract_events = std::make_unique<events::Follower>(
        o, b.config.db_url, "payments", [&receivables](db::Tx& tx, const common::v1::Event& e) {
          return receivables.ApplyContractEvent(tx, e);
        });
    contract_events->Start();
  }
  const int code = rt.Run();
  if (contract_events) contract_events->Stop();
  return code;
}

}  // namespace
}  // namespace crm::payments_service

int main(int argc, char** argv) { return crm::payments_service::Main(argc, argv); }
