#pragma once
// gRPC glue of crm.customers.v1.CustomersService.

#include "crm/customers/v1/customers_service.grpc.pb.h"
#include "libs/events/watch.h"
#include "libs/rpc/call.h"
#include "services/customers/src/customers.h"

namespace crm::customers_service {

class CustomersServiceImpl : public v1::CustomersService::CallbackService {
 public:
  CustomersServiceImpl(const rpc::Calls* calls, const Customers* customers,
                       events::EventStream* events)
      : calls_(calls), customers_(customers), events_(events) {}

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
  grpc::ServerUnaryReactor* ListDictionaryEntries(grpc::CallbackServerContext* ctx,
                                                  const v1::ListDictionaryEntriesRequest* req,
                                                  v1::ListDictionaryEntriesResponse* resp) override;
  grpc::ServerUnaryReactor* UpsertDictionaryEntry(grpc::CallbackServerContext* ctx,
                                                  const v1::UpsertDictionaryEntryRequest* req,
                                                  v1::DictionaryEntry* resp) override;
  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      grpc::CallbackServerContext* ctx, const common::v1::WatchEventsRequest* req) override;

 private:
  const rpc::Calls* calls_;
  const Customers* customers_;
  events::EventStream* events_;
};

}  // namespace crm::customers_service
