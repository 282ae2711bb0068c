#include "services/service/src/convert.h"

#include "libs/enums/enum_table.h"
#include "libs/proto_time/proto_time.h"
#include "libs/validation/updates.h"

namespace crm::tickets_service {

using proto_time::SetTimestamp;

namespace {

constexpr enums::Named<TicketStatus> kStatusNames[] = {{TicketStatus::kNew, "new"},
                                                       {TicketStatus::kAssigned, "assigned"},
                                                       {TicketStatus::kHandled, "handled"},
                                                       {TicketStatus::kArchived, "archived"}};
constexpr enums::Pair<TicketStatus, v1::TicketStatus> kApiStatuses[] = {
    {TicketStatus::kNew, v1::TICKET_STATUS_NEW},
    {TicketStatus::kAssigned, v1::TICKET_STATUS_ASSIGNED},
    {TicketStatus::kHandled, v1::TICKET_STATUS_HANDLED},
    {TicketStatus::kArchived, v1::TICKET_STATUS_ARCHIVED}};

constexpr enums::Named<Channel> kChannelNames[] = {{Channel::kPhone, "phone"},
                                                   {Channel::kVisit, "visit"},
                                                   {Channel::kEmail, "email"},
                                                   {Channel::kOnline, "online"}};
constexpr enums::Pair<Channel, v1::TicketChannel> kApiChannels[] = {
    {Channel::kPhone, v1::TICKET_CHANNEL_PHONE},
    {Channel::kVisit, v1::TICKET_CHANNEL_VISIT},
    {Channel::kEmail, v1::TICKET_CHANNEL_EMAIL},
    {Channel::kOnline, v1::TICKET_CHANNEL_ONLINE}};

constexpr enums::Named<Priority> kPriorityNames[] = {{Priority::kLow, "low"},
                                                     {Priority::kNormal, "normal"},
                                                     {Priority::kHigh, "high"},
                                                     {Priority::kUrgent, "urgent"}};
constexpr enums::Pair<Priority, v1::TicketPriority> kApiPriorities[] = {
    {Priority::kLow, v1::TICKET_PRIORITY_LOW},
    {Priority::kNormal, v1::TICKET_PRIORITY_NORMAL},
    {Priority::kHigh, v1::TICKET_PRIORITY_HIGH},
    {Priority::kUrgent, v1::TICKET_PRIORITY_URGENT}};

constexpr enums::Named<Action> kActionNames[] = {{Action::kCreated, "created"},
                                                 {Action::kAssigned, "assigned"},
                                                 {Action::kHandled, "handled"},
                                                 {Action::kReturned, "returned"},
                                                 {Action::kArchived, "archived"}};
constexpr enums::Pair<Action, v1::TicketAction> kApiActions[] = {
    {Action::kCreated, v1::TICKET_ACTION_CREATED},
    {Action::kAssigned, v1::TICKET_ACTION_ASSIGNED},
    {Action::kHandled, v1::TICKET_ACTION_HANDLED},
    {Action::kReturned, v1::TICKET_ACTION_RETURNED},
    {Action::kArchived, v1::TICKET_ACTION_ARCHIVED}};

}  // namespace

const char* StatusName(TicketStatus s) { return enums::Lookup(kStatusNames, s, "").data(); }
TicketStatus StatusFromName(const std::string& name) {
  return enums::ReverseLookup(kStatusNames, name, TicketStatus::kUnspecified);
}
const char* ChannelName(Channel c) { return enums::Lookup(kChannelNames, c, "").data(); }
Channel ChannelFromName(const std::string& name) {
  return enums::ReverseLookup(kChannelNames, name, Channel::kUnspecified);
}
const char* PriorityName(Priority p) { return enums::Lookup(kPriorityNames, p, "").data(); }
Priority PriorityFromName(const std::string& name) {
  return enums::ReverseLookup(kPriorityNames, name, Priority::kUnspecified);
}
const char* ActionName(Action a) { return enums::Lookup(kActionNames, a, "").data(); }
Action ActionFromName(const std::string& name) {
  return enums::ReverseLookup(kActionNames, name, Action::kUnspecified);
}

v1::TicketStatus ToProto(TicketStatus s) {
  return enums::Lookup(kApiStatuses, s, v1::TICKET_STATUS_UNSPECIFIED);
}
TicketStatus FromProto(v1::TicketStatus s) {
  return enums::ReverseLookup(kApiStatuses, s, TicketStatus::kUnspecified);
}
v1::TicketPriority ToProto(Priority p) {
  return enums::Lookup(kApiPriorities, p, v1::TICKET_PRIORITY_UNSPECIFIED);
}
Priority FromProto(v1::TicketPriority p) {
  return enums::ReverseLookup(kApiPriorities, p, Priority::kUnspecified);
}

v1::Ticket ToProto(const Ticket& t, absl::Time now) {
  v1::Ticket p;
  p.set_id(t.id);
  p.set_number(t.number);
  p.set_type(t.type);
  p.set_customer_id(t.customer_id);
  p.set_contact_id(t.contact_id);
  p.set_channel(enums::Lookup(kApiChannels, t.channel, v1::TICKET_CHANNEL_UNSPECIFIED));
  p.set_summary(t.summary);
  p.set_request(t.request);
  p.set_priority(ToProto(t.priority));
  p.set_status(ToProto(t.status));
  p.set_assignee_id(t.assignee_id);
  p.set_queue_department_id(t.queue_department_id);
  p.set_customer_owner_id(t.customer_owner_id);
  p.set_customer_owner_department_id(t.customer_owner_department_id);
  p.set_customer_level(t.customer_level);
  p.set_handling(t.handling);
  p.set_feedback_result(t.feedback_result);
  p.set_satisfaction(t.satisfaction);
  p.set_returns(t.returns);
  SetTimestamp(t.first_response_due, p.mutable_first_response_due_time());
  SetTimestamp(t.resolution_due, p.mutable_resolution_due_time());
  if (t.first_response_at) SetTimestamp(*t.first_response_at, p.mutable_first_response_time());
  if (t.resolved_at) SetTimestamp(*t.resolved_at, p.mutable_resolve_time());
  p.set_response_overdue(t.ResponseOverdue(now));
  p.set_resolution_overdue(t.ResolutionOverdue(now));
  p.set_creator_id(t.creator_id);
  SetTimestamp(t.created_at, p.mutable_create_time());
  SetTimestamp(t.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(t.version));
  return p;
}

v1::TicketHistoryEntry ToProto(const HistoryEntry& e) {
  v1::TicketHistoryEntry p;
  p.set_action(enums::Lookup(kApiActions, e.action, v1::TICKET_ACTION_UNSPECIFIED));
  p.set_from_status(ToProto(e.from));
  p.set_to_status(ToProto(e.to));
  p.set_user_id(e.user_id);
  p.set_text(e.text);
  p.set_satisfaction(e.satisfaction);
  p.set_assignee_id(e.assignee_id);
  SetTimestamp(e.at, p.mutable_time());
  return p;
}

v1::TicketAttachment ToProto(const Attachment& a) {
  v1::TicketAttachment p;
  p.set_id(a.id);
  p.set_ticket_id(a.ticket_id);
  p.set_file_name(a.file_name);
  p.set_content_type(a.content_type);
  p.set_size_bytes(a.size_bytes);
  p.set_sha256(a.sha256);
  p.set_uploaded_by(a.uploaded_by);
  SetTimestamp(a.uploaded_at, p.mutable_upload_time());
  return p;
}

v1::TicketType ToProto(const TicketType& t) {
  v1::TicketType p;
  p.set_code(t.code);
  p.set_name(t.name);
  p.set_active(t.active);
  p.set_position(t.position);
  return p;
}

v1::SlaPolicy ToProto(const SlaPolicy& s) {
  v1::SlaPolicy p;
  p.set_priority(ToProto(s.priority));
  p.set_customer_level(s.customer_level);
  p.set_first_response_minutes(s.first_response_minutes);
  p.set_resolution_minutes(s.resolution_minutes);
  return p;
}

Ticket FromProto(const v1::Ticket& p, Violations& v) {
  Ticket t;
  t.id = p.id();
  t.type = p.type();
  t.customer_id = p.customer_id();
  t.contact_id = p.contact_id();
  t.channel = enums::ReverseLookup(kApiChannels, p.channel(), Channel::kUnspecified);
  if (p.channel() != v1::TICKET_CHANNEL_UNSPECIFIED && t.channel == Channel::kUnspecified) {
    v.Add("ticket.channel", "is not a known channel");
  }
  t.summary = p.summary();
  t.request = p.request();
  t.priority = FromProto(p.priority());
  if (p.priority() != v1::TICKET_PRIORITY_UNSPECIFIED && t.priority == Priority::kUnspecified) {
    v.Add("ticket.priority", "is not a known priority");
  }
  return t;
}

Attachment FromProto(const v1::TicketAttachment& p) {
  Attachment a;
  a.ticket_id = p.ticket_id();
  a.file_name = p.file_name();
  a.content_type = p.content_type();
  a.size_bytes = p.size_bytes();
  a.sha256 = p.sha256();
  return a;
}

TicketType FromProto(const v1::TicketType& p) {
  return {p.code(), p.name(), p.active(), p.position()};
}

SlaPolicy FromProto(const v1::SlaPolicy& p, Violations& v) {
  SlaPolicy s;
  s.priority = FromProto(p.priority());
  if (s.priority == Priority::kUnspecified) v.Add("policy.priority", "must be a known priority");
  s.customer_level = p.customer_level();
  s.first_response_minutes = p.first_response_minutes();
  s.resolution_minutes = p.resolution_minutes();
  return s;
}

}  // namespace crm::tickets_service
