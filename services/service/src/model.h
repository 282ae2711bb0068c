#pragma once
// The service (tickets) service's records as the logic sees them.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/rpc/request_meta.h"

namespace crm::tickets_service {

enum class TicketStatus { kUnspecified, kNew, kAssigned, kHandled, kArchived };
// "new" … as stored.
const char* StatusName(TicketStatus s);
TicketStatus StatusFromName(const std::string& name);

enum class Channel { kUnspecified, kPhone, kVisit, kEmail, kOnline };
const char* ChannelName(Channel c);
Channel ChannelFromName(const std::string& name);

enum class Priority { kUnspecified, kLow, kNormal, kHigh, kUrgent };
const char* PriorityName(Priority p);
Priority PriorityFromName(const std::string& name);

enum class Action { kUnspecified, kCreated, kAssigned, kHandled, kReturned, kArchived };
const char* ActionName(Action a);
Action ActionFromName(const std::string& name);

struct Ticket {
  std::string id;
  std::string number;
  std::string type;
  std::string customer_id;
  std::string contact_id;
  Channel channel = Channel::kUnspecified;
  std::string summary;
  std::string request;
  Priority priority = Priority::kUnspecified;
  TicketStatus status = TicketStatus::kUnspecified;
  std::string assignee_id;
  std::string queue_department_id;
  std::string customer_owner_id;
  std::string customer_owner_department_id;
  std::string customer_level;
  std::string handling;
  std::string feedback_result;
  int satisfaction = 0;
  int returns = 0;
  absl::Time first_response_due = absl::InfinitePast();
  absl::Time resolution_due = absl::InfinitePast();
  std::optional<absl::Time> first_response_at;
  std::optional<absl::Time> resolved_at;
  std::string creator_id;
  absl::Time created_at;
  int64_t version = 0;
  absl::Time updated_at;

  // The first response or the resolution is (or was) later than due, as of `now`.
  bool ResponseOverdue(absl::Time now) const {
    return first_response_at ? *first_response_at > first_response_due : now > first_response_due;
  }
  bool ResolutionOverdue(absl::Time now) const {
    return resolved_at ? *resolved_at > resolution_due : now > resolution_due;
  }
};

struct HistoryEntry {
  Action action = Action::kUnspecified;
  TicketStatus from = TicketStatus::kUnspecified;
  TicketStatus to = TicketStatus::kUnspecified;
  std::string user_id;
  std::string text;
  int satisfaction = 0;
  std::string assignee_id;
  absl::Time at;
};

struct Attachment {
  std::string id;
  std::string ticket_id;
  std::string file_name;
  std::string content_type;
  int64_t size_bytes = 0;
  std::string sha256;
  int chunks = 0;
  std::string uploaded_by;
  absl::Time uploaded_at;
};

struct TicketType {
  std::string code;
  std::string name;
  bool active = true;
  int position = 0;
};

struct SlaPolicy {
  Priority priority = Priority::kUnspecified;
  std::string customer_level;  // "": every level
  int first_response_minutes = 0;
  int resolution_minutes = 0;
};

struct TicketFilter {
  std::string query;
  TicketStatus status = TicketStatus::kUnspecified;
  std::string type;
  Priority priority = Priority::kUnspecified;
  std::string customer_id;
  std::string assignee_id;
  std::string queue_department_id;
  std::optional<absl::CivilDay> created_from;
  std::optional<absl::CivilDay> created_to;
  bool open_only = false;
  bool overdue_only = false;
};

// What the customers service said about a ticket's customer when it was created.
struct CustomerFacts {
  std::string id;
  std::string owner_id;
  std::string owner_department_id;
  std::string level;
};

// A customer's satisfaction figure from tickets (service.customer.satisfaction_changed).
struct CustomerSatisfaction {
  std::string customer_id;
  int satisfaction = 0;  // 0: no rated ticket
  int rated_tickets = 0;
};

using RequestMeta = rpc::RequestMeta;

}  // namespace crm::tickets_service
