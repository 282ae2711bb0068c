// gRPC glue of DictionariesService.

#include "services/customers/src/customers_service.h"

#include "libs/proto_time/proto_time.h"
#include "libs/rpc/update_mask.h"
#include "libs/status/field_violations.h"
#include "services/customers/src/convert.h"

namespace crm::customers_service {
namespace {

class DictionariesServiceImpl final : public v1::DictionariesService::CallbackService,
                                      private rpc::Glue<Parts> {
 public:
  explicit DictionariesServiceImpl(const Parts& parts)
      : Glue(parts, v1::DictionariesService::service_full_name()) {}

  Unary* ListDictionaryEntries(Context* ctx, const v1::ListDictionaryEntriesRequest* req,
                               v1::ListDictionaryEntriesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      const std::string kind = KindName(req->kind());
      if (kind.empty() && req->kind() != v1::DICTIONARY_KIND_UNSPECIFIED) {
        return InvalidField("kind", "is not a dictionary kind");
      }
      auto entries = customers->ListDictionary(conn, call.principal(), kind);
      if (!entries.ok()) return entries.status();
      for (const auto& e : *entries) *resp->add_entries() = ToProto(e);
      return absl::OkStatus();
    });
  }

  Unary* UpsertDictionaryEntry(Context* ctx, const v1::UpsertDictionaryEntryRequest* req,
                               v1::DictionaryEntry* resp) override {
    return calls_.Unary(ctx, __func__, [=](rpc::Call& call, db::Conn& conn) {
      const v1::DictionaryEntry& p = req->entry();
      DictionaryEntry e{KindName(p.kind()), p.code(), p.name(), p.sort_order(), p.active()};
      return rpc::Respond(
          customers->UpsertDictionaryEntry(conn, call.principal(), rpc::RequestMetaOf(call), e),
          resp);
    });
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewDictionariesService(const Parts& parts) {
  return std::make_unique<DictionariesServiceImpl>(parts);
}

}  // namespace crm::customers_service
