#include "services/customers/src/churn.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crm/common/v1/orders.pb.h"
#include "crm/customers/v1/events.pb.h"
#include "external/salesys/v1/sales_system.pb.h"
#include "libs/db/time_fields.h"
#include "libs/ids/uuid.h"
#include "libs/log/log.h"
#include "libs/proto_time/proto_time.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/customers.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using auth::Principal;

constexpr int kDefaultDelayMonths = 3;

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  absl::CivilMonth m = absl::CivilMonth(day) + months;
  // The same day of the month, or the month's last day when it has fewer days.
  absl::CivilDay d(m.year(), m.month(), day.day());
  return d.month() == m.month() ? d : absl::CivilDay(absl::CivilMonth(m) + 1) - 1;
}

void Emit(db::Tx& tx, const events::Outbox* outbox, const std::string& actor,
          const std::string& request_id, const Customer& c, const LossAction& a) {
  v1::LossStatusChanged e;
  *e.mutable_customer() = ToProto(c);
  *e.mutable_action() = ToProto(a);
  outbox->Append(
      tx, {absl::StrCat("customers.loss.", a.kind), "customer", c.id, &e, actor, request_id});
}

// Records the action and announces it with the customer as it now is.
void Record(db::Tx& tx, const events::Outbox* outbox, const std::string& request_id, LossAction a) {
  a.id = ids::NewUuidV7();
  Repository::InsertLossAction(tx, a);
  auto c = Repository::Find(tx, a.customer_id);
  a.created_at = absl::Now();
  Emit(tx, outbox, a.user_id, request_id, *c, a);
}

}  // namespace

absl::CivilDay Churn::RecentFrom(absl::CivilDay today) const {
  return AddMonths(today, -loss_after_months_);
}

absl::Status Churn::ApplyOrderEvent(db::Tx& tx, const common::v1::Event& event) const {
  common::v1::OrderPlaced order;
  if (!event.payload().UnpackTo(&order)) {
    log::Warn("order event skipped: its payload is not crm.common.v1.OrderPlaced")
        .Str("event_id", event.id())
        .Str("type", event.type());
    return absl::OkStatus();
  }
  Violations v;
  validation::RequiredUuid(v, "customer_id", order.customer_id());
  std::optional<absl::CivilDay> day = proto_time::DayOf(order.order_date(), "order_date", v);
  if (!day) v.Add("order_date", "is required");
  if (!v.empty()) {
    log::Warn("order event skipped: malformed")
        .Str("event_id", event.id())
        .Str("problem", v.ToStatus().ToString());
    return absl::OkStatus();
  }
  return ApplyOrder(tx, event.request_id(), order.customer_id(), *day,
                    order.number().empty() ? order.order_id() : order.number());
}

absl::Status Churn::ApplySalesSystemOrder(db::Tx& tx, const common::v1::Event& event) const {
  external::salesys::v1::Order order;
  Violations v;
  if (!event.payload().UnpackTo(&order)) v.Add("payload", "is not an external.salesys.v1.Order");
  std::optional<absl::CivilDay> day = proto_time::DayOf(order.order_date(), "order_date", v);
  if (!day) v.Add("order_date", "is required");
  if (!v.empty()) {
    log::Warn("sales-system order skipped: malformed")
        .Str("cursor", event.cursor())
        .Str("problem", v.ToStatus().ToString());
    return absl::OkStatus();
  }
  // Remembered for the key, so that a customer linked to it later takes its last order too.
  Repository::RememberSalesSystemOrder(tx, order.customer_key(), *day);
  std::optional<std::string> customer = Repository::FindBySalesSystemKey(tx, order.customer_key());
  if (!customer) return absl::OkStatus();  // a customer of the sales system not linked to ours
  return ApplyOrder(tx, event.request_id(), *customer, *day, order.number());
}

std::string Churn::SalesSystemOrdersRequest(const std::string& cursor) {
  external::salesys::v1::WatchOrdersRequest req;
  req.set_cursor(cursor);
  return req.SerializeAsString();
}

absl::StatusOr<common::v1::Event> Churn::SalesSystemOrder(const std::string& message) {
  external::salesys::v1::OrderEvent oe;
  if (!oe.ParseFromString(message)) {
    return absl::DataLossError("the sales system's order event does not parse");
  }
  common::v1::Event e;
  e.set_cursor(oe.cursor());
  e.set_type("salesys.order.placed");
  e.set_source("salesys");
  e.set_id(absl::StrCat("salesys-order-", oe.cursor()));
  e.set_aggregate_type("order");
  e.set_aggregate_id(oe.order().id());
  e.mutable_payload()->PackFrom(oe.order());
  return e;
}

absl::Status Churn::ApplyOrder(db::Tx& tx, const std::string& request_id,
                               const std::string& customer_id, absl::CivilDay day,
                               const std::string& order) const {
  auto applied = Repository::ApplyOrder(tx, customer_id, day, RecentFrom(Today()));
  if (!applied) {
    log::Warn("order skipped: unknown customer")
        .Str("customer_id", customer_id)
        .Str("order", order);
    return absl::OkStatus();
  }
  if (applied->recovered) {
    LossAction a;
    a.customer_id = applied->customer_id;
    a.kind = "recovered";
    a.note = absl::StrCat("order ", order, " of ", absl::FormatCivilTime(day));
    Record(tx, outbox_, request_id, a);
  }
  return absl::OkStatus();
}

absl::StatusOr<Customer> Churn::SetSalesSystemKey(db::Conn& conn, const Principal& caller,
                                                  const RequestMeta& meta, const std::string& id,
                                                  const std::string& etag,
                                                  const std::string& key) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.write"));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  const std::string trimmed(validation::TrimSpace(key));
  validation::OptionalText(v, "sales_system_key", trimmed, 100);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Customer> {
    std::optional<Customer> current = Repository::LockInScope(tx, id, caller);
    if (!current) return auth::NotVisible(caller.scope, "customer", id);
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    if (current->sales_system_key == trimmed) return *current;
    if (!trimmed.empty()) {
      if (auto holder = Repository::FindBySalesSystemKey(tx, trimmed)) {
        // The other customer is named only to a caller who may see it.
        const bool visible = Repository::CheckCustomerInScope(tx, *holder, caller, false).ok();
        return absl::AlreadyExistsError(
            absl::StrCat("sales_system_key ", trimmed, " already names ",
                         visible ? absl::StrCat("customer ", *holder) : "another customer"));
      }
    }
    std::optional<Customer> updated =
        Repository::SetSalesSystemKey(tx, id, trimmed, current->version);
    if (!updated) return validation::StaleEtag();
    EmitCustomerChanges(tx, *outbox_, meta, {&*updated}, {});
    // The sales system's orders of this key so far count from now on.
    if (auto last = Repository::SalesSystemLastOrder(tx, trimmed)) {
      CRM_RETURN_IF_ERROR(ApplyOrder(tx, meta.request_id, id, *last, "in the sales system"));
      updated = Repository::Find(tx, id);
    }
    return *updated;
  });
}

absl::StatusOr<int> Churn::Scan(db::Conn& conn, absl::CivilDay today) const {
  const absl::CivilDay cutoff = RecentFrom(today);
  int total = 0;
  while (true) {
    auto warned = conn.Transact([&](db::Tx& tx) -> absl::StatusOr<int> {
      std::vector<std::string> ids =
          Repository::WarnDue(tx, cutoff, today, zone_.name(), kScanBatch);
      for (const auto& id : ids) {
        LossAction a;
        a.customer_id = id;
        a.kind = "warned";
        a.note = absl::StrCat("no order since ", absl::FormatCivilTime(cutoff));
        Record(tx, outbox_, "", a);
      }
      return static_cast<int>(ids.size());
    });
    if (!warned.ok()) return warned.status();
    total += *warned;
    if (*warned < kScanBatch) return total;
  }
}

absl::StatusOr<Customer> Churn::Step(db::Conn& conn, const Principal& caller,
                                     const RequestMeta& meta, const std::string& customer_id,
                                     const LossAction& action, const std::string& etag) const {
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Customer> {
    auto c = Repository::LockInScope(tx, customer_id, caller);
    if (!c) return auth::NotVisible(caller.scope, "customer", customer_id);
    if (expected != 0 && c->version != expected) return validation::StaleEtag();
    if (c->status != CustomerStatus::kLossWarning && c->status != CustomerStatus::kLossDelayed) {
      return absl::FailedPreconditionError(absl::StrCat(
          "customer ", c->id, " is ", StatusName(c->status), ": only a customer with a loss ",
          "warning (or an earlier delay) can have its loss ", action.kind));
    }
    const std::string status = action.kind == "delayed" ? "loss_delayed" : "lost";
    if (!Repository::SetLossStatus(tx, c->id, status, action.delayed_until, c->version)) {
      return validation::StaleEtag();
    }
    LossAction a = action;
    a.customer_id = c->id;
    a.user_id = caller.user_id;
    Record(tx, outbox_, meta.request_id, a);
    return *Repository::Find(tx, c->id);
  });
}

absl::StatusOr<Customer> Churn::Delay(db::Conn& conn, const Principal& caller,
                                      const RequestMeta& meta, const std::string& customer_id,
                                      const std::string& measures,
                                      std::optional<absl::CivilDay> until,
                                      const std::string& etag) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.loss.manage"));
  const absl::CivilDay today = Today();
  Violations v;
  validation::RequiredUuid(v, "customer_id", customer_id);
  validation::RequiredText(v, "measures", measures, 2000, true);
  if (until && *until <= today) v.Add("delay_until", "must be after today");
  if (until && *until > AddMonths(today, 12)) v.Add("delay_until", "must be within a year");
  CRM_RETURN_IF_ERROR(v.ToStatus());
  LossAction a;
  a.kind = "delayed";
  a.note = std::string(validation::TrimSpace(measures));
  a.delayed_until = until ? *until : AddMonths(today, kDefaultDelayMonths);
  return Step(conn, caller, meta, customer_id, a, etag);
}

absl::StatusOr<Customer> Churn::Confirm(db::Conn& conn, const Principal& caller,
                                        const RequestMeta& meta, const std::string& customer_id,
                                        const std::string& reason, const std::string& etag) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.loss.manage"));
  Violations v;
  validation::RequiredUuid(v, "customer_id", customer_id);
  validation::RequiredText(v, "reason", reason, 2000, true);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  LossAction a;
  a.kind = "confirmed";
  a.note = std::string(validation::TrimSpace(reason));
  return Step(conn, caller, meta, customer_id, a, etag);
}

absl::StatusOr<validation::Page<Customer>> Churn::ListWarnings(
    db::Conn& conn, const Principal& caller, const std::string& owner_id, int32_t page_size,
    const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckOptionalId("owner_id", owner_id));
  CRM_ASSIGN_OR_RETURN(int limit, validation::PageSize(page_size, 50, 500));
  CRM_ASSIGN_OR_RETURN(auto keys, validation::DecodePageToken(page_token, owner_id, 2));
  CRM_ASSIGN_OR_RETURN(
      auto after,
      validation::TimeAndIdOf(
          keys, {db::MicrosOf(absl::FromCivil(absl::CivilDay(1900, 1, 1), absl::UTCTimeZone()))}));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<validation::Page<Customer>> {
    return validation::PageOf(
        Repository::LossWarnings(tx, caller, owner_id, after.micros, after.id, limit + 1), limit,
        owner_id, [](const Customer& last) {
          return validation::TimeAndId{
              db::MicrosOf(last.loss_warned_at.value_or(absl::UnixEpoch())), last.id}
              .Keys();
        });
  });
}

absl::StatusOr<std::vector<LossAction>> Churn::Actions(db::Conn& conn, const Principal& caller,
                                                       const std::string& customer_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckId("customer_id", customer_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<LossAction>> {
    CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, customer_id, caller, false));
    return Repository::LossActions(tx, customer_id, kMaxActions);
  });
}

}  // namespace crm::customers_service
