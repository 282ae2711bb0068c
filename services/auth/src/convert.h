#pragma once
// Domain records ⇄ API messages.

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crm/auth/v1/resources.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/auth/src/model.h"

namespace crm::auth_service {

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out);
std::string Etag(int64_t version);
// 0 for an empty etag; INVALID_ARGUMENT on `field` when malformed.
absl::StatusOr<int64_t> ParseEtag(absl::string_view field, absl::string_view etag);

v1::User ToProto(const User& u);
v1::Department ToProto(const Department& d);
v1::Role ToProto(const Role& r);
v1::DataScope ToProto(auth::DataScope s);
// kNone for UNSPECIFIED too; callers validate.
auth::DataScope FromProto(v1::DataScope s);

}  // namespace crm::auth_service
