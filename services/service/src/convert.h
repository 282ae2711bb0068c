#pragma once
// The service (tickets) service's records ⇄ crm.service.v1 messages.

#include "crm/service/v1/resources.pb.h"
#include "libs/status/field_violations.h"
#include "services/service/src/model.h"

namespace crm::tickets_service {

namespace v1 = ::crm::service::v1;

v1::TicketStatus ToProto(TicketStatus s);
TicketStatus FromProto(v1::TicketStatus s);
v1::TicketPriority ToProto(Priority p);
Priority FromProto(v1::TicketPriority p);
// With the overdue flags as of `now`.
v1::Ticket ToProto(const Ticket& t, absl::Time now);
v1::TicketHistoryEntry ToProto(const HistoryEntry& e);
v1::TicketAttachment ToProto(const Attachment& a);
v1::TicketType ToProto(const TicketType& t);
v1::SlaPolicy ToProto(const SlaPolicy& p);

// The writable fields of a request's ticket; unknown enum values are reported on `v` under
// "ticket.".
Ticket FromProto(const v1::Ticket& p, Violations& v);
Attachment FromProto(const v1::TicketAttachment& p);
TicketType FromProto(const v1::TicketType& p);
SlaPolicy FromProto(const v1::SlaPolicy& p, Violations& v);

}  // namespace crm::tickets_service
