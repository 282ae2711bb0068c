#pragma once
// absl::Status ⇄ grpc::Status, in one place. The codes are numerically equal; payloads (such
// as google.rpc.BadRequest field violations) travel as google.rpc.Status details in the
// grpc-status-details-bin trailer, the standard way clients in every language read them.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "google/rpc/status.pb.h"

namespace crm::rpc {

grpc::Status ToGrpcStatus(const absl::Status& status);
// The status as a google.rpc.Status message (code, message, details), for statuses carried
// inside responses (per-row results of bulk calls).
google::rpc::Status ToStatusProto(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace crm::rpc
