#pragma once
// What the customers service's hand-overs and merges mean for the records of other services
// that belong to a customer and its owner (opportunities, contracts, …), and the follower
// that brings them to such a service:
//
//   customers.handover.completed — the customers' records owned by the previous owner go to
//     the new one;
//   customers.customer.merged — the duplicate's records name the survivor.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crm/common/v1/events.pb.h"
#include "libs/events/follower.h"

namespace crm::events {

struct CustomerMove {
  enum class Kind { kHandover, kMerge };
  Kind kind = Kind::kHandover;
  // A hand-over: these customers, from one owner to another (and their department), by whom.
  std::vector<std::string> customer_ids;
  std::string from_user_id;
  std::string to_user_id;
  std::string to_department_id;
  std::string by_user_id;
  // A merge, and the survivor's owner and department (for records that follow the
  // customer's owner; empty when the event did not carry the survivor).
  std::string duplicate_id;
  std::string survivor_id;
  std::string survivor_owner_id;
  std::string survivor_owner_department_id;
};

// The move an event of the customers service describes; INVALID_ARGUMENT saying why when it
// is not one (another type, a malformed payload).
absl::StatusOr<CustomerMove> CustomerMoveOf(const common::v1::Event& event);

// For an event that is not a move: logs why it is skipped; OK (the follower goes on).
absl::Status SkipEvent(const common::v1::Event& event, const absl::Status& why);

// A follower (not started) of the customers service's hand-overs and merges on `channel`
// (the customers service), with the bearer tokens of `token`, into `schema`; its metrics into
// `metrics`.
std::unique_ptr<Follower> FollowCustomerMoves(std::shared_ptr<grpc::Channel> channel,
                                              std::function<absl::StatusOr<std::string>()> token,
                                              const std::string& conninfo,
                                              const std::string& schema, Follower::Apply apply,
                                              prometheus::Registry* metrics);

}  // namespace crm::events
