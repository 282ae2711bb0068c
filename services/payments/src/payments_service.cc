#include "services/payments/src/payments_service.h"

#include "libs/proto_time/proto_time.h"
#include "libs/rpc/status_convert.h"
#include "libs/service/directory_lookup.h"
#include "services/payments/src/convert.h"

namespace crm::payments_service {
namespace {

using rpc::Call;

// How long another service may take, within the caller's deadline.
constexpr absl::Duration kPeerWait = absl::Seconds(5);

// The filters of a receivables request.
template <typename Request>
absl::StatusOr<ReceivableFilter> FilterOf(const Request& req) {
  Violations v;
  ReceivableFilter f;
  f.status = FromProto(req.status());
  if (req.status() != v1::RECEIVABLE_STATUS_UNSPECIFIED &&
      f.status == ReceivableStatus::kUnspecified) {
    v.Add("status", "is not a known status");
  }
  f.customer_id = req.customer_id();
  f.owner_id = req.owner_id();
  f.department_id = req.department_id();
  f.signed_from = proto_time::DayOf(req.signed_from(), "signed_from", v);
  f.signed_to = proto_time::DayOf(req.signed_to(), "signed_to", v);
  if (!v.empty()) return v.ToStatus();
  return f;
}

class PaymentsServiceImpl final : public v1::PaymentsService::CallbackService,
                                  private rpc::Glue<Parts> {
 public:
  explicit PaymentsServiceImpl(const Parts& parts)
      : Glue(parts, v1::PaymentsService::service_full_name()) {}

  Unary* GetReceivable(Context* ctx, const v1::GetReceivableRequest* req,
                       v1::Receivable* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      auto r = receivables->Get(conn, call.principal(), req->contract_id());
      if (!r.ok()) return r.status();
      *resp = ToProto(*r, receivables->Today());
      return absl::OkStatus();
    });
  }

  Unary* ListReceivables(Context* ctx, const v1::ListReceivablesRequest* req,
                         v1::ListReceivablesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto f = FilterOf(*req);
      if (!f.ok()) return f.status();
      f->overdue_only = req->overdue_only();
      auto page =
          receivables->List(conn, call.principal(), *f, req->page_size(), req->page_token());
      if (!page.ok()) return page.status();
      const absl::CivilDay today = receivables->Today();
      for (const auto& r : page->items) *resp->add_receivables() = ToProto(r, today);
      resp->set_next_page_token(page->next_page_token);
      return absl::OkStatus();
    });
  }

  Unary* SummarizeReceivables(Context* ctx, const v1::SummarizeReceivablesRequest* req,
                              v1::Balance* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto f = FilterOf(*req);
      if (!f.ok()) return f.status();
      f->currency = req->currency_code();
      auto b = receivables->Summarize(conn, call.principal(), *f);
      if (!b.ok()) return b.status();
      *resp = ToProto(*b, f->currency.empty() ? "CNY" : f->currency);
      return absl::OkStatus();
    });
  }

  Unary* SetPaymentPlan(Context* ctx, const v1::SetPaymentPlanRequest* req,
                        v1::Receivable* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      Violations v;
      std::string currency;
      std::vector<Installment> plan = FromProto(req->installments(), currency, v);
      auto r = receivables->SetPlan(conn, call.principal(), rpc::RequestMetaOf(call),
                                    req->contract_id(), req->etag(), std::move(plan), currency, v);
      if (!r.ok()) return r.status();
      *resp = ToProto(*r, receivables->Today());
      return absl::OkStatus();
    });
  }

  Unary* RecordPayment(Context* ctx, const v1::RecordPaymentRequest* req,
                       v1::Payment* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    Violations decoding;
    Payment p = FromProto(req->payment(), decoding);
    if (absl::Status s =
            receivables->CheckRecord(call->principal(), req->request_id(), p, decoding);
        !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    auto record = [this, call, req, resp, p](std::optional<service::DirectoryUser> handler) {
      calls_.OnDb(call, [this, req, resp, p, handler](Call& call, db::Conn& conn) {
        auto recorded = receivables->Record(conn, call.principal(), rpc::RequestMetaOf(call),
                                            req->request_id(), p, handler);
        if (!recorded.ok()) return recorded.status();
        *resp = ToProto(*recorded, /*masked=*/false);
        return absl::OkStatus();
      });
    };
    // The caller handled it unless another person is named.
    if (p.handler_id.empty() || p.handler_id == call->principal().user_id) {
      record(std::nullopt);
      return reactor;
    }
    service::LookUpUser(directory, *call, p.handler_id, "payment.handler_id", kPeerWait,
                        [call, record](absl::StatusOr<service::DirectoryUser> u) {
                          if (!u.ok()) return call->Finish(u.status());
                          record(*u);
                        });
    return reactor;
  }

  Unary* ReversePayment(Context* ctx, const v1::ReversePaymentRequest* req,
                        v1::Payment* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      auto p = receivables->Reverse(conn, call.principal(), rpc::RequestMetaOf(call),
                                    req->request_id(), req->payment_id(), req->reason());
      if (!p.ok()) return p.status();
      *resp = ToProto(*p, /*masked=*/false);
      return absl::OkStatus();
    });
  }

  Unary* GetPayment(Context* ctx, const v1::GetPaymentRequest* req, v1::Payment* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      auto p = receivables->GetPayment(conn, call.principal(), req->id());
      if (!p.ok()) return p.status();
      *resp = ToProto(*p, /*masked=*/!call.principal().Can("payments.write"));
      return absl::OkStatus();
    });
  }

  Unary* ListPayments(Context* ctx, const v1::ListPaymentsRequest* req,
                      v1::ListPaymentsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      auto page = receivables->ListPayments(conn, call.principal(), req->contract_id(),
                                            req->page_size(), req->page_token());
      if (!page.ok()) return page.status();
      for (const auto& p : page->items) *resp->add_payments() = ToProto(p, /*masked=*/true);
      resp->set_next_page_token(page->next_page_token);
      return absl::OkStatus();
    });
  }

  Unary* ListPaymentMethods(Context* ctx, const v1::ListPaymentMethodsRequest*,
                            v1::ListPaymentMethodsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [this, resp](Call& call, db::Conn& conn) {
      auto methods = receivables->Methods(conn, call.principal());
      if (!methods.ok()) return methods.status();
      for (const auto& m : *methods) {
        v1::PaymentMethod* pm = resp->add_methods();
        pm->set_code(m.code);
        pm->set_name(m.name);
      }
      return absl::OkStatus();
    });
  }

  Unary* CreateDelivery(Context* ctx, const v1::CreateDeliveryRequest* req,
                        v1::Delivery* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return rpc::Respond(deliveries->Create(conn, call.principal(), rpc::RequestMetaOf(call),
                                             req->request_id(), FromProto(req->delivery())),
                          resp);
    });
  }

  Unary* ShipDelivery(Context* ctx, const v1::ShipDeliveryRequest* req,
                      v1::Delivery* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return rpc::Respond(deliveries->Ship(conn, call.principal(), rpc::RequestMetaOf(call),
                                           req->id(), req->etag()),
                          resp);
    });
  }

  Unary* AcceptDelivery(Context* ctx, const v1::AcceptDeliveryRequest* req,
                        v1::Delivery* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return rpc::Respond(deliveries->Accept(conn, call.principal(), rpc::RequestMetaOf(call),
                                             req->id(), req->etag()),
                          resp);
    });
  }

  Unary* ListDeliveries(Context* ctx, const v1::ListDeliveriesRequest* req,
                        v1::ListDeliveriesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      auto listed = deliveries->List(conn, call.principal(), req->contract_id());
      if (!listed.ok()) return listed.status();
      for (const auto& d : *listed) *resp->add_deliveries() = ToProto(d);
      return absl::OkStatus();
    });
  }

  Unary* AddCollectionNote(Context* ctx, const v1::AddCollectionNoteRequest* req,
                           v1::CollectionNote* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      Violations v;
      CollectionNote n = FromProto(req->note(), v);
      return rpc::Respond(collection->AddNote(conn, call.principal(), rpc::RequestMetaOf(call),
                                              req->request_id(), n, v),
                          resp);
    });
  }

  Unary* ListCollectionNotes(Context* ctx, const v1::ListCollectionNotesRequest* req,
                             v1::ListCollectionNotesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      auto notes = collection->Notes(conn, call.principal(), req->contract_id());
      if (!notes.ok()) return notes.status();
      for (const auto& n : *notes) *resp->add_notes() = ToProto(n);
      return absl::OkStatus();
    });
  }

  Unary* ListOverdueInstallments(Context* ctx, const v1::ListOverdueInstallmentsRequest* req,
                                 v1::ListOverdueInstallmentsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      ReceivableFilter f;
      f.owner_id = req->owner_id();
      f.department_id = req->department_id();
      f.customer_id = req->customer_id();
      auto page =
          collection->Overdue(conn, call.principal(), f, req->page_size(), req->page_token());
      if (!page.ok()) return page.status();
      const absl::CivilDay today = receivables->Today();
      for (const auto& o : page->items) *resp->add_installments() = ToProto(o, today);
      resp->set_next_page_token(page->next_page_token);
      return absl::OkStatus();
    });
  }

  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      Context* ctx, const common::v1::WatchEventsRequest* req) override {
    return events->Watch(ctx, req);
  }
};

}  // namespace

std::unique_ptr<grpc::Service> NewPaymentsService(const Parts& parts) {
  return std::make_unique<PaymentsServiceImpl>(parts);
}

}  // namespace crm::payments_service
