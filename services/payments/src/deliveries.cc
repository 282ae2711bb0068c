#include "services/payments/src/deliveries.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crm/payments/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/status/status_macros.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/payments/src/convert.h"
#include "services/payments/src/repository.h"

namespace crm::payments_service {
namespace {

using auth::Principal;

constexpr char kRead[] = "payments.read";
constexpr char kDeliver[] = "payments.deliveries.write";
constexpr int64_t kMaxQuantity = 1'000'000'000;

}  // namespace

void Deliveries::Emit(db::Tx& tx, const RequestMeta& meta, const char* type,
                      const Delivery& d) const {
  v1::DeliveryChanged e;
  *e.mutable_delivery() = ToProto(d);
  outbox_->Append(tx, {type, "receivable", d.contract_id, &e, meta.actor_id, meta.request_id});
}

absl::StatusOr<Delivery> Deliveries::Create(db::Conn& conn, const Principal& caller,
                                            const RequestMeta& meta, const std::string& request_id,
                                            Delivery d) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kDeliver));
  Violations v;
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "delivery.contract_id", d.contract_id);
  if (d.line_position < 1) v.Add("delivery.line_position", "must be a line's position (1, 2, …)");
  if (d.quantity < 1 || d.quantity > kMaxQuantity) {
    v.Add("delivery.quantity", absl::StrCat("must be between 1 and ", kMaxQuantity));
  }
  d.note = std::string(validation::TrimSpace(d.note));
  validation::OptionalText(v, "delivery.note", d.note, 2000, true);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  d.id = ids::NewUuidV7();
  d.created_by = caller.user_id;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Delivery> {
    // The receivable is locked before anything is written (see Receivables::Record).
    CRM_RETURN_IF_ERROR(receivables_->Lock(tx, caller, d.contract_id).status());
    CRM_ASSIGN_OR_RETURN(
        auto earlier, request_log_->Claim(tx, caller.user_id, request_id, "CreateDelivery", d.id));
    if (earlier) {
      std::optional<Delivery> found = Repository::FindDelivery(tx, *earlier);
      if (!found) return auth::NotVisible(caller.scope, "delivery", *earlier);
      if (!absl::EqualsIgnoreCase(found->contract_id, d.contract_id)) {
        return InvalidField("request_id", "was used for a delivery of another contract");
      }
      return *found;
    }
    // Read again now that the lock is held: the statement that took it saw the deliveries
    // committed before it waited, not those of the transaction it waited for.
    Receivable r = *Repository::Find(tx, d.contract_id, receivables_->Today());
    if (r.status == ReceivableStatus::kTerminated) {
      return absl::FailedPreconditionError(absl::StrCat(
          "contract ", r.contract_number, " was terminated; nothing more is delivered"));
    }
    const Line* line = nullptr;
    for (const Line& l : r.lines) {
      if (l.position == d.line_position) line = &l;
    }
    if (line == nullptr) {
      return InvalidField(
          "delivery.line_position",
          absl::StrCat("contract ", r.contract_number, " has lines 1 to ", r.lines.size()));
    }
    const int64_t left = line->quantity - line->delivered;
    if (d.quantity > left) {
      return absl::FailedPreconditionError(
          absl::StrCat("delivery.quantity: ", d.quantity, " is more than the ", left, " of line ",
                       line->position, " (", line->product_name, ") of contract ",
                       r.contract_number, " not yet delivered"));
    }
    Repository::InsertDelivery(tx, d);
    Delivery created = *Repository::FindDelivery(tx, d.id);
    Emit(tx, meta, "payments.delivery.created", created);
    return created;
  });
}

absl::StatusOr<Delivery> Deliveries::Ship(db::Conn& conn, const Principal& caller,
                                          const RequestMeta& meta, const std::string& id,
                                          const std::string& etag) const {
  return Advance(conn, caller, meta, id, etag, DeliveryStatus::kPending, DeliveryStatus::kShipped);
}

absl::StatusOr<Delivery> Deliveries::Accept(db::Conn& conn, const Principal& caller,
                                            const RequestMeta& meta, const std::string& id,
                                            const std::string& etag) const {
  return Advance(conn, caller, meta, id, etag, DeliveryStatus::kShipped, DeliveryStatus::kAccepted);
}

absl::StatusOr<Delivery> Deliveries::Advance(db::Conn& conn, const Principal& caller,
                                             const RequestMeta& meta, const std::string& id,
                                             const std::string& etag, DeliveryStatus from,
                                             DeliveryStatus to) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kDeliver));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Delivery> {
    std::optional<Delivery> found = Repository::FindDelivery(tx, id);
    if (!found) return auth::NotVisible(caller.scope, "delivery", id);
    // Out of scope reads as the delivery's absence (not its contract's).
    std::optional<Receivable> locked =
        Repository::Get(tx, found->contract_id, caller, receivables_->Today(), /*lock=*/true);
    if (!locked) return auth::NotVisible(caller.scope, "delivery", id);
    const Receivable& r = *locked;
    const Delivery current = *Repository::FindDelivery(tx, id);  // under the lock
    if (current.status == to && expected == 0) return current;   // a retry
    if (expected != 0 && current.version != expected) return validation::StaleEtag();
    if (current.status != from) {
      return absl::FailedPreconditionError(
          absl::StrCat("delivery ", id, " is ", DeliveryStatusName(current.status), "; only a ",
                       DeliveryStatusName(from), " delivery becomes ", DeliveryStatusName(to)));
    }
    if (r.status == ReceivableStatus::kTerminated) {
      return absl::FailedPreconditionError(absl::StrCat(
          "contract ", r.contract_number, " was terminated; its deliveries are closed"));
    }
    std::optional<Delivery> moved =
        Repository::AdvanceDelivery(tx, id, current.version, to, caller.user_id);
    if (!moved) return validation::StaleEtag();
    Emit(
        tx, meta,
        to == DeliveryStatus::kShipped ? "payments.delivery.shipped" : "payments.delivery.accepted",
        *moved);
    if (to == DeliveryStatus::kAccepted) receivables_->SettleOrReopen(tx, meta, r.contract_id);
    return *moved;
  });
}

absl::StatusOr<std::vector<Delivery>> Deliveries::List(db::Conn& conn, const Principal& caller,
                                                       const std::string& contract_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("contract_id", contract_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<Delivery>> {
    if (!Repository::Get(tx, contract_id, caller, receivables_->Today(), /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "receivable", contract_id);
    }
    return Repository::Deliveries(tx, contract_id);
  });
}

}  // namespace crm::payments_service
