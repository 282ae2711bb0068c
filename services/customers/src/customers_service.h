#pragma once
// gRPC glue of the customers service: one class per gRPC service of crm.customers.v1, each
// defined in its own file (named below), all over the same logic objects.

#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/call.h"
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

// What every glue class reaches: the parts, and its calls bound to its gRPC service.
class Glue : protected Parts {
 protected:
  Glue(const Parts& parts, const char* service)
      : Parts(parts), calls_(parts.calls->ForService(service)) {}

  const rpc::Calls calls_;
};

// customers_service.cc
class CustomersServiceImpl final : public v1::CustomersService::CallbackService, private Glue {
 public:
  explicit CustomersServiceImpl(const Parts& parts)
      : Glue(parts, v1::CustomersService::service_full_name()) {}

  grpc::ServerUnaryReactor* CreateCustomer(grpc::CallbackServerContext* ctx,
                                           const v1::CreateCustomerRequest* req,
                                           v1::Customer* resp) override;
  grpc::ServerUnaryReactor* GetCustomer(grpc::CallbackServerContext* ctx,
                                        const v1::GetCustomerRequest* req,
                                        v1::Customer* resp) override;
  grpc::ServerUnaryReactor* ListCustomers(grpc::CallbackServerContext* ctx,
                                          const v1::ListCustomersRequest* req,
                                          v1::ListCustomersResponse* resp) override;
  grpc::ServerUnaryReactor* SearchCustomers(grpc::CallbackServerContext* ctx,
                                            const v1::SearchCustomersRequest* req,
                                            v1::SearchCustomersResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateCustomer(grpc::CallbackServerContext* ctx,
                                           const v1::UpdateCustomerRequest* req,
                                           v1::Customer* resp) override;
  grpc::ServerUnaryReactor* DeleteCustomer(grpc::CallbackServerContext* ctx,
                                           const v1::DeleteCustomerRequest* req,
                                           v1::DeleteCustomerResponse* resp) override;
  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) override;
};

// contacts_service.cc
class ContactsServiceImpl final : public v1::ContactsService::CallbackService, private Glue {
 public:
  explicit ContactsServiceImpl(const Parts& parts)
      : Glue(parts, v1::ContactsService::service_full_name()) {}

  grpc::ServerUnaryReactor* CreateContact(grpc::CallbackServerContext* ctx,
                                          const v1::CreateContactRequest* req,
                                          v1::Contact* resp) override;
  grpc::ServerUnaryReactor* GetContact(grpc::CallbackServerContext* ctx,
                                       const v1::GetContactRequest* req,
                                       v1::Contact* resp) override;
  grpc::ServerUnaryReactor* ListContacts(grpc::CallbackServerContext* ctx,
                                         const v1::ListContactsRequest* req,
                                         v1::ListContactsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateContact(grpc::CallbackServerContext* ctx,
                                          const v1::UpdateContactRequest* req,
                                          v1::Contact* resp) override;
  grpc::ServerUnaryReactor* DeleteContact(grpc::CallbackServerContext* ctx,
                                          const v1::DeleteContactRequest* req,
                                          v1::DeleteContactResponse* resp) override;
  grpc::ServerUnaryReactor* CreateInteraction(grpc::CallbackServerContext* ctx,
                                              const v1::CreateInteractionRequest* req,
                                              v1::Interaction* resp) override;
  grpc::ServerUnaryReactor* ListInteractions(grpc::CallbackServerContext* ctx,
                                             const v1::ListInteractionsRequest* req,
                                             v1::ListInteractionsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateInteraction(grpc::CallbackServerContext* ctx,
                                              const v1::UpdateInteractionRequest* req,
                                              v1::Interaction* resp) override;
  grpc::ServerUnaryReactor* ListFollowUpsDue(grpc::CallbackServerContext* ctx,
                                             const v1::ListFollowUpsDueRequest* req,
                                             v1::ListFollowUpsDueResponse* resp) override;
};

// relations_service.cc
class RelationshipsServiceImpl final : public v1::RelationshipsService::CallbackService,
                                       private Glue {
 public:
  explicit RelationshipsServiceImpl(const Parts& parts)
      : Glue(parts, v1::RelationshipsService::service_full_name()) {}

  grpc::ServerUnaryReactor* SetContactRelation(grpc::CallbackServerContext* ctx,
                                               const v1::SetContactRelationRequest* req,
                                               v1::ContactRelation* resp) override;
  grpc::ServerUnaryReactor* DeleteContactRelation(grpc::CallbackServerContext* ctx,
                                                  const v1::DeleteContactRelationRequest* req,
                                                  v1::DeleteContactRelationResponse* resp) override;
  grpc::ServerUnaryReactor* CreateCustomerLink(grpc::CallbackServerContext* ctx,
                                               const v1::CreateCustomerLinkRequest* req,
                                               v1::CustomerLink* resp) override;
  grpc::ServerUnaryReactor* DeleteCustomerLink(grpc::CallbackServerContext* ctx,
                                               const v1::DeleteCustomerLinkRequest* req,
                                               v1::DeleteCustomerLinkResponse* resp) override;
  grpc::ServerUnaryReactor* GetRelationshipMap(grpc::CallbackServerContext* ctx,
                                               const v1::GetRelationshipMapRequest* req,
                                               v1::RelationshipMap* resp) override;
  grpc::ServerUnaryReactor* FindIntroductionPath(grpc::CallbackServerContext* ctx,
                                                 const v1::FindIntroductionPathRequest* req,
                                                 v1::FindIntroductionPathResponse* resp) override;
};

// handovers_service.cc
class HandoversServiceImpl final : public v1::HandoversService::CallbackService, private Glue {
 public:
  explicit HandoversServiceImpl(const Parts& parts)
      : Glue(parts, v1::HandoversService::service_full_name()) {}

  grpc::ServerUnaryReactor* HandOverCustomers(grpc::CallbackServerContext* ctx,
                                              const v1::HandOverCustomersRequest* req,
                                              v1::Handover* resp) override;
  grpc::ServerUnaryReactor* ListHandovers(grpc::CallbackServerContext* ctx,
                                          const v1::ListHandoversRequest* req,
                                          v1::ListHandoversResponse* resp) override;
};

// merges_service.cc
class MergesServiceImpl final : public v1::MergesService::CallbackService, private Glue {
 public:
  explicit MergesServiceImpl(const Parts& parts)
      : Glue(parts, v1::MergesService::service_full_name()) {}

  grpc::ServerUnaryReactor* ListDuplicateCandidates(
      grpc::CallbackServerContext* ctx, const v1::ListDuplicateCandidatesRequest* req,
      v1::ListDuplicateCandidatesResponse* resp) override;
  grpc::ServerUnaryReactor* MergeCustomers(grpc::CallbackServerContext* ctx,
                                           const v1::MergeCustomersRequest* req,
                                           v1::MergeCustomersResponse* resp) override;
  grpc::ServerUnaryReactor* ListMerges(grpc::CallbackServerContext* ctx,
                                       const v1::ListMergesRequest* req,
                                       v1::ListMergesResponse* resp) override;
};

// churn_service.cc
class ChurnServiceImpl final : public v1::ChurnService::CallbackService, private Glue {
 public:
  explicit ChurnServiceImpl(const Parts& parts)
      : Glue(parts, v1::ChurnService::service_full_name()) {}

  grpc::ServerUnaryReactor* DelayLoss(grpc::CallbackServerContext* ctx,
                                      const v1::DelayLossRequest* req, v1::Customer* resp) override;
  grpc::ServerUnaryReactor* ConfirmLoss(grpc::CallbackServerContext* ctx,
                                        const v1::ConfirmLossRequest* req,
                                        v1::Customer* resp) override;
  grpc::ServerUnaryReactor* ListLossWarnings(grpc::CallbackServerContext* ctx,
                                             const v1::ListLossWarningsRequest* req,
                                             v1::ListLossWarningsResponse* resp) override;
  grpc::ServerUnaryReactor* ListLossActions(grpc::CallbackServerContext* ctx,
                                            const v1::ListLossActionsRequest* req,
                                            v1::ListLossActionsResponse* resp) override;
};

// imports_service.cc
class ImportExportServiceImpl final : public v1::ImportExportService::CallbackService,
                                      private Glue {
 public:
  explicit ImportExportServiceImpl(const Parts& parts)
      : Glue(parts, v1::ImportExportService::service_full_name()) {}

  grpc::ServerBidiReactor<v1::ImportCustomersRequest, v1::ImportCustomersResponse>* ImportCustomers(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* GetImportJob(grpc::CallbackServerContext* ctx,
                                         const v1::GetImportJobRequest* req,
                                         v1::ImportJob* resp) override;
  grpc::ServerWriteReactor<v1::ExportCustomersResponse>* ExportCustomers(
      grpc::CallbackServerContext* ctx, const v1::ExportCustomersRequest* req) override;
};

// documents_service.cc
class DocumentsServiceImpl final : public v1::DocumentsService::CallbackService, private Glue {
 public:
  explicit DocumentsServiceImpl(const Parts& parts)
      : Glue(parts, v1::DocumentsService::service_full_name()) {}

  grpc::ServerReadReactor<v1::UploadDocumentRequest>* UploadDocument(
      grpc::CallbackServerContext* ctx, v1::Document* resp) override;
  grpc::ServerWriteReactor<v1::DownloadDocumentResponse>* DownloadDocument(
      grpc::CallbackServerContext* ctx, const v1::DownloadDocumentRequest* req) override;
  grpc::ServerUnaryReactor* ListDocuments(grpc::CallbackServerContext* ctx,
                                          const v1::ListDocumentsRequest* req,
                                          v1::ListDocumentsResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteDocument(grpc::CallbackServerContext* ctx,
                                           const v1::DeleteDocumentRequest* req,
                                           v1::DeleteDocumentResponse* resp) override;
};

// dictionaries_service.cc
class DictionariesServiceImpl final : public v1::DictionariesService::CallbackService,
                                      private Glue {
 public:
  explicit DictionariesServiceImpl(const Parts& parts)
      : Glue(parts, v1::DictionariesService::service_full_name()) {}

  grpc::ServerUnaryReactor* ListDictionaryEntries(grpc::CallbackServerContext* ctx,
                                                  const v1::ListDictionaryEntriesRequest* req,
                                                  v1::ListDictionaryEntriesResponse* resp) override;
  grpc::ServerUnaryReactor* UpsertDictionaryEntry(grpc::CallbackServerContext* ctx,
                                                  const v1::UpsertDictionaryEntryRequest* req,
                                                  v1::DictionaryEntry* resp) override;
};

}  // namespace crm::customers_service
