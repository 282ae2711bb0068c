#pragma once
// Looking a user up in the auth service's directory on behalf of the caller of an RPC (their
// token and request id go along; at most `wait` of their deadline), e.g. the new owner of a
// hand-over or the assignee of an opportunity.

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "libs/rpc/call.h"

namespace crm::service {

// Runs done(status, user) on a gRPC thread when the directory answers.
void LookUpUser(crm::auth::v1::DirectoryService::Stub* directory, const rpc::Call& call,
                const std::string& user_id, absl::Duration wait,
                std::function<void(const grpc::Status&, const crm::auth::v1::User&)> done);

}  // namespace crm::service
