#include "libs/service/directory_lookup.h"

#include "libs/rpc/peer.h"
#include "libs/rpc/status_convert.h"

namespace crm::service {

void LookUpUser(crm::auth::v1::DirectoryService::Stub* directory, const rpc::Call& call,
                const std::string& user_id, absl::string_view field, absl::Duration wait,
                std::function<void(absl::StatusOr<DirectoryUser>)> done) {
  namespace av1 = ::crm::auth::v1;
  av1::GetUserRequest req;
  req.set_id(user_id);
  rpc::CallPeer<av1::GetUserRequest, av1::User>(
      call, wait, std::move(req),
      [directory](auto* ctx, auto* req, auto* resp, auto cb) {
        directory->async()->GetUser(ctx, req, resp, std::move(cb));
      },
      [field = std::string(field), done = std::move(done)](const grpc::Status& status,
                                                           const av1::User& u) {
        if (!status.ok()) return done(rpc::PeerError(status, "auth", field, "a user"));
        done(DirectoryUser{u.id(), u.department_id(), u.state() == av1::USER_STATE_ACTIVE,
                           u.kind() == av1::USER_KIND_HUMAN});
      });
}

}  // namespace crm::service
