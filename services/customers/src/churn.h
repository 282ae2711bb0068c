#pragma once
// Churn handling (客户流失管理): each customer's last order date follows order events from
// other services; a scan warns of customers without an order for a configured period; the
// owner delays the loss (with measures; repeatable, and warned again when the delay runs out)
// or confirms it (with a reason); a new order makes the customer active again.
//
//   active ──scan──▶ loss_warning ──delay──▶ loss_delayed ──delay──▶ loss_delayed
//      ▲                 │  ▲                 │    │
//      │                 │  └──delay ends─────┘    │
//      └──── order ──────┴──── confirm ──▶ lost ◀──┘   (an order revives any of them)

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crm/common/v1/events.pb.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/events/outbox.h"
#include "libs/validation/paging.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

class Churn {
 public:
  // Customers warned per transaction of a scan.
  static constexpr int kScanBatch = 500;
  static constexpr int kMaxActions = 500;

  // `loss_after_months`: how long without an order makes a warning; `zone`: where "today" is.
  Churn(const events::Outbox* outbox, int loss_after_months, absl::TimeZone zone)
      : outbox_(outbox), loss_after_months_(loss_after_months), zone_(zone) {}

  // Applies one order event in tx (the follower's transaction, which also stores the cursor).
  // Events that are not orders, or name no customer of ours, are logged and skipped.
  absl::Status ApplyOrderEvent(db::Tx& tx, const common::v1::Event& event) const;
  // The same for an order of the company's sales system (SalesSystemOrder), found by the
  // customer's sales_system_key; orders of customers not linked to one are skipped.
  absl::Status ApplySalesSystemOrder(db::Tx& tx, const common::v1::Event& event) const;
  // The sales system's order stream as events for a follower: the WatchOrders request from
  // `cursor`, and an OrderEvent read as an event (type salesys.order.placed, the order as its
  // payload).
  static std::string SalesSystemOrdersRequest(const std::string& cursor);
  // Links the customer to its key in the sales system (empty: unlinks it); the key's orders
  // followed so far count for it at once.
  absl::StatusOr<Customer> SetSalesSystemKey(db::Conn& conn, const auth::Principal& caller,
                                             const RequestMeta& meta, const std::string& id,
                                             const std::string& etag, const std::string& key) const;
  static absl::StatusOr<common::v1::Event> SalesSystemOrder(const std::string& message);
  // Warns of every customer due as of `today`; returns how many.
  absl::StatusOr<int> Scan(db::Conn& conn, absl::CivilDay today) const;
  // `until`: nullopt for 3 months from today.
  absl::StatusOr<Customer> Delay(db::Conn& conn, const auth::Principal& caller,
                                 const RequestMeta& meta, const std::string& customer_id,
                                 const std::string& measures, std::optional<absl::CivilDay> until,
                                 const std::string& etag) const;
  absl::StatusOr<Customer> Confirm(db::Conn& conn, const auth::Principal& caller,
                                   const RequestMeta& meta, const std::string& customer_id,
                                   const std::string& reason, const std::string& etag) const;
  absl::StatusOr<validation::Page<Customer>> ListWarnings(db::Conn& conn,
                                                          const auth::Principal& caller,
                                                          const std::string& owner_id,
                                                          int32_t page_size,
                                                          const std::string& page_token) const;
  absl::StatusOr<std::vector<LossAction>> Actions(db::Conn& conn, const auth::Principal& caller,
                                                  const std::string& customer_id) const;

  absl::CivilDay Today() const { return absl::ToCivilDay(absl::Now(), zone_); }

 private:
  // The order of `day` counts for the customer (or its survivor).
  absl::Status ApplyOrder(db::Tx& tx, const std::string& request_id, const std::string& customer_id,
                          absl::CivilDay day, const std::string& order) const;

 public:
 private:
  // The first day an order must fall on or after for a customer not to be due on `today`.
  absl::CivilDay RecentFrom(absl::CivilDay today) const;
  absl::StatusOr<Customer> Step(db::Conn& conn, const auth::Principal& caller,
                                const RequestMeta& meta, const std::string& customer_id,
                                const LossAction& action, const std::string& etag) const;

  const events::Outbox* outbox_;
  int loss_after_months_;
  absl::TimeZone zone_;
};

}  // namespace crm::customers_service
