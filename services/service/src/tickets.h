#pragma once
// Tickets from the request to the archive: creation (服务创建), assignment (服务分配), handling
// (服务处理), feedback (服务反馈) that archives (归档) or sends back, due times from SLA policies
// and the scan that announces breaches, and following customers' hand-overs and merges.
//
// Who may do what (besides the permission each needs, and seeing the ticket):
//   creating — a person; the customer (and contact) checked by the glue in the customers
//     service with the caller's token;
//   assigning — service.tickets.assign, to an active person of the caller's department
//     subtree (anyone, with company-wide scope), while new or assigned;
//   handling — its assignee, while assigned;
//   feedback — its creator or the customer's account manager, while handled: 3–5 archives,
//     1–2 sends it back to the assignee.
// An archived ticket never changes. A step the status does not allow is FAILED_PRECONDITION
// naming the status. A step with a request_id that was already done returns the ticket as it
// is now.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/common/v1/events.pb.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/service/directory_user.h"
#include "libs/status/field_violations.h"
#include "libs/validation/paging.h"
#include "services/service/src/model.h"

namespace crm::tickets_service {

// What time it is (tests use a fake clock).
using Clock = std::function<absl::Time()>;

// The options of crm-service's sessions: each statement is planned once per session, for any
// parameters, instead of for each call (which cost a ticket search more CPU than running it);
// each statement's shape leads it to its index whatever the values (tickets_test.cc checks).
// No parallel workers: starting them costs more than any of these statements.
inline constexpr char kSessionOptions[] =
    "-c plan_cache_mode=force_generic_plan -c max_parallel_workers_per_gather=0";

class Tickets {
 public:
  Tickets(
      const events::Outbox* outbox, const db::RequestLog* request_log, absl::TimeZone zone,
      Clock clock = [] { return absl::Now(); })
      : outbox_(outbox), request_log_(request_log), zone_(zone), clock_(std::move(clock)) {}

  absl::Time Now() const { return clock_(); }

  // The due times of a ticket created at `created` under `policy`.
  static void SetDueTimes(Ticket& t, absl::Time created, const SlaPolicy& policy);

  // The checks of a create that need no database or other service.
  absl::Status CheckCreate(const auth::Principal& caller, const std::string& request_id,
                           const Ticket& t, const Violations& decoding) const;
  // `customer` as the customers service answered the caller; `contact_customer_id` the customer
  // of the named contact (when one is named).
  absl::StatusOr<Ticket> Create(db::Conn& conn, const auth::Principal& caller,
                                const RequestMeta& meta, const std::string& request_id, Ticket t,
                                const CustomerFacts& customer,
                                const std::string& contact_customer_id,
                                Violations decoding = {}) const;
  absl::StatusOr<Ticket> Get(db::Conn& conn, const auth::Principal& caller,
                             const std::string& id) const;
  absl::StatusOr<validation::Page<Ticket>> List(db::Conn& conn, const auth::Principal& caller,
                                                const TicketFilter& filter, int32_t page_size,
                                                const std::string& page_token) const;
  absl::StatusOr<std::vector<HistoryEntry>> History(db::Conn& conn, const auth::Principal& caller,
                                                    const std::string& id) const;

  struct Assignment {
    std::string id;
    std::string etag;
    std::string note;
    std::string request_id;
    // Looked up by the glue in the auth directory with the caller's token.
    service::DirectoryUser assignee;
  };
  // The checks of an assignment that need no database or other service.
  static absl::Status CheckAssign(const auth::Principal& caller, const std::string& id,
                                  const std::string& etag, const std::string& assignee_id,
                                  const std::string& note, const std::string& request_id);
  absl::StatusOr<Ticket> Assign(db::Conn& conn, const auth::Principal& caller,
                                const RequestMeta& meta, const Assignment& a) const;
  absl::StatusOr<Ticket> Handle(db::Conn& conn, const auth::Principal& caller,
                                const RequestMeta& meta, const std::string& id,
                                const std::string& etag, const std::string& handling,
                                const std::string& request_id) const;
  absl::StatusOr<Ticket> Feedback(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& id,
                                  const std::string& etag, const std::string& result,
                                  int satisfaction, const std::string& request_id) const;

  // Announces every breach not yet announced (service.ticket.overdue, once per ticket and
  // deadline), in batches; how many. Safe to run on several replicas at once.
  absl::StatusOr<int> ScanBreaches(db::Conn& conn) const;

  // A customers' hand-over or merge (events::FollowCustomerMoves), applied inside the
  // transaction that stores the event's cursor: the tickets of the customers handed over whose
  // account manager was the previous owner name the new one; tickets of a merged duplicate name
  // the survivor and its account manager (and the survivor's satisfaction figure is announced
  // again).
  absl::Status ApplyCustomerEvent(db::Tx& tx, const common::v1::Event& event) const;

 private:
  // Writes `next` (read as `current`) with its history step (by step.user_id) and event.
  absl::StatusOr<Ticket> Save(db::Tx& tx, const RequestMeta& meta, const char* event,
                              const Ticket& current, const Ticket& next, HistoryEntry step) const;
  // service.ticket.overdue for the deadline of `t` (first response, or resolution).
  void EmitOverdue(db::Tx& tx, const Ticket& t, bool resolution, absl::Time now) const;
  // The ticket the caller may change, locked; with `request_id` already done, `*done` is set.
  absl::StatusOr<Ticket> Lock(db::Tx& tx, const auth::Principal& caller, const std::string& id,
                              const std::string& etag, const std::string& request_id,
                              const char* method, bool* done) const;
  // service.customer.satisfaction_changed for the customer, as its tickets now say.
  void EmitSatisfaction(db::Tx& tx, const RequestMeta& meta, const std::string& customer_id) const;

  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  absl::TimeZone zone_;
  Clock clock_;
};

// The ticket types dictionary and the SLA policies.
class Settings {
 public:
  absl::StatusOr<std::vector<TicketType>> Types(db::Conn& conn, const auth::Principal& caller,
                                                bool include_inactive) const;
  absl::StatusOr<TicketType> SetType(db::Conn& conn, const auth::Principal& caller,
                                     TicketType t) const;
  absl::StatusOr<std::vector<SlaPolicy>> Policies(db::Conn& conn,
                                                  const auth::Principal& caller) const;
  absl::StatusOr<SlaPolicy> SetPolicy(db::Conn& conn, const auth::Principal& caller,
                                      const SlaPolicy& p, Violations decoding = {}) const;
};

}  // namespace crm::tickets_service
