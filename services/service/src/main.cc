// crm-service: customer-service tickets from request to archive, with SLAs, satisfaction and
// attachments.

#include "libs/config/flags.h"
#include "libs/events/customer_moves.h"
#include "libs/log/log.h"
#include "libs/service/backend.h"
#include "libs/service/periodic.h"
#include "services/service/src/migrations.h"
#include "services/service/src/tickets_service.h"

namespace crm::tickets_service {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  config::Flags flags("crm-service", "The CRM customer-service (tickets) service.");
  service::BackendFlags backend(
      flags, {"service", "CRM_SERVICE_DB_URL", 50056, 9469, "assignees are looked up there",
              "ticket numbers' days and the created_from/created_to filters",
              "follows the customers service's hand-overs and merges (empty: tickets keep the "
              "account manager and customer they were created with)",
              kSessionOptions});
  auto* customers_address =
      flags.String("customers-address", "CRM_CUSTOMERS_ADDRESS", "localhost:50052",
                   "the customers service (tickets' customers and contacts are checked there)");
  auto* scan_interval =
      flags.Duration("sla-scan-interval", "CRM_SLA_SCAN_INTERVAL", absl::Minutes(1),
                     "how often to look for tickets past a due time (service.ticket.overdue)");
  auto* max_file_bytes = flags.Int("max-file-bytes", "CRM_MAX_FILE_BYTES", 20 << 20,
                                   "largest attachment that may be uploaded", 1, int64_t{1} << 30);
  auto* max_uploads =
      flags.Int("max-concurrent-uploads", "CRM_MAX_CONCURRENT_UPLOADS", 8,
                "attachments received at once (each held in memory until stored)", 1, 1024);
  flags.ParseOrExit(argc, argv);
  auto started = backend.Start(AllMigrations());
  if (!started.ok()) return Fatal("startup failed", started.status());
  service::Backend& b = *started;
  service::Runtime& rt = *b.runtime;

  auto directory = crm::auth::v1::DirectoryService::NewStub(b.auth);
  auto customers_channel = b.ChannelTo(*customers_address);
  auto customers = crm::customers::v1::CustomersService::NewStub(customers_channel);
  auto contacts = crm::customers::v1::ContactsService::NewStub(customers_channel);
  Tickets tickets(&rt.outbox(), &rt.request_log(), b.zone);
  Attachments attachments(&rt.outbox(), &rt.request_log(), *max_file_bytes,
                          static_cast<int>(*max_uploads));
  Settings settings;
  auto service = NewTicketsService({&rt.calls(), &tickets, &attachments, &settings, &rt.events(),
                                    directory.get(), customers.get(), contacts.get()});
  rt.server().AddService(service.get());

  db::Conn scan_conn(b.config.db_url);
  service::Periodic scan("SLA scan", *scan_interval, [&]() -> absl::Status {
    auto breaches = tickets.ScanBreaches(scan_conn);
    if (!breaches.ok()) return breaches.status();
    if (*breaches > 0) log::Info("SLA scan").Int("breaches", *breaches);
    return absl::OkStatus();
  });
  scan.Start();
  // Tickets follow their customer to a new account manager, and a merged duplicate's tickets
  // to the survivor.
  std::unique_ptr<events::Follower> customer_moves;
  if (b.tokens) {
    customer_moves = events::FollowCustomerMoves(
        customers_channel, [t = b.tokens.get()] { return t->Get(); }, b.config.db_url, "service",
        [&tickets](db::Tx& tx, const common::v1::Event& e) {
          return tickets.ApplyCustomerEvent(tx, e);
        },
        &rt.server().metrics());
    customer_moves->Start();
  }
  const int code = rt.Run();
  if (customer_moves) customer_moves->Stop();
  scan.Stop();
  return code;
}

}  // namespace
}  // namespace crm::tickets_service

int main(int argc, char** argv) { return crm::tickets_service::Main(argc, argv); }
