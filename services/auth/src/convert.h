#pragma once
// Domain records ⇄ API messages.

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/auth/v1/resources.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/auth/src/model.h"

namespace crm::auth_service {

v1::User ToProto(const User& u);
v1::Department ToProto(const Department& d);
v1::Role ToProto(const Role& r);
v1::DataScope ToProto(auth::DataScope s);
// kNone for UNSPECIFIED too; callers validate.
auth::DataScope FromProto(v1::DataScope s);

}  // namespace crm::auth_service
