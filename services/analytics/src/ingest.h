#pragma once
// Applying the other services' events to the read models (migrations/0001_analytics.sql).
// Every event carries its record as it is after the change; a row is only overwritten by a
// newer version of it, so applying an event twice, or an older one after a newer one, changes
// nothing. Events this service does not use are ignored.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "crm/common/v1/events.pb.h"
#include "libs/db/conn.h"

namespace crm::analytics {

// One stream the analytics service follows.
struct Source {
  // "auth", "customers", …: the cursor's key and the report's name for it.
  std::string name;
  // The full name of its WatchEvents.
  std::string method;
  // The event types used.
  std::vector<std::string> types;
};

// Every source, in a fixed order.
const std::vector<Source>& Sources();

class Ingest {
 public:
  // zone: the company's time zone, which decides the day of a change.
  explicit Ingest(absl::TimeZone zone) : zone_(zone) {}

  // Events of one source, in the stream's order.
  using Batch = std::vector<const common::v1::Event*>;

  // Applies events of `source` in tx (which also stores the cursor of the last): each record
  // of the batch once, at its newest version, in a statement per kind (customers' changes one
  // after the other, for the mix).
  absl::Status ApplyBatch(db::Tx& tx, const std::string& source, const Batch& events) const;

  // Empties the read models of `source` ("" for all) and forgets its cursor, so that its
  // follower rebuilds them from the stream's beginning.
  absl::Status Reset(db::Conn& conn, const std::string& source) const;

  // Computes the rollups (analytics.sales_periods and ticket_months) again from the facts, with
  // months in this zone: after Reset, and after facts were loaded by other means than the
  // ingest.
  void RebuildRollups(db::Tx& tx) const;

  // Computes the rollups again when their months are in another zone than this one (at start).
  absl::Status KeepRollupsInZone(db::Conn& conn) const;

 private:
  absl::Status ApplyAuth(db::Tx& tx, const common::v1::Event& e) const;
  absl::Status ApplyCustomers(db::Tx& tx, const common::v1::Event& e) const;
  absl::Status ApplyPipeline(db::Tx& tx, const Batch& events) const;
  absl::Status ApplyContracts(db::Tx& tx, const Batch& events) const;
  absl::Status ApplyPayments(db::Tx& tx, const Batch& events) const;
  absl::Status ApplyService(db::Tx& tx, const Batch& events) const;

  std::string Day(absl::Time t) const;

  absl::TimeZone zone_;
};

}  // namespace crm::analytics
