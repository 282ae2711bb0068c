#pragma once
// gRPC glue of the customers service: one class per gRPC service of crm.customers.v1, each
// defined in its own file, all over the same logic objects.

#include <memory>

#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/glue.h"
#include "services/customers/src/churn.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/customers.h"
#include "services/customers/src/documents.h"
#include "services/customers/src/handovers.h"
#include "services/customers/src/imports.h"
#include "services/customers/src/merges.h"
#include "services/customers/src/people.h"
#include "services/customers/src/relations.h"

namespace crm::customers_service {

// What the service is made of.
struct Parts {
  const rpc::Calls* calls;
  const Customers* customers;
  const People* people;
  const Relations* relations;
  const Handovers* handovers;
  const Merges* merges;
  const Churn* churn;
  const Imports* imports;
  const Documents* documents;
  events::EventStream* events;
  // Searches: sessions of their own, each search planned for its parameters (main.cc).
  db::Reader* search_reader;
  // The auth service's directory, for looking up users (called with the caller's token).
  crm::auth::v1::DirectoryService::Stub* directory;
};

// The gRPC services, each defined in its own *_service.cc.
std::unique_ptr<grpc::Service> NewCustomersService(const Parts& parts);
std::unique_ptr<grpc::Service> NewContactsService(const Parts& parts);
std::unique_ptr<grpc::Service> NewRelationshipsService(const Parts& parts);
std::unique_ptr<grpc::Service> NewHandoversService(const Parts& parts);
std::unique_ptr<grpc::Service> NewMergesService(const Parts& parts);
std::unique_ptr<grpc::Service> NewChurnService(const Parts& parts);
std::unique_ptr<grpc::Service> NewImportExportService(const Parts& parts);
std::unique_ptr<grpc::Service> NewDocumentsService(const Parts& parts);
std::unique_ptr<grpc::Service> NewDictionariesService(const Parts& parts);

}  // namespace crm::customers_service
