// crm-pipeline: sales opportunities, their assignment, development plans and outcome.

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "libs/config/flags.h"
#include "libs/service/runtime.h"
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
  auto* zone_name = flags.String("timezone", "CRM_TIMEZONE", "Asia/Shanghai",
                                 "business time zone (what \"today\" means for close dates)");
  flags.ParseOrExit(argc, argv);
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(*zone_name, &zone)) {
    return Fatal("invalid configuration", absl::InvalidArgumentError("unknown --timezone"));
  }
  auto config = common.Resolve();
  if (!config.ok()) return Fatal("invalid configuration", config.status());
  auto verifier = service::VerifierFromConfig(*config);
  if (!verifier.ok()) return Fatal("invalid configuration", verifier.status());
  auto runtime = service::Runtime::Start(*config, "pipeline", AllMigrations(), verifier->get());
  if (!runtime.ok()) return Fatal("startup failed", runtime.status());
  service::Runtime& rt = **runtime;

  auto directory = crm::auth::v1::DirectoryService::NewStub(
      grpc::CreateChannel(*auth_address, grpc::InsecureChannelCredentials()));
  auto customers = crm::customers::v1::CustomersService::NewStub(
      grpc::CreateChannel(*customers_address, grpc::InsecureChannelCredentials()));
  Opportunities opportunities(&rt.outbox(), &rt.request_log(), zone);
  Plans plans(&rt.outbox(), &rt.request_log());
  PipelineServiceImpl service(
      {&rt.calls(), &opportunities, &plans, &rt.events(), directory.get(), customers.get()});
  rt.server().AddService(&service);
  return rt.Run();
}

}  // namespace
}  // namespace crm::pipeline_service

int main(int argc, char** argv) { return crm::pipeline_service::Main(argc, argv); }
