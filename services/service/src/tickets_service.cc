#include "services/service/src/tickets_service.h"

#include "libs/proto_time/proto_time.h"
#include "libs/rpc/peer.h"
#include "libs/service/customer_lookup.h"
#include "libs/service/directory_lookup.h"

namespace crm::tickets_service {
namespace {

using rpc::Call;
namespace cv1 = ::crm::customers::v1;

// How long another service may take, within the caller's deadline.
constexpr absl::Duration kPeerWait = absl::Seconds(5);

class TicketsServiceImpl final : public v1::TicketsService::CallbackService,
                                 private rpc::Glue<Parts> {
 public:
  explicit TicketsServiceImpl(const Parts& parts)
      : Glue(parts, v1::TicketsService::service_full_name()),
        upload_(attachments->Upload()),
        download_(attachments->Download()) {}

  Unary* CreateTicket(Context* ctx, const v1::CreateTicketRequest* req, v1::Ticket* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    Violations decoding;
    Ticket t = FromProto(req->ticket(), decoding);
    if (absl::Status s = tickets->CheckCreate(call->principal(), req->request_id(), t, decoding);
        !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    struct Found {
      CustomerFacts customer;
      std::string contact_customer_id;
    };
    auto found = std::make_shared<Found>();
    auto join = rpc::Join::Start([this, call, req, resp, t, found](absl::Status checked) {
      if (!checked.ok()) return call->Finish(checked);
      calls_.OnDb(call, [this, req, resp, t, found](Call& call, db::Conn& conn) {
        return Show(
            tickets->Create(conn, call.principal(), rpc::RequestMetaOf(call), req->request_id(), t,
                            found->customer, found->contact_customer_id),
            resp);
      });
    });
    service::LookUpCustomer(
        customers, *call, t.customer_id, "ticket.customer_id", kPeerWait,
        [found, step = join->Add()](absl::StatusOr<cv1::Customer> c) {
          if (c.ok()) {
            found->customer = {c->id(), c->owner_id(), c->owner_department_id(), c->level()};
          }
          step(c.status());
        });
    if (!t.contact_id.empty()) {
      service::LookUpContactCustomer(contacts, *call, t.contact_id, "ticket.contact_id", kPeerWait,
                                     [found, step = join->Add()](absl::StatusOr<std::string> c) {
                                       if (c.ok()) found->contact_customer_id = *c;
                                       step(c.status());
                                     });
    }
    join->Close();
    return reactor;
  }

  Unary* GetTicket(Context* ctx, const v1::GetTicketRequest* req, v1::Ticket* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Show(tickets->Get(conn, call.principal(), req->id()), resp);
    });
  }

  Unary* ListTickets(Context* ctx, const v1::ListTicketsRequest* req,
                     v1::ListTicketsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      Violations v;
      TicketFilter f;
      f.query = req->query();
      f.status = FromProto(req->status());
      if (req->status() != v1::TICKET_STATUS_UNSPECIFIED &&
          f.status == TicketStatus::kUnspecified) {
        v.Add("status", "is not a known status");
      }
      f.type = req->type();
      f.priority = FromProto(req->priority());
      if (req->priority() != v1::TICKET_PRIORITY_UNSPECIFIED &&
          f.priority == Priority::kUnspecified) {
        v.Add("priority", "is not a known priority");
      }
      f.customer_id = req->customer_id();
      f.assignee_id = req->assignee_id();
      f.queue_department_id = req->queue_department_id();
      f.created_from = proto_time::DayOf(req->created_from(), "created_from", v);
      f.created_to = proto_time::DayOf(req->created_to(), "created_to", v);
      f.open_only = req->open_only();
      f.overdue_only = req->overdue_only();
      if (!v.empty()) return v.ToStatus();
      auto page = tickets->List(conn, call.principal(), f, req->page_size(), req->page_token());
      if (!page.ok()) return page.status();
      const absl::Time now = tickets->Now();
      for (const Ticket& t : page->items) *resp->add_tickets() = ToProto(t, now);
      resp->set_next_page_token(page->next_page_token);
      return absl::OkStatus();
    });
  }

  Unary* AssignTicket(Context* ctx, const v1::AssignTicketRequest* req, v1::Ticket* resp) override {
    std::shared_ptr<Call> call = calls_.Begin(ctx, __func__, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    if (absl::Status s = Tickets::CheckAssign(call->principal(), req->id(), req->etag(),
                                              req->assignee_id(), req->note(), req->request_id());
        !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    service::LookUpUser(
        directory, *call, req->assignee_id(), "assignee_id", kPeerWait,
        [this, call, req, resp](absl::StatusOr<service::DirectoryUser> u) {
          if (!u.ok()) return call->Finish(u.status());
          Tickets::Assignment a{req->id(), req->etag(), req->note(), req->request_id(), *u};
          calls_.OnDb(call, [this, resp, a](Call& call, db::Conn& conn) {
            return Show(tickets->Assign(conn, call.principal(), rpc::RequestMetaOf(call), a), resp);
          });
        });
    return reactor;
  }

  Unary* HandleTicket(Context* ctx, const v1::HandleTicketRequest* req, v1::Ticket* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Show(tickets->Handle(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                                  req->etag(), req->handling(), req->request_id()),
                  resp);
    });
  }

  Unary* RecordFeedback(Context* ctx, const v1::RecordFeedbackRequest* req,
                        v1::Ticket* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return Show(
          tickets->Feedback(conn, call.principal(), rpc::RequestMetaOf(call), req->id(),
                            req->etag(), req->result(), req->satisfaction(), req->request_id()),
          resp);
    });
  }

  Unary* ListTicketHistory(Context* ctx, const v1::ListTicketHistoryRequest* req,
                           v1::ListTicketHistoryResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto entries = tickets->History(conn, call.principal(), req->ticket_id());
      if (!entries.ok()) return entries.status();
      for (const auto& e : *entries) *resp->add_entries() = ToProto(e);
      return absl::OkStatus();
    });
  }

  grpc::ServerReadReactor<v1::UploadTicketAttachmentRequest>* UploadTicketAttachment(
      Context* ctx, v1::TicketAttachment* resp) override {
    return new files::UploadStream(&calls_, ctx, &upload_, resp);
  }

  grpc::ServerWriteReactor<v1::DownloadTicketAttachmentResponse>* DownloadTicketAttachment(
      Context* ctx, const v1::DownloadTicketAttachmentRequest* req) override {
    return new files::DownloadStream<v1::DownloadTicketAttachmentRequest,
                                     v1::DownloadTicketAttachmentResponse, v1::TicketAttachment>(
        &calls_, ctx, &download_, req);
  }

  Unary* ListTicketAttachments(Context* ctx, const v1::ListTicketAttachmentsRequest* req,
                               v1::ListTicketAttachmentsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto listed = attachments->List(conn, call.principal(), req->ticket_id());
      if (!listed.ok()) return listed.status();
      for (const auto& a : *listed) *resp->add_attachments() = ToProto(a);
      return absl::OkStatus();
    });
  }

  Unary* ListTicketTypes(Context* ctx, const v1::ListTicketTypesRequest* req,
                         v1::ListTicketTypesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto types = settings->Types(conn, call.principal(), req->include_inactive());
      if (!types.ok()) return types.status();
      for (const auto& t : *types) *resp->add_types() = ToProto(t);
      return absl::OkStatus();
    });
  }

  Unary* SetTicketType(Context* ctx, const v1::SetTicketTypeRequest* req,
                       v1::TicketType* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      return rpc::Respond(settings->SetType(conn, call.principal(), FromProto(req->type())), resp);
    });
  }

  Unary* ListSlaPolicies(Context* ctx, const v1::ListSlaPoliciesRequest*,
                         v1::ListSlaPoliciesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      auto policies = settings->Policies(conn, call.principal());
      if (!policies.ok()) return policies.status();
      for (const auto& p : *policies) *resp->add_policies() = ToProto(p);
      return absl::OkStatus();
    });
  }

  Unary* SetSlaPolicy(Context* ctx, const v1::SetSlaPolicyRequest* req,
                      v1::SlaPolicy* resp) override {
    return calls_.Unary(ctx, __func__, [this, req, resp](Call& call, db::Conn& conn) {
      Violations decoding;
      SlaPolicy p = FromProto(req->policy(), decoding);
      return rpc::Respond(settings->SetPolicy(conn, call.principal(), p, decoding), resp);
    });
  }

  grpc::ServerWriteReactor<common::v1::Event>* WatchEvents(
      Context* ctx, const common::v1::WatchEventsRequest* req) override {
    return events->Watch(ctx, req);
  }

 private:
  // A ticket read or written, as the API shows it (overdue flags as of now).
  absl::Status Show(const absl::StatusOr<Ticket>& t, v1::Ticket* resp) const {
    if (!t.ok()) return t.status();
    *resp = ToProto(*t, tickets->Now());
    return absl::OkStatus();
  }

  const Attachments::UploadSteps upload_;
  const Attachments::DownloadSteps download_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewTicketsService(const Parts& parts) {
  return std::make_unique<TicketsServiceImpl>(parts);
}

}  // namespace crm::tickets_service
