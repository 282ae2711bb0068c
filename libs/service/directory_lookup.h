#pragma once
// Looking a user up in the auth service's directory on behalf of the caller of an RPC (their
// token and request id go along; at most `wait` of their deadline), e.g. the new owner of a
// hand-over or the assignee of an opportunity.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "libs/rpc/call.h"
#include "libs/service/directory_user.h"

namespace crm::service {

// Runs done on a gRPC thread with the user, or what the failure means for the caller's
// request (rpc::PeerError on `field`).
void LookUpUser(crm::auth::v1::DirectoryService::Stub* directory, const rpc::Call& call,
                const std::string& user_id, absl::string_view field, absl::Duration wait,
                std::function<void(absl::StatusOr<DirectoryUser>)> done);

}  // namespace crm::service
