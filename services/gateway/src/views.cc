#include "services/gateway/src/views.h"

#include <atomic>
#include <functional>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "crm/gateway/v1/gateway_service.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/rpc/status_convert.h"
#include "libs/status/field_violations.h"
#include "libs/validation/text.h"

namespace crm::gateway {

namespace {

namespace gv1 = ::crm::gateway::v1;
namespace cv1 = ::crm::customers::v1;
namespace pv1 = ::crm::pipeline::v1;
namespace kv1 = ::crm::contracts::v1;
namespace yv1 = ::crm::payments::v1;
namespace tv1 = ::crm::service::v1;
namespace sv1 = ::external::salesys::v1;

constexpr int kDefaultSectionSize = 20;
constexpr int kMaxSectionSize = 100;

// The sections of a view fetched in parallel: each part's callback fills its section under the
// lock (parts finish on different threads and share the response message); when the last one is
// done, `finish` decides the call's status and the call ends.
class Gather {
 public:
  Gather(std::shared_ptr<rpc::Call> call, absl::Duration section_timeout,
         std::function<absl::Status()> finish)
      : call_(std::move(call)), finish_(std::move(finish)) {
    // Sections get at most 80% of what is left of the caller's deadline, counted from the
    // view's start: a section that waits for another one (the order history for the profile)
    // ends by the same instant.
    const absl::Duration left = call_->deadline() - absl::Now();
    deadline_ =
        absl::Now() +
        std::min(section_timeout, left == absl::InfiniteDuration() ? section_timeout : left * 0.8);
  }
  const rpc::Call& call() const { return *call_; }
  // What is left of the sections' time.
  absl::Duration wait() const { return std::max(absl::ZeroDuration(), deadline_ - absl::Now()); }
  absl::Time deadline() const { return deadline_; }
  std::mutex& mu() { return mu_; }
  void Add() { pending_.fetch_add(1); }
  void Done() {
    if (pending_.fetch_sub(1) == 1) call_->Finish(finish_());
  }

 private:
  std::shared_ptr<rpc::Call> call_;
  std::function<absl::Status()> finish_;
  absl::Time deadline_;
  std::mutex mu_;
  std::atomic<int> pending_{1};  // the caller's own hold, released by Start's end
};

void SetStatus(const grpc::Status& s, google::rpc::Status* out) {
  *out = rpc::ToStatusProto(rpc::FromGrpcStatus(s));
}

// One backend call of a view: `start(ctx, request, response, callback)` makes it
// asynchronously; `fill(status, response)` writes its section under the view's lock.
// What a section says when its service has no address in this gateway.
grpc::Status NotConfigured() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "this section's service is not configured in this gateway");
}

template <typename Resp, typename Stub, typename Req, typename Start, typename Fill>
void Fetch(const std::shared_ptr<Gather>& g, Stub* stub, Req req, Start start, Fill fill) {
  if (stub == nullptr) {
    std::lock_guard<std::mutex> lock(g->mu());
    fill(NotConfigured(), Resp());
    return;
  }
  struct State {
    grpc::ClientContext ctx;
    Req req;
    Resp resp;
  };
  auto st = std::make_shared<State>();
  st->req = std::move(req);
  g->call().ForwardTo(&st->ctx, g->wait());
  g->Add();
  start(&st->ctx, &st->req, &st->resp, [g, st, fill = std::move(fill)](grpc::Status s) {
    {
      std::lock_guard<std::mutex> lock(g->mu());
      fill(s, st->resp);
    }
    g->Done();
  });
}

// Copies up to n items into a section's repeated field; `more` when there were more.
template <typename Items, typename Section, typename Add>
void Take(const Items& items, bool has_next_page, int n, Section* section, Add add) {
  int taken = 0;
  for (const auto& item : items) {
    if (taken++ == n) break;
    *add(section) = item;
  }
  section->set_more(has_next_page || items.size() > n);
}

absl::StatusOr<int> SectionSize(int requested) {
  if (requested < 0) {
    Violations v;
    v.Add("section_size", "must not be negative");
    return v.ToStatus();
  }
  return requested == 0 ? kDefaultSectionSize : std::min(requested, kMaxSectionSize);
}

// The gRPC glue's common start: the caller's token, their permission (when the method needs
// one) and rate limit. The call comes back finished when one of them fails.
std::shared_ptr<rpc::Call> Begin(const ViewsDeps& d, const rpc::Calls& calls,
                                 grpc::CallbackServerContext* ctx, const char* method,
                                 std::vector<absl::string_view> permissions) {
  std::shared_ptr<rpc::Call> call = calls.Begin(ctx, method, rpc::Auth::kRequired);
  if (call->finished()) return call;
  if (!permissions.empty()) {
    bool may = false;
    for (auto p : permissions) may = may || call->principal().Can(p);
    if (!may) {
      call->Finish(auth::Require(call->principal(), permissions.front()));
      return call;
    }
  }
  absl::Duration retry_after;
  if (absl::Status s = d.admission->Limit(call->principal(), &retry_after); !s.ok()) {
    ctx->AddTrailingMetadata("retry-after", std::to_string(RetryAfterSeconds(retry_after)));
    call->Finish(s);
  }
  return call;
}

class Views final : public gv1::ViewsService::CallbackService {
 public:
  explicit Views(const ViewsDeps& d)
      : d_(d), calls_(d.calls->ForService(gv1::ViewsService::service_full_name())) {}

  grpc::ServerUnaryReactor* GetCustomer360(grpc::CallbackServerContext* ctx,
                                           const gv1::GetCustomer360Request* req,
                                           gv1::Customer360* resp) override {
    auto call = Begin(d_, calls_, ctx, __func__, {"customers.read"});
    if (call->finished()) return call->reactor();
    grpc::ServerUnaryReactor* reactor = call->reactor();
    Violations v;
    validation::RequiredUuid(v, "customer_id", req->customer_id());
    auto size = SectionSize(req->section_size());
    if (!size.ok() || !v.empty()) {
      call->Finish(!v.empty() ? v.ToStatus() : size.status());
      return reactor;
    }
    const int n = *size;
    const std::string id = req->customer_id();
    // A customer the caller may not see (or that does not exist) fails the whole view, as
    // GetCustomer does; a profile that is merely unreachable is one failed section.
    auto g = std::make_shared<Gather>(call, d_.section_timeout, [resp] {
      const auto& s = resp->profile().status();
      switch (static_cast<grpc::StatusCode>(s.code())) {
        case grpc::StatusCode::PERMISSION_DENIED:
        case grpc::StatusCode::NOT_FOUND:
        case grpc::StatusCode::INVALID_ARGUMENT:
        case grpc::StatusCode::UNAUTHENTICATED:
          return absl::Status(static_cast<absl::StatusCode>(s.code()), s.message());
        default:
          return absl::OkStatus();
      }
    });

    // The profile, then the order history by the customer's key in the sales system.
    if (d_.customers == nullptr) {
      SetStatus(NotConfigured(), resp->mutable_profile()->mutable_status());
      SetStatus(NotConfigured(), resp->mutable_orders()->mutable_status());
    } else {
      struct State {
        grpc::ClientContext ctx;
        cv1::GetCustomerRequest req;
        cv1::Customer resp;
      };
      auto st = std::make_shared<State>();
      st->req.set_id(id);
      call->ForwardTo(&st->ctx, g->wait());
      g->Add();
      d_.customers->async()->GetCustomer(
          &st->ctx, &st->req, &st->resp, [this, g, st, resp, n](grpc::Status s) {
            std::string key;
            {
              std::lock_guard<std::mutex> lock(g->mu());
              SetStatus(s, resp->mutable_profile()->mutable_status());
              if (s.ok()) *resp->mutable_profile()->mutable_customer() = st->resp;
              key = st->resp.sales_system_key();
              auto* orders = resp->mutable_orders();
              orders->set_linked(!key.empty());
              if (!s.ok()) {
                *orders->mutable_status() = rpc::ToStatusProto(
                    absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                                 "the order history needs the customer's profile, which failed"));
              } else if (key.empty()) {
                SetStatus(grpc::Status::OK, orders->mutable_status());
              }
            }
            if (s.ok() && !key.empty()) {
              sv1::ListCustomerOrdersRequest orders_req;
              orders_req.set_customer_key(key);
              orders_req.set_page_size(n);
              g->Add();
              d_.sales_system->ListCustomerOrders(
                  orders_req, g->deadline(),
                  [g, resp, n](absl::StatusOr<sv1::ListCustomerOrdersResponse> r) {
                    {
                      std::lock_guard<std::mutex> lock(g->mu());
                      auto* orders = resp->mutable_orders();
                      *orders->mutable_status() = rpc::ToStatusProto(r.status());
                      if (r.ok()) {
                        Take(r->orders(), !r->next_page_token().empty(), n, orders,
                             [](auto* sec) { return sec->add_orders(); });
                      }
                    }
                    g->Done();
                  });
            }
            g->Done();
          });
    }
    cv1::ListContactsRequest contacts;
    contacts.set_customer_id(id);
    contacts.set_page_size(n);
    Fetch<cv1::ListContactsResponse>(
        g, d_.contacts, contacts,
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.contacts->async()->ListContacts(c, q, r, std::move(cb));
        },
        [resp, n](const grpc::Status& s, const cv1::ListContactsResponse& r) {
          auto* sec = resp->mutable_contacts();
          SetStatus(s, sec->mutable_status());
          if (s.ok())
            Take(r.contacts(), !r.next_page_token().empty(), n, sec,
                 [](auto* x) { return x->add_contacts(); });
        });
    cv1::ListInteractionsRequest interactions;
    interactions.set_customer_id(id);
    interactions.set_page_size(n);
    Fetch<cv1::ListInteractionsResponse>(
        g, d_.contacts, interactions,
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.contacts->async()->ListInteractions(c, q, r, std::move(cb));
        },
        [resp, n](const grpc::Status& s, const cv1::ListInteractionsResponse& r) {
          auto* sec = resp->mutable_interactions();
          SetStatus(s, sec->mutable_status());
          if (s.ok())
            Take(r.interactions(), !r.next_page_token().empty(), n, sec,
                 [](auto* x) { return x->add_interactions(); });
        });
    pv1::ListOpportunitiesRequest opportunities;
    opportunities.set_customer_id(id);
    opportunities.set_page_size(n);
    Fetch<pv1::ListOpportunitiesResponse>(
        g, d_.pipeline, opportunities,
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.pipeline->async()->ListOpportunities(c, q, r, std::move(cb));
        },
        [resp, n](const grpc::Status& s, const pv1::ListOpportunitiesResponse& r) {
          auto* sec = resp->mutable_opportunities();
          SetStatus(s, sec->mutable_status());
          if (s.ok())
            Take(r.opportunities(), !r.next_page_token().empty(), n, sec,
                 [](auto* x) { return x->add_opportunities(); });
        });
    kv1::ListContractsRequest contracts;
    contracts.set_customer_id(id);
    contracts.set_page_size(n);
    Fetch<kv1::ListContractsResponse>(
        g, d_.contracts, contracts,
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.contracts->async()->ListContracts(c, q, r, std::move(cb));
        },
        [resp, n](const grpc::Status& s, const kv1::ListContractsResponse& r) {
          auto* sec = resp->mutable_contracts();
          SetStatus(s, sec->mutable_status());
          if (s.ok())
            Take(r.contracts(), !r.next_page_token().empty(), n, sec,
                 [](auto* x) { return x->add_contracts(); });
        });
    yv1::ListReceivablesRequest receivables;
    receivables.set_customer_id(id);
    receivables.set_page_size(n);
    Fetch<yv1::ListReceivablesResponse>(
        g, d_.payments, receivables,
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.payments->async()->ListReceivables(c, q, r, std::move(cb));
        },
        [resp, n](const grpc::Status& s, const yv1::ListReceivablesResponse& r) {
          auto* sec = resp->mutable_receivables();
          SetStatus(s, sec->mutable_status());
          if (s.ok())
            Take(r.receivables(), !r.next_page_token().empty(), n, sec,
                 [](auto* x) { return x->add_receivables(); });
        });
    tv1::ListTicketsRequest tickets;
    tickets.set_customer_id(id);
    tickets.set_page_size(n);
    Fetch<tv1::ListTicketsResponse>(
        g, d_.tickets, tickets,
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.tickets->async()->ListTickets(c, q, r, std::move(cb));
        },
        [resp, n](const grpc::Status& s, const tv1::ListTicketsResponse& r) {
          auto* sec = resp->mutable_tickets();
          SetStatus(s, sec->mutable_status());
          if (s.ok())
            Take(r.tickets(), !r.next_page_token().empty(), n, sec,
                 [](auto* x) { return x->add_tickets(); });
        });
    g->Done();
    return reactor;
  }

  grpc::ServerUnaryReactor* GetWorkbench(grpc::CallbackServerContext* ctx,
                                         const gv1::GetWorkbenchRequest* req,
                                         gv1::Workbench* resp) override {
    auto call = Begin(d_, calls_, ctx, __func__, {});
    if (call->finished()) return call->reactor();
    grpc::ServerUnaryReactor* reactor = call->reactor();
    auto size = SectionSize(req->section_size());
    if (!size.ok()) {
      call->Finish(size.status());
      return reactor;
    }
    auto g = std::make_shared<Gather>(call, d_.section_timeout, [] { return absl::OkStatus(); });
    Sections(g, call->principal().user_id, *size, resp);
    g->Done();
    return reactor;
  }

  grpc::ServerUnaryReactor* GetTeamView(grpc::CallbackServerContext* ctx,
                                        const gv1::GetTeamViewRequest* req,
                                        gv1::TeamView* resp) override {
    auto call =
        Begin(d_, calls_, ctx, __func__, {"customers.handover", "pipeline.opportunities.assign"});
    if (call->finished()) return call->reactor();
    grpc::ServerUnaryReactor* reactor = call->reactor();
    auto size = SectionSize(req->section_size());
    if (!size.ok()) {
      call->Finish(size.status());
      return reactor;
    }
    auto g = std::make_shared<Gather>(call, d_.section_timeout, [] { return absl::OkStatus(); });
    // No owner filters: every list is limited to the caller's record scope by its service.
    Sections(g, "", *size, resp->mutable_sections());
    Fetch<yv1::Balance>(
        g, d_.payments, yv1::SummarizeReceivablesRequest(),
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.payments->async()->SummarizeReceivables(c, q, r, std::move(cb));
        },
        [resp](const grpc::Status& s, const yv1::Balance& r) {
          auto* sec = resp->mutable_receivables();
          SetStatus(s, sec->mutable_status());
          if (s.ok()) *sec->mutable_balance() = r;
        });
    g->Done();
    return reactor;
  }

 private:
  // The workbench's sections: the caller's own (`owner` their id), or all in their scope.
  void Sections(const std::shared_ptr<Gather>& g, const std::string& owner, int n,
                gv1::Workbench* resp) {
    cv1::ListFollowUpsDueRequest follow_ups;
    follow_ups.set_page_size(n);
    Fetch<cv1::ListFollowUpsDueResponse>(
        g, d_.contacts, follow_ups,
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.contacts->async()->ListFollowUpsDue(c, q, r, std::move(cb));
        },
        [resp, n](const grpc::Status& s, const cv1::ListFollowUpsDueResponse& r) {
          auto* sec = resp->mutable_follow_ups_due();
          SetStatus(s, sec->mutable_status());
          if (s.ok())
            Take(r.interactions(), !r.next_page_token().empty(), n, sec,
                 [](auto* x) { return x->add_interactions(); });
        });
    // Open opportunities: assigned and in development (two lists, one section).
    for (auto status : {pv1::OPPORTUNITY_STATUS_DEVELOPING, pv1::OPPORTUNITY_STATUS_ASSIGNED}) {
      pv1::ListOpportunitiesRequest opportunities;
      opportunities.set_assignee_id(owner);
      opportunities.set_status(status);
      opportunities.set_page_size(n);
      Fetch<pv1::ListOpportunitiesResponse>(
          g, d_.pipeline, opportunities,
          [this](auto* c, auto* q, auto* r, auto cb) {
            d_.pipeline->async()->ListOpportunities(c, q, r, std::move(cb));
          },
          [resp, n](const grpc::Status& s, const pv1::ListOpportunitiesResponse& r) {
            auto* sec = resp->mutable_opportunities();
            // A failure of either list is the section's, which then has no rows.
            if (!s.ok()) {
              SetStatus(s, sec->mutable_status());
              sec->clear_opportunities();
              sec->set_more(false);
              return;
            }
            if (sec->has_status() && sec->status().code() != 0) return;
            SetStatus(s, sec->mutable_status());
            const int room = n - sec->opportunities_size();
            const bool more = sec->more();
            Take(r.opportunities(), !r.next_page_token().empty(), std::max(room, 0), sec,
                 [](auto* x) { return x->add_opportunities(); });
            sec->set_more(more || sec->more());
          });
    }
    for (bool overdue : {false, true}) {
      tv1::ListTicketsRequest tickets;
      tickets.set_assignee_id(owner);
      tickets.set_open_only(true);
      tickets.set_overdue_only(overdue);
      tickets.set_page_size(n);
      Fetch<tv1::ListTicketsResponse>(
          g, d_.tickets, tickets,
          [this](auto* c, auto* q, auto* r, auto cb) {
            d_.tickets->async()->ListTickets(c, q, r, std::move(cb));
          },
          [resp, n, overdue](const grpc::Status& s, const tv1::ListTicketsResponse& r) {
            auto* sec = overdue ? resp->mutable_overdue_tickets() : resp->mutable_open_tickets();
            SetStatus(s, sec->mutable_status());
            if (s.ok())
              Take(r.tickets(), !r.next_page_token().empty(), n, sec,
                   [](auto* x) { return x->add_tickets(); });
          });
    }
    yv1::ListOverdueInstallmentsRequest installments;
    installments.set_owner_id(owner);
    installments.set_page_size(n);
    Fetch<yv1::ListOverdueInstallmentsResponse>(
        g, d_.payments, installments,
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.payments->async()->ListOverdueInstallments(c, q, r, std::move(cb));
        },
        [resp, n](const grpc::Status& s, const yv1::ListOverdueInstallmentsResponse& r) {
          auto* sec = resp->mutable_overdue_installments();
          SetStatus(s, sec->mutable_status());
          if (s.ok())
            Take(r.installments(), !r.next_page_token().empty(), n, sec,
                 [](auto* x) { return x->add_installments(); });
        });
    cv1::ListLossWarningsRequest warnings;
    warnings.set_owner_id(owner);
    warnings.set_page_size(n);
    Fetch<cv1::ListLossWarningsResponse>(
        g, d_.churn, warnings,
        [this](auto* c, auto* q, auto* r, auto cb) {
          d_.churn->async()->ListLossWarnings(c, q, r, std::move(cb));
        },
        [resp, n](const grpc::Status& s, const cv1::ListLossWarningsResponse& r) {
          auto* sec = resp->mutable_loss_warnings();
          SetStatus(s, sec->mutable_status());
          if (s.ok())
            Take(r.customers(), !r.next_page_token().empty(), n, sec,
                 [](auto* x) { return x->add_customers(); });
        });
  }

  ViewsDeps d_;
  rpc::Calls calls_;
};

// Finishes a catalogue call with the sales system's answer, filled into the response.
template <typename T, typename Fill>
salesys::Done<T> ReplyWith(std::shared_ptr<rpc::Call> call, Fill fill) {
  return [call = std::move(call), fill = std::move(fill)](absl::StatusOr<T> r) mutable {
    if (r.ok()) fill(*r);
    call->Finish(r.status());
  };
}

absl::Status AtMost100(const google::protobuf::RepeatedPtrField<std::string>& ids,
                       const char* field) {
  Violations v;
  if (ids.size() > 100) v.Add(field, "at most 100 ids");
  for (int i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) v.Add(absl::StrCat(field, "[", i, "]"), "must not be empty");
  }
  return v.ToStatus();
}

class Catalog final : public gv1::CatalogService::CallbackService {
 public:
  explicit Catalog(const ViewsDeps& d)
      : d_(d), calls_(d.calls->ForService(gv1::CatalogService::service_full_name())) {}

  grpc::ServerUnaryReactor* ListProductLines(grpc::CallbackServerContext* ctx,
                                             const gv1::ListProductLinesRequest*,
                                             gv1::ListProductLinesResponse* resp) override {
    auto call = Begin(d_, calls_, ctx, __func__, {});
    if (call->finished()) return call->reactor();
    grpc::ServerUnaryReactor* reactor = call->reactor();
    d_.sales_system->ListProductLines(
        call->deadline(), ReplyWith<std::vector<sv1::ProductLine>>(call, [resp](auto& lines) {
          for (auto& l : lines) *resp->add_product_lines() = std::move(l);
        }));
    return reactor;
  }

  grpc::ServerUnaryReactor* ListProducts(grpc::CallbackServerContext* ctx,
                                         const gv1::ListProductsRequest* req,
                                         gv1::ListProductsResponse* resp) override {
    auto call = Begin(d_, calls_, ctx, __func__, {});
    if (call->finished()) return call->reactor();
    grpc::ServerUnaryReactor* reactor = call->reactor();
    if (req->page_size() < 0) {
      Violations v;
      v.Add("page_size", "must not be negative");
      call->Finish(v.ToStatus());
      return reactor;
    }
    sv1::ListProductsRequest r;
    r.set_product_line_id(req->product_line_id());
    r.set_query(req->query());
    r.set_active_only(req->active_only());
    r.set_page_size(req->page_size());
    r.set_page_token(req->page_token());
    d_.sales_system->ListProducts(std::move(r), call->deadline(),
                                  ReplyWith<sv1::ListProductsResponse>(call, [resp](auto& page) {
                                    resp->mutable_products()->Swap(page.mutable_products());
                                    resp->set_next_page_token(page.next_page_token());
                                  }));
    return reactor;
  }

  grpc::ServerUnaryReactor* BatchGetProducts(grpc::CallbackServerContext* ctx,
                                             const gv1::BatchGetProductsRequest* req,
                                             gv1::BatchGetProductsResponse* resp) override {
    auto call = Begin(d_, calls_, ctx, __func__, {});
    if (call->finished()) return call->reactor();
    grpc::ServerUnaryReactor* reactor = call->reactor();
    if (absl::Status s = AtMost100(req->ids(), "ids"); !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    d_.sales_system->GetProducts({req->ids().begin(), req->ids().end()}, call->deadline(),
                                 ReplyWith<salesys::Products>(call, [resp](auto& products) {
                                   for (auto& p : products.found)
                                     *resp->add_products() = std::move(p);
                                   for (auto& id : products.missing_ids)
                                     resp->add_missing_ids(std::move(id));
                                 }));
    return reactor;
  }

  grpc::ServerUnaryReactor* ListInventory(grpc::CallbackServerContext* ctx,
                                          const gv1::ListInventoryRequest* req,
                                          gv1::ListInventoryResponse* resp) override {
    auto call = Begin(d_, calls_, ctx, __func__, {});
    if (call->finished()) return call->reactor();
    grpc::ServerUnaryReactor* reactor = call->reactor();
    if (absl::Status s = AtMost100(req->product_ids(), "product_ids"); !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    d_.sales_system->ListInventory(
        {req->product_ids().begin(), req->product_ids().end()}, call->deadline(),
        ReplyWith<sv1::ListInventoryResponse>(
            call, [resp](auto& stock) { resp->mutable_levels()->Swap(stock.mutable_levels()); }));
    return reactor;
  }

  grpc::ServerUnaryReactor* ListCustomerOrders(grpc::CallbackServerContext* ctx,
                                               const gv1::ListCustomerOrdersRequest* req,
                                               gv1::ListCustomerOrdersResponse* resp) override {
    auto call = Begin(d_, calls_, ctx, __func__, {"customers.read"});
    if (call->finished()) return call->reactor();
    grpc::ServerUnaryReactor* reactor = call->reactor();
    Violations v;
    validation::RequiredUuid(v, "customer_id", req->customer_id());
    if (req->page_size() < 0) v.Add("page_size", "must not be negative");
    if (!v.empty()) {
      call->Finish(v.ToStatus());
      return reactor;
    }
    if (d_.customers == nullptr) {
      call->Finish(rpc::FromGrpcStatus(NotConfigured()));
      return reactor;
    }
    // The customer as the caller sees it (their scope), for its key in the sales system.
    struct State {
      grpc::ClientContext ctx;
      cv1::GetCustomerRequest req;
      cv1::Customer resp;
    };
    auto st = std::make_shared<State>();
    st->req.set_id(req->customer_id());
    call->ForwardTo(&st->ctx, d_.section_timeout);
    d_.customers->async()->GetCustomer(
        &st->ctx, &st->req, &st->resp, [this, call, st, req, resp](grpc::Status s) {
          if (!s.ok()) return call->Finish(rpc::FromGrpcStatus(s));
          const std::string& key = st->resp.sales_system_key();
          resp->set_linked(!key.empty());
          if (key.empty()) return call->Finish(absl::OkStatus());
          sv1::ListCustomerOrdersRequest r;
          r.set_customer_key(key);
          r.set_page_size(req->page_size());
          r.set_page_token(req->page_token());
          d_.sales_system->ListCustomerOrders(
              std::move(r), call->deadline(),
              ReplyWith<sv1::ListCustomerOrdersResponse>(call, [resp](auto& page) {
                resp->mutable_orders()->Swap(page.mutable_orders());
                resp->set_next_page_token(page.next_page_token());
              }));
        });
    return reactor;
  }

 private:
  ViewsDeps d_;
  rpc::Calls calls_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewViewsService(const ViewsDeps& deps) {
  return std::make_unique<Views>(deps);
}

std::unique_ptr<grpc::Service> NewCatalogService(const ViewsDeps& deps) {
  return std::make_unique<Catalog>(deps);
}

}  // namespace crm::gateway
