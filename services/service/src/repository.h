#pragma once
// The service (tickets) service's SQL: tickets (always under the caller's record scope when
// read for a caller) with their texts and history, attachments, the ticket types dictionary
// and SLA policies.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "services/service/src/model.h"

namespace crm::tickets_service {

class Repository {
 public:
  // Inserts the ticket (created_at and due times as given) under a new number of `day`
  // (YYYYMMDD), with its texts and the first step of its history; the ticket as stored.
  static Ticket Insert(db::Tx& tx, const Ticket& t, const std::string& day);
  // Without scope: for reading back what this request wrote.
  static std::optional<Ticket> Find(db::Tx& tx, const std::string& id);
  // Within the caller's scope; `lock`: FOR UPDATE.
  static std::optional<Ticket> Get(db::Tx& tx, const std::string& id, const auth::Principal& caller,
                                   bool lock);
  // Writes the changing fields of `t` and the step `e` of its history; the ticket as stored, or
  // nullopt when its version is not `expected_version`.
  static std::optional<Ticket> Update(db::Tx& tx, const Ticket& t, int64_t expected_version,
                                      const HistoryEntry& e);
  // Newest first, created in [from, to) (either end open); the query in the texts (see
  // SearchScoped). `now` decides overdue_only.
  static std::vector<Ticket> List(db::Tx& tx, const TicketFilter& f, std::optional<absl::Time> from,
                                  std::optional<absl::Time> to, absl::Time now,
                                  const auth::Principal& caller, const std::string& before_id,
                                  int limit);
  static std::vector<HistoryEntry> History(db::Tx& tx, const std::string& ticket_id);

  // Tickets of these customers whose account manager was `from` now name `to`; their ids.
  static std::vector<std::string> Reassign(db::Tx& tx, const std::vector<std::string>& customer_ids,
                                           const std::string& from, const std::string& to,
                                           const std::string& to_department_id);
  // Tickets of `duplicate` now name `survivor` and, when given, its account manager; their ids.
  static std::vector<std::string> Repoint(db::Tx& tx, const std::string& duplicate,
                                          const std::string& survivor, const std::string& owner_id,
                                          const std::string& owner_department_id);
  // The rounded mean of the satisfaction of the customer's rated tickets.
  static CustomerSatisfaction SatisfactionOf(db::Tx& tx, const std::string& customer_id);

  // Open tickets whose first response (`resolution`: resolution) was due before `now` and
  // whose breach is not yet announced, up to `limit`, marked announced; skips tickets locked
  // by others. Their ids.
  static std::vector<std::string> ClaimBreaches(db::Tx& tx, bool resolution, absl::Time now,
                                                int limit);
  // Marks ticket `id`'s breach of a deadline announced; false when it already was.
  static bool ClaimBreach(db::Tx& tx, const std::string& id, bool resolution);

  static std::vector<TicketType> Types(db::Tx& tx, bool include_inactive);
  static std::optional<TicketType> FindType(db::Tx& tx, const std::string& code);
  static TicketType SetType(db::Tx& tx, const TicketType& t);
  static std::vector<SlaPolicy> Policies(db::Tx& tx);
  // The policy for the priority: the level's own, else the one for every level.
  static std::optional<SlaPolicy> PolicyFor(db::Tx& tx, Priority priority,
                                            const std::string& level);
  static SlaPolicy SetPolicy(db::Tx& tx, const SlaPolicy& p);

  static void InsertAttachment(db::Tx& tx, const Attachment& a,
                               const std::vector<std::string>& chunks);
  static std::optional<Attachment> FindAttachment(db::Tx& tx, const std::string& id);
  // Newest first.
  static std::vector<Attachment> Attachments(db::Tx& tx, const std::string& ticket_id);
  static absl::StatusOr<std::string> AttachmentChunk(db::Tx& tx, const std::string& id, int seq);
};

}  // namespace crm::tickets_service
