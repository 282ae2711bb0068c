#include "services/service/src/tickets.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crm/service/v1/events.pb.h"
#include "libs/events/customer_moves.h"
#include "libs/ids/uuid.h"
#include "libs/status/status_macros.h"
#include "libs/validation/newest_first.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/service/src/convert.h"
#include "services/service/src/repository.h"

namespace crm::tickets_service {
namespace {

using auth::Principal;

constexpr char kRead[] = "service.tickets.read";
constexpr char kCreate[] = "service.tickets.create";
constexpr char kAssign[] = "service.tickets.assign";
constexpr char kHandle[] = "service.tickets.handle";
constexpr char kFeedback[] = "service.tickets.feedback";

constexpr int kScanBatch = 500;

absl::Status WrongStatus(const Ticket& t, const std::string& what) {
  if (t.status == TicketStatus::kArchived) {
    return absl::FailedPreconditionError(
        absl::StrCat("ticket ", t.number, " is archived; an archived ticket does not change"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("ticket ", t.number, " is ", StatusName(t.status), "; ", what));
}

void Emit(db::Tx& tx, const events::Outbox& outbox, const RequestMeta& meta, const char* type,
          const Ticket& t, absl::Time now) {
  v1::TicketChanged e;
  *e.mutable_ticket() = ToProto(t, now);
  outbox.Append(tx, {type, "ticket", t.id, &e, meta.actor_id, meta.request_id});
}

}  // namespace

void Tickets::SetDueTimes(Ticket& t, absl::Time created, const SlaPolicy& policy) {
  t.created_at = created;
  t.first_response_due = created + absl::Minutes(policy.first_response_minutes);
  t.resolution_due = created + absl::Minutes(policy.resolution_minutes);
}

absl::Status Tickets::CheckCreate(const Principal& caller, const std::string& request_id,
                                  const Ticket& t, const Violations& decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kCreate));
  Violations v = decoding;
  db::CheckRequestId(v, request_id);
  if (validation::Required(v, "ticket.type", t.type)) {
    validation::OptionalCode(v, "ticket.type", t.type);
  }
  validation::RequiredUuid(v, "ticket.customer_id", t.customer_id);
  validation::OptionalUuid(v, "ticket.contact_id", t.contact_id);
  validation::RequiredText(v, "ticket.summary", validation::TrimSpace(t.summary), 200);
  validation::RequiredText(v, "ticket.request", validation::TrimSpace(t.request), 4000, true);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  if (caller.service_account) return absl::FailedPreconditionError("tickets are created by people");
  return absl::OkStatus();
}

absl::StatusOr<Ticket> Tickets::Create(db::Conn& conn, const Principal& caller,
                                       const RequestMeta& meta, const std::string& request_id,
                                       Ticket t, const CustomerFacts& customer,
                                       const std::string& contact_customer_id,
                                       Violations decoding) const {
  CRM_RETURN_IF_ERROR(CheckCreate(caller, request_id, t, decoding));
  if (customer.id != t.customer_id) {
    return absl::InternalError("the customer looked up is not the ticket's");
  }
  if (!t.contact_id.empty() && contact_customer_id != t.customer_id) {
    return InvalidField("ticket.contact_id", "is not a contact of the ticket's customer");
  }
  if (t.channel == Channel::kUnspecified) t.channel = Channel::kPhone;
  if (t.priority == Priority::kUnspecified) t.priority = Priority::kNormal;
  t.id = ids::NewUuidV7();
  t.summary = std::string(validation::TrimSpace(t.summary));
  t.request = std::string(validation::TrimSpace(t.request));
  t.creator_id = caller.user_id;
  t.queue_department_id = caller.department_id;
  t.customer_owner_id = customer.owner_id;
  t.customer_owner_department_id = customer.owner_department_id;
  t.customer_level = customer.level;
  const absl::Time now = Now();
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Ticket> {
    CRM_ASSIGN_OR_RETURN(auto earlier,
                         request_log_->Claim(tx, caller.user_id, request_id, "CreateTicket", t.id));
    if (earlier) {
      auto existing = Repository::Get(tx, *earlier, caller, /*lock=*/false);
      if (!existing) return auth::NotVisible(caller.scope, "ticket", *earlier);
      return *existing;
    }
    std::optional<TicketType> type = Repository::FindType(tx, t.type);
    if (!type || !type->active) {
      return InvalidField("ticket.type", absl::StrCat("is not an active ticket type: ", t.type));
    }
    std::optional<SlaPolicy> policy = Repository::PolicyFor(tx, t.priority, t.customer_level);
    if (!policy) {
      return absl::FailedPreconditionError(
          absl::StrCat("no SLA policy for priority ", PriorityName(t.priority)));
    }
    Ticket next = t;
    SetDueTimes(next, now, *policy);
    Ticket created = Repository::Insert(tx, next, absl::FormatTime("%Y%m%d", now, zone_));
    Emit(tx, *outbox_, meta, "service.ticket.created", created, now);
    return created;
  });
}

absl::StatusOr<Ticket> Tickets::Get(db::Conn& conn, const Principal& caller,
                                    const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Ticket> {
    std::optional<Ticket> t = Repository::Get(tx, id, caller, /*lock=*/false);
    if (!t) return auth::NotVisible(caller.scope, "ticket", id);
    return *t;
  });
}

absl::StatusOr<validation::Page<Ticket>> Tickets::List(db::Conn& conn, const Principal& caller,
                                                       const TicketFilter& f, int32_t page_size,
                                                       const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  Violations v;
  const std::string query(validation::TrimSpace(f.query));
  validation::OptionalText(v, "query", query, 50);
  validation::OptionalCode(v, "type", f.type);
  validation::OptionalUuid(v, "customer_id", f.customer_id);
  validation::OptionalUuid(v, "assignee_id", f.assignee_id);
  validation::OptionalUuid(v, "queue_department_id", f.queue_department_id);
  if (f.created_from && f.created_to && *f.created_to < *f.created_from) {
    v.Add("created_to", "is before created_from");
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  TicketFilter filter = f;
  filter.query = query;
  std::optional<absl::Time> from, to;
  if (f.created_from) from = absl::FromCivil(*f.created_from, zone_);
  if (f.created_to) to = absl::FromCivil(*f.created_to + 1, zone_);
  const absl::Time now = Now();
  const std::string filters = absl::StrJoin(
      {query, std::string(StatusName(f.status)), f.type, std::string(PriorityName(f.priority)),
       f.customer_id, f.assignee_id, f.queue_department_id,
       f.created_from ? absl::FormatCivilTime(*f.created_from) : std::string(),
       f.created_to ? absl::FormatCivilTime(*f.created_to) : std::string(),
       std::string(f.open_only ? "open" : ""), std::string(f.overdue_only ? "overdue" : "")},
      "|");
  return validation::NewestFirst<Ticket>(conn, filters, page_size, page_token,
                                         [&](db::Tx& tx, const std::string& before_id, int limit) {
                                           return Repository::List(tx, filter, from, to, now,
                                                                   caller, before_id, limit);
                                         });
}

absl::StatusOr<std::vector<HistoryEntry>> Tickets::History(db::Conn& conn, const Principal& caller,
                                                           const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("ticket_id", id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<HistoryEntry>> {
    if (!Repository::Get(tx, id, caller, /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "ticket", id);
    }
    return Repository::History(tx, id);
  });
}

absl::Status Tickets::CheckAssign(const Principal& caller, const std::string& id,
                                  const std::string& etag, const std::string& assignee_id,
                                  const std::string& note, const std::string& request_id) {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kAssign));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  validation::RequiredUuid(v, "assignee_id", assignee_id);
  validation::OptionalText(v, "note", validation::TrimSpace(note), 2000, true);
  db::CheckRequestId(v, request_id);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  return validation::ParseEtag("etag", etag).status();
}

absl::StatusOr<Ticket> Tickets::Lock(db::Tx& tx, const Principal& caller, const std::string& id,
                                     const std::string& etag, const std::string& request_id,
                                     const char* method, bool* done) const {
  *done = false;
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  std::optional<Ticket> t = Repository::Get(tx, id, caller, /*lock=*/true);
  if (!t) return auth::NotVisible(caller.scope, "ticket", id);
  CRM_ASSIGN_OR_RETURN(auto earlier,
                       request_log_->Claim(tx, caller.user_id, request_id, method, id));
  if (earlier) {
    if (*earlier != id) {
      return InvalidField("request_id", "was used for another ticket");
    }
    *done = true;
    return *t;
  }
  if (expected != 0 && t->version != expected) return validation::StaleEtag();
  return *t;
}

absl::StatusOr<Ticket> Tickets::Assign(db::Conn& conn, const Principal& caller,
                                       const RequestMeta& meta, const Assignment& a) const {
  CRM_RETURN_IF_ERROR(CheckAssign(caller, a.id, a.etag, a.assignee.id, a.note, a.request_id));
  if (!a.assignee.active || !a.assignee.human) {
    return InvalidField("assignee_id", "is not an active person");
  }
  if (caller.scope != auth::DataScope::kAll && !caller.InDepartmentTree(a.assignee.department_id)) {
    return absl::PermissionDeniedError(
        "assignee_id: tickets are assigned to people of the caller's departments");
  }
  const std::string note(validation::TrimSpace(a.note));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Ticket> {
    bool done;
    CRM_ASSIGN_OR_RETURN(Ticket current,
                         Lock(tx, caller, a.id, a.etag, a.request_id, "AssignTicket", &done));
    if (done) return current;
    if (current.status != TicketStatus::kNew && current.status != TicketStatus::kAssigned) {
      return WrongStatus(current, "only a new or assigned ticket is assigned");
    }
    Ticket next = current;
    next.status = TicketStatus::kAssigned;
    next.assignee_id = a.assignee.id;
    next.queue_department_id = a.assignee.department_id;
    HistoryEntry step;
    step.action = Action::kAssigned;
    step.user_id = caller.user_id;
    step.text = note;
    step.assignee_id = a.assignee.id;
    return Save(tx, meta, "service.ticket.assigned", current, next, step);
  });
}

absl::StatusOr<Ticket> Tickets::Handle(db::Conn& conn, const Principal& caller,
                                       const RequestMeta& meta, const std::string& id,
                                       const std::string& etag, const std::string& handling,
                                       const std::string& request_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kHandle));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  const std::string text(validation::TrimSpace(handling));
  validation::RequiredText(v, "handling", text, 4000, true);
  db::CheckRequestId(v, request_id);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Ticket> {
    bool done;
    CRM_ASSIGN_OR_RETURN(Ticket current,
                         Lock(tx, caller, id, etag, request_id, "HandleTicket", &done));
    if (done) return current;
    if (current.status != TicketStatus::kAssigned) {
      return WrongStatus(current, "only an assigned ticket is handled");
    }
    if (current.assignee_id != caller.user_id) {
      return absl::PermissionDeniedError("a ticket is handled by its assignee");
    }
    Ticket next = current;
    next.status = TicketStatus::kHandled;
    next.handling = text;
    if (!next.first_response_at) next.first_response_at = Now();
    HistoryEntry step;
    step.action = Action::kHandled;
    step.user_id = caller.user_id;
    step.text = text;
    return Save(tx, meta, "service.ticket.handled", current, next, step);
  });
}

absl::StatusOr<Ticket> Tickets::Feedback(db::Conn& conn, const Principal& caller,
                                         const RequestMeta& meta, const std::string& id,
                                         const std::string& etag, const std::string& result,
                                         int satisfaction, const std::string& request_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kFeedback));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  const std::string text(validation::TrimSpace(result));
  validation::RequiredText(v, "result", text, 2000, true);
  if (satisfaction < 1 || satisfaction > 5) v.Add("satisfaction", "must be between 1 and 5");
  db::CheckRequestId(v, request_id);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Ticket> {
    bool done;
    CRM_ASSIGN_OR_RETURN(Ticket current,
                         Lock(tx, caller, id, etag, request_id, "RecordFeedback", &done));
    if (done) return current;
    if (current.status != TicketStatus::kHandled) {
      return WrongStatus(current, "feedback is recorded on a handled ticket");
    }
    if (caller.user_id != current.creator_id && caller.user_id != current.customer_owner_id) {
      return absl::PermissionDeniedError(
          "feedback is recorded by the ticket's creator or the customer's account manager");
    }
    const bool archive = satisfaction >= 3;
    Ticket next = current;
    next.feedback_result = text;
    next.satisfaction = satisfaction;
    HistoryEntry step;
    step.text = text;
    step.satisfaction = satisfaction;
    step.user_id = caller.user_id;
    if (archive) {
      next.status = TicketStatus::kArchived;
      next.resolved_at = Now();
      step.action = Action::kArchived;
    } else {
      next.status = TicketStatus::kAssigned;
      next.returns = current.returns + 1;
      step.action = Action::kReturned;
    }
    CRM_ASSIGN_OR_RETURN(
        Ticket saved,
        Save(tx, meta, archive ? "service.ticket.archived" : "service.ticket.returned", current,
             next, step));
    EmitSatisfaction(tx, meta, saved.customer_id);
    return saved;
  });
}

absl::StatusOr<int> Tickets::ScanBreaches(db::Conn& conn) const {
  int total = 0;
  for (bool resolution : {false, true}) {
    for (;;) {
      const absl::Time now = Now();
      CRM_ASSIGN_OR_RETURN(int n, conn.Transact([&](db::Tx& tx) -> absl::StatusOr<int> {
        std::vector<std::string> ids = Repository::ClaimBreaches(tx, resolution, now, kScanBatch);
        for (const std::string& id : ids)
          EmitOverdue(tx, *Repository::Find(tx, id), resolution, now);
        return static_cast<int>(ids.size());
      }));
      total += n;
      if (n < kScanBatch) break;
    }
  }
  return total;
}

absl::Status Tickets::ApplyCustomerEvent(db::Tx& tx, const common::v1::Event& event) const {
  auto move = events::CustomerMoveOf(event);
  if (!move.ok()) return events::SkipEvent(event, move.status());
  const RequestMeta meta{event.request_id(), event.actor_id()};
  std::vector<std::string> changed;
  const char* type = "service.ticket.customer_merged";
  if (move->kind == events::CustomerMove::Kind::kMerge) {
    changed = Repository::Repoint(tx, move->duplicate_id, move->survivor_id,
                                  move->survivor_owner_id, move->survivor_owner_department_id);
  } else {
    changed = Repository::Reassign(tx, move->customer_ids, move->from_user_id, move->to_user_id,
                                   move->to_department_id);
    type = "service.ticket.handed_over";
  }
  const absl::Time now = Now();
  for (const auto& id : changed) Emit(tx, *outbox_, meta, type, *Repository::Find(tx, id), now);
  if (move->kind == events::CustomerMove::Kind::kMerge && !changed.empty()) {
    EmitSatisfaction(tx, meta, move->survivor_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<Ticket> Tickets::Save(db::Tx& tx, const RequestMeta& meta, const char* event,
                                     const Ticket& current, const Ticket& next,
                                     HistoryEntry step) const {
  step.from = current.status;
  step.at = Now();
  std::optional<Ticket> saved = Repository::Update(tx, next, current.version, step);
  if (!saved) return validation::StaleEtag();
  Emit(tx, *outbox_, meta, event, *saved, step.at);
  // A deadline met late before the scan announced its breach is announced now, once.
  for (bool resolution : {false, true}) {
    const std::optional<absl::Time>& was =
        resolution ? current.resolved_at : current.first_response_at;
    const std::optional<absl::Time>& met =
        resolution ? saved->resolved_at : saved->first_response_at;
    const absl::Time due = resolution ? saved->resolution_due : saved->first_response_due;
    if (!was && met && *met > due && Repository::ClaimBreach(tx, saved->id, resolution)) {
      EmitOverdue(tx, *saved, resolution, *met);
    }
  }
  return *saved;
}

void Tickets::EmitOverdue(db::Tx& tx, const Ticket& t, bool resolution, absl::Time now) const {
  v1::TicketOverdue e;
  *e.mutable_ticket() = ToProto(t, now);
  e.set_deadline(resolution ? v1::TicketOverdue::DEADLINE_RESOLUTION
                            : v1::TicketOverdue::DEADLINE_FIRST_RESPONSE);
  outbox_->Append(tx, {"service.ticket.overdue", "ticket", t.id, &e, "", ""});
}

void Tickets::EmitSatisfaction(db::Tx& tx, const RequestMeta& meta,
                               const std::string& customer_id) const {
  const CustomerSatisfaction s = Repository::SatisfactionOf(tx, customer_id);
  if (s.rated_tickets == 0) return;
  v1::CustomerSatisfactionChanged e;
  e.set_customer_id(s.customer_id);
  e.set_satisfaction(s.satisfaction);
  e.set_rated_tickets(s.rated_tickets);
  outbox_->Append(tx, {"service.customer.satisfaction_changed", "customer", customer_id, &e,
                       meta.actor_id, meta.request_id});
}

absl::StatusOr<std::vector<TicketType>> Settings::Types(db::Conn& conn, const Principal& caller,
                                                        bool include_inactive) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<TicketType>> {
    return Repository::Types(tx, include_inactive);
  });
}

absl::StatusOr<TicketType> Settings::SetType(db::Conn& conn, const Principal& caller,
                                             TicketType t) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "dictionaries.write"));
  Violations v;
  if (validation::Required(v, "type.code", t.code)) {
    if (t.code.size() > 32) {
      v.Add("type.code", "must be at most 32 characters");
    } else {
      validation::OptionalCode(v, "type.code", t.code);
    }
  }
  t.name = std::string(validation::TrimSpace(t.name));
  validation::Name(v, "type.name", t.name, 50);
  if (t.position < 0 || t.position > 10000) v.Add("type.position", "must be between 0 and 10000");
  CRM_RETURN_IF_ERROR(v.ToStatus());
  return conn.Transact(
      [&](db::Tx& tx) -> absl::StatusOr<TicketType> { return Repository::SetType(tx, t); });
}

absl::StatusOr<std::vector<SlaPolicy>> Settings::Policies(db::Conn& conn,
                                                          const Principal& caller) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<SlaPolicy>> {
    return Repository::Policies(tx);
  });
}

absl::StatusOr<SlaPolicy> Settings::SetPolicy(db::Conn& conn, const Principal& caller,
                                              const SlaPolicy& p, Violations decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "dictionaries.write"));
  Violations v = decoding;
  validation::OptionalCode(v, "policy.customer_level", p.customer_level);
  constexpr int kYear = 525600;
  if (p.first_response_minutes < 1 || p.first_response_minutes > kYear) {
    v.Add("policy.first_response_minutes", "must be between 1 and 525600 (a year)");
  }
  if (p.resolution_minutes < 1 || p.resolution_minutes > kYear) {
    v.Add("policy.resolution_minutes", "must be between 1 and 525600 (a year)");
  } else if (p.resolution_minutes < p.first_response_minutes) {
    v.Add("policy.resolution_minutes", "must not be less than first_response_minutes");
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  return conn.Transact(
      [&](db::Tx& tx) -> absl::StatusOr<SlaPolicy> { return Repository::SetPolicy(tx, p); });
}

}  // namespace crm::tickets_service
