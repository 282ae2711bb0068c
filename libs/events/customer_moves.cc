#include "libs/events/customer_moves.h"

#include "crm/customers/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/log/log.h"
#include "libs/status/field_violations.h"
#include "libs/validation/text.h"

namespace crm::events {

absl::StatusOr<CustomerMove> CustomerMoveOf(const common::v1::Event& event) {
  CustomerMove move;
  if (event.type() == "customers.customer.merged") {
    crm::customers::v1::CustomersMerged payload;
    if (!event.payload().UnpackTo(&payload)) {
      return absl::InvalidArgumentError("payload is not CustomersMerged");
    }
    move.kind = CustomerMove::Kind::kMerge;
    move.duplicate_id = payload.merge().duplicate_id();
    move.survivor_id = payload.merge().survivor_id();
    move.survivor_owner_id = payload.survivor().owner_id();
    move.survivor_owner_department_id = payload.survivor().owner_department_id();
    Violations v;
    validation::RequiredUuid(v, "duplicate_id", move.duplicate_id);
    validation::RequiredUuid(v, "survivor_id", move.survivor_id);
    if (!v.empty()) return v.ToStatus();
    return move;
  }
  if (event.type() != "customers.handover.completed") {
    return absl::InvalidArgumentError("not a hand-over or a merge");
  }
  crm::customers::v1::CustomersHandedOver payload;
  if (!event.payload().UnpackTo(&payload)) {
    return absl::InvalidArgumentError("payload is not CustomersHandedOver");
  }
  const auto& h = payload.handover();
  move.customer_ids.assign(h.customer_ids().begin(), h.customer_ids().end());
  move.from_user_id = h.from_user_id();
  move.to_user_id = h.to_user_id();
  move.to_department_id = h.to_department_id();
  move.by_user_id = ids::IsUuid(h.create_user_id()) ? h.create_user_id() : "";
  Violations v;
  validation::RequiredUuid(v, "from_user_id", move.from_user_id);
  validation::RequiredUuid(v, "to_user_id", move.to_user_id);
  validation::OptionalUuid(v, "to_department_id", move.to_department_id);
  for (const auto& id : move.customer_ids) validation::RequiredUuid(v, "customer_ids", id);
  if (!v.empty()) return v.ToStatus();
  return move;
}

absl::Status SkipEvent(const common::v1::Event& event, const absl::Status& why) {
  log::Warn("event skipped")
      .Str("event_id", event.id())
      .Str("type", event.type())
      .Str("why", std::string(why.message()));
  return absl::OkStatus();
}

std::unique_ptr<Follower> FollowCustomerMoves(std::shared_ptr<grpc::Channel> channel,
                                              std::function<absl::StatusOr<std::string>()> token,
                                              const std::string& conninfo,
                                              const std::string& schema, Follower::Apply apply,
                                              prometheus::Registry* metrics) {
  Follower::Options o;
  o.metrics = metrics;
  o.stream = "customers";
  o.channel = std::move(channel);
  o.method = "/crm.customers.v1.CustomersService/WatchEvents";
  o.types = {"customers.handover.completed", "customers.customer.merged"};
  o.token = std::move(token);
  return std::make_unique<Follower>(o, conninfo, schema, std::move(apply));
}

}  // namespace crm::events
