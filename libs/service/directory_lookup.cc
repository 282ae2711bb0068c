#include "libs/service/directory_lookup.h"

namespace crm::service {

void LookUpUser(crm::auth::v1::DirectoryService::Stub* directory, const rpc::Call& call,
                const std::string& user_id, absl::Duration wait,
                std::function<void(const grpc::Status&, const crm::auth::v1::User&)> done) {
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
      [lookup, done = std::move(done)](grpc::Status status) { done(status, lookup->user); });
}

}  // namespace crm::service
