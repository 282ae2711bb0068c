// gRPC glue of DictionariesService.

#include "services/customers/src/customers_service.h"

#include "libs/proto_time/proto_time.h"
#include "libs/rpc/update_mask.h"
#include "libs/status/field_violations.h"
#include "services/customers/src/convert.h"

namespace crm::customers_service {
namespace {

using rpc::Call;

}  // namespace

grpc::ServerUnaryReactor* DictionariesServiceImpl::ListDictionaryEntries(
    grpc::CallbackServerContext* ctx, const v1::ListDictionaryEntriesRequest* req,
    v1::ListDictionaryEntriesResponse* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
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

grpc::ServerUnaryReactor* DictionariesServiceImpl::UpsertDictionaryEntry(
    grpc::CallbackServerContext* ctx, const v1::UpsertDictionaryEntryRequest* req,
    v1::DictionaryEntry* resp) {
  return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) -> absl::Status {
    const v1::DictionaryEntry& p = req->entry();
    DictionaryEntry e{KindName(p.kind()), p.code(), p.name(), p.sort_order(), p.active()};
    return rpc::Respond(
        customers->UpsertDictionaryEntry(conn, call.principal(), rpc::RequestMetaOf(call), e),
        resp);
  });
}

}  // namespace crm::customers_service
