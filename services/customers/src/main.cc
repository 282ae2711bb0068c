// crm-customers: customers, contacts, interactions, relationship map, hand-over, search,
// duplicates and merges, churn.

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "libs/config/flags.h"
#include "libs/events/follower.h"
#include "libs/salesys/client_flags.h"
#include "libs/service/backend.h"
#include "libs/service/periodic.h"
#include "services/customers/src/customers_service.h"
#include "services/customers/src/migrations.h"

namespace crm::customers_service {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  config::Flags flags("crm-customers", "The CRM customers service.");
  service::BackendFlags backend(
      flags, {"customers", "CRM_CUSTOMERS_DB_URL", 50052, 9465, "users are looked up there",
              "what \"today\" means for follow-ups and churn", "follows order events"});
  auto* search_sessions = flags.Int("db-search-sessions", "CRM_DB_SEARCH_SESSIONS", 2,
                                    "database sessions for searches", 1, 64);
  auto* max_document_bytes =
      flags.Int("max-document-bytes", "CRM_MAX_DOCUMENT_BYTES", 20 << 20,
                "largest document that may be uploaded", 1, int64_t{1} << 30);
  auto* max_uploads =
      flags.Int("max-concurrent-uploads", "CRM_MAX_CONCURRENT_UPLOADS", 8,
                "documents received at once (each held in memory until stored)", 1, 1024);
  auto* loss_after = flags.Int("loss-after-months", "CRM_LOSS_AFTER_MONTHS", 6,
                               "months without an order before a loss warning", 1, 120);
  auto* scan_interval = flags.Duration("loss-scan-interval", "CRM_LOSS_SCAN_INTERVAL",
                                       absl::Hours(1), "how often to scan for loss warnings");
  auto* orders_address =
      flags.String("order-events-address", "CRM_ORDER_EVENTS_ADDRESS", "",
                   "the service whose order events to follow (host:port); empty: none");
  auto* orders_method =
      flags.String("order-events-method", "CRM_ORDER_EVENTS_METHOD",
                   "/crm.contracts.v1.ContractsService/WatchEvents", "its WatchEvents method");
  auto* orders_type =
      flags.String("order-events-type", "CRM_ORDER_EVENTS_TYPE", "contracts.order.placed",
                   "the event type carrying crm.common.v1.OrderPlaced");
  auto* follow_sales_system = flags.Bool(
      "follow-sales-system-orders", "CRM_FOLLOW_SALES_SYSTEM_ORDERS", false,
      "take last-order dates from the sales system's order stream too (customers linked by "
      "their sales_system_key)");
  auto* service_address = flags.String(
      "service-address", "CRM_SERVICE_ADDRESS", "",
      "the service (tickets) service, whose feedback sets customers' satisfaction; empty: none");
  salesys::ClientFlags sales_system_flags(flags, "its order stream");
  flags.ParseOrExit(argc, argv);
  if (!orders_address->empty() && !backend.has_account()) {
    return Fatal("invalid configuration",
                 absl::InvalidArgumentError("--order-events-address needs --service-client-id"));
  }
  if (!service_address->empty() && !backend.has_account()) {
    return Fatal("invalid configuration",
                 absl::InvalidArgumentError("--service-address needs --service-client-id"));
  }
  auto sales_system = sales_system_flags.Resolve();
  if (!sales_system.ok()) return Fatal("invalid configuration", sales_system.status());
  auto started = backend.Start(AllMigrations());
  if (!started.ok()) return Fatal("startup failed", started.status());
  service::Backend& b = *started;
  service::Runtime& rt = *b.runtime;
  // Searches run on sessions of their own (kSearchSessionOptions), so that one slow search
  // does not hold up the point reads behind it.
  db::Reader search_reader(
      db::ReaderOptions{db::WithConnectOption(b.config.db_url, "options", kSearchSessionOptions),
                        static_cast<int>(*search_sessions), 8, "search"},
      &rt.server().metrics());
  Customers customers(&rt.outbox(), &rt.request_log());
  People people(&rt.outbox(), &rt.request_log(), b.zone);
  Relations relations(&rt.outbox(), &rt.request_log());
  Handovers handovers(&rt.outbox(), &rt.request_log());
  Merges merges(&rt.outbox(), &rt.request_log());
  Churn churn(&rt.outbox(), static_cast<int>(*loss_after), b.zone);
  Imports imports(&rt.outbox());
  Documents documents(&rt.outbox(), &rt.request_log(), *max_document_bytes,
                      static_cast<int>(*max_uploads));
  auto directory = crm::auth::v1::DirectoryService::NewStub(b.auth);
  const Parts parts{&rt.calls(), &customers,   &people,        &relations,
                    &handovers,  &merges,      &churn,         &imports,
                    &documents,  &rt.events(), &search_reader, directory.get()};
  std::vector<std::unique_ptr<grpc::Service>> services;
  for (auto* make : {&NewCustomersService, &NewContactsService, &NewRelationshipsService,
                     &NewHandoversService, &NewMergesService, &NewChurnService,
                     &NewImportExportService, &NewDocumentsService, &NewDictionariesService}) {
    services.push_back(make(parts));
    rt.server().AddService(services.back().get());
  }

  // Orders come from the contracts service's events and from the sales system's order stream,
  // each followed with its own cursor. Without an order source every customer looks as if it
  // never ordered, so the scan (which warns customers without an order for months) runs only
  // when orders are followed.
  db::Conn scan_conn(b.config.db_url);
  service::Periodic scan("loss-warning scan", *scan_interval, [&]() -> absl::Status {
    auto warned = churn.Scan(scan_conn, churn.Today());
    if (!warned.ok()) return warned.status();
    log::Info("loss-warning scan").Int("warned", *warned);
    return absl::OkStatus();
  });
  std::vector<std::unique_ptr<events::Follower>> order_sources;
  if (!orders_address->empty()) {
    events::Follower::Options o;
    o.metrics = &rt.server().metrics();
    o.stream = "orders";
    o.channel = b.ChannelTo(*orders_address);
    o.method = *orders_method;
    o.types = {*orders_type};
    o.token = [t = b.tokens.get()] { return t->Get(); };
    order_sources.push_back(std::make_unique<events::Follower>(
        o, b.config.db_url, "customers",
        [&churn](db::Tx& tx, const common::v1::Event& e) { return churn.ApplyOrderEvent(tx, e); }));
  }
  if (*follow_sales_system) {
    events::Follower::Options o;
    o.metrics = &rt.server().metrics();
    o.stream = "salesys-orders";
    o.channel = grpc::CreateChannel(sales_system->address, salesys::CredentialsOf(*sales_system));
    o.method = "/external.salesys.v1.SalesSystemService/WatchOrders";
    if (!sales_system->api_key.empty()) o.metadata = {{"x-api-key", sales_system->api_key}};
    o.request = &Churn::SalesSystemOrdersRequest;
    o.decode = &Churn::SalesSystemOrder;
    order_sources.push_back(std::make_unique<events::Follower>(
        o, b.config.db_url, "customers", [&churn](db::Tx& tx, const common::v1::Event& e) {
          return churn.ApplySalesSystemOrder(tx, e);
        }));
  }
  if (order_sources.empty()) {
    log::Info(
        "no order source configured (--order-events-address, "
        "--follow-sales-system-orders): loss-warning scan off");
  } else {
    scan.Start();
    for (auto& f : order_sources) f->Start();
  }
  // A customer's satisfaction follows the feedback on its service tickets.
  std::unique_ptr<events::Follower> satisfaction;
  if (!service_address->empty()) {
    events::Follower::Options o;
    o.metrics = &rt.server().metrics();
    o.stream = "service";
    o.channel = b.ChannelTo(*service_address);
    o.method = "/crm.service.v1.TicketsService/WatchEvents";
    o.types = {"service.customer.satisfaction_changed"};
    o.token = [t = b.tokens.get()] { return t->Get(); };
    satisfaction = std::make_unique<events::Follower>(
        o, b.config.db_url, "customers", [&customers](db::Tx& tx, const common::v1::Event& e) {
          return customers.ApplySatisfactionEvent(tx, e);
        });
    satisfaction->Start();
  }
  const int code = rt.Run();
  if (satisfaction) satisfaction->Stop();
  for (auto& f : order_sources) f->Stop();
  scan.Stop();
  return code;
}

}  // namespace
}  // namespace crm::customers_service

int main(int argc, char** argv) { return crm::customers_service::Main(argc, argv); }
