#pragma once
// absl::Status ⇄ grpc::Status, in one place. The codes are numerically equal; payloads (such
// as google.rpc.BadRequest field violations) travel as google.rpc.Status details in the
// grpc-status-details-bin trailer, the standard way clients in every language read them.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/status.pb.h"

namespace crm::rpc {

grpc::Status ToGrpcStatus(const absl::Status& status);
// The status as a google.rpc.Status message (code, message, details), for statuses carried
// inside responses (per-row results of bulk calls).
google::rpc::Status ToStatusProto(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// What a failed call to another service (`service`, e.g. "auth") means for this one:
// unreachable is UNAVAILABLE, saying nothing was changed; a record the caller may not see there
// is a bad `field` here ("is not <what> you can see"); anything else keeps its code.
absl::Status PeerError(const grpc::Status& status, absl::string_view service,
                       absl::string_view field, absl::string_view what);

}  // namespace crm::rpc
