#include "libs/service/directory_lookup.h"

#include "libs/rpc/status_convert.h"

namespace crm::service {

void LookUpUser(crm::auth::v1::DirectoryService::Stub* directory, const rpc::Call& call,
                const std::string& user_id, absl::string_view field, absl::Duration wait,
                std::function<void(absl::StatusOr<DirectoryUser>)> done) {
  struct Lookup {
    grpc::ClientContext ctx;
    crm::auth::v1::GetUserRequest req;
    crm::auth::v1::User user;
  };
  auto lookup = std::make_shared<Lookup>();
  call.ForwardTo(&lookup->ctx, wait);
  lookup->req.set_id(user_id);
  directory->async()->GetUser(
      &lookup->ctx, &lookup->req, &lookup->user,
      [lookup, field = std::string(field), done = std::move(done)](grpc::Status status) {
        if (!status.ok()) return done(rpc::PeerError(status, "auth", field, "a user"));
        const crm::auth::v1::User& u = lookup->user;
        done(DirectoryUser{u.id(), u.department_id(), u.state() == crm::auth::v1::USER_STATE_ACTIVE,
                           u.kind() == crm::auth::v1::USER_KIND_HUMAN});
      });
}

}  // namespace crm::service
