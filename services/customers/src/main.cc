// crm-customers: customers, contacts, interactions, relationship map, hand-over, search,
// duplicates, churn.

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "libs/config/flags.h"
#include "libs/service/runtime.h"
#include "services/customers/src/customers.h"
#include "services/customers/src/customers_service.h"
#include "services/customers/src/migrations.h"
#include "services/customers/src/people.h"
#include "services/customers/src/relations.h"

namespace crm::customers_service {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  config::Flags flags("crm-customers", "The CRM customers service.");
  service::CommonFlags common(flags, "customers", "CRM_CUSTOMERS_DB_URL", 50052, 9465,
                              /*with_public_keys=*/true);
  auto* auth_address = flags.String("auth-address", "CRM_AUTH_ADDRESS", "localhost:50051",
                                    "the auth service (users are looked up there)");
  auto* zone_name = flags.String("timezone", "CRM_TIMEZONE", "Asia/Shanghai",
                                 "business time zone (what \"today\" means for follow-ups)");
  flags.ParseOrExit(argc, argv);
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(*zone_name, &zone)) {
    return Fatal("invalid configuration", absl::InvalidArgumentError("unknown --timezone"));
  }
  auto config = common.Resolve();
  if (!config.ok()) return Fatal("invalid configuration", config.status());
  auto verifier = service::VerifierFromConfig(*config);
  if (!verifier.ok()) return Fatal("invalid configuration", verifier.status());
  auto runtime = service::Runtime::Start(*config, "customers", AllMigrations(), verifier->get());
  if (!runtime.ok()) return Fatal("startup failed", runtime.status());
  service::Runtime& rt = **runtime;
  Customers customers(&rt.outbox(), &rt.request_log());
  People people(&rt.outbox(), &rt.request_log(), zone);
  Relations relations(&rt.outbox(), &rt.request_log());
  Handovers handovers(&rt.outbox(), &rt.request_log());
  Merges merges(&rt.outbox(), &rt.request_log());
  auto directory = crm::auth::v1::DirectoryService::NewStub(
      grpc::CreateChannel(*auth_address, grpc::InsecureChannelCredentials()));
  CustomersServiceImpl service({&rt.calls(), &customers, &people, &relations, &handovers, &merges,
                                &rt.events(), directory.get()});
  rt.server().AddService(&service);
  return rt.Run();
}

}  // namespace
}  // namespace crm::customers_service

int main(int argc, char** argv) { return crm::customers_service::Main(argc, argv); }
