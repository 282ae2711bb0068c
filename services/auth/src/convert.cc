#include "services/auth/src/convert.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/enums/enum_table.h"
#include "libs/proto_time/proto_time.h"
#include "libs/validation/updates.h"

namespace crm::auth_service {

using proto_time::SetTimestamp;

v1::User ToProto(const User& u) {
  v1::User p;
  p.set_id(u.id);
  p.set_username(u.username);
  p.set_display_name(u.display_name);
  p.set_email(u.email);
  p.set_phone(u.phone);
  p.set_department_id(u.department_id);
  p.set_manager_id(u.manager_id);
  for (const auto& r : u.roles) p.add_roles(r);
  p.set_state(u.active ? v1::USER_STATE_ACTIVE : v1::USER_STATE_DISABLED);
  p.set_kind(u.service_account ? v1::USER_KIND_SERVICE : v1::USER_KIND_HUMAN);
  SetTimestamp(u.created_at, p.mutable_create_time());
  SetTimestamp(u.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(u.version));
  if (u.locked_until) SetTimestamp(*u.locked_until, p.mutable_lock_expire_time());
  if (u.last_login_at) SetTimestamp(*u.last_login_at, p.mutable_last_login_time());
  return p;
}

v1::Department ToProto(const Department& d) {
  v1::Department p;
  p.set_id(d.id);
  p.set_name(d.name);
  p.set_parent_id(d.parent_id);
  p.set_manager_id(d.manager_id);
  SetTimestamp(d.created_at, p.mutable_create_time());
  SetTimestamp(d.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(d.version));
  return p;
}

namespace {

constexpr enums::Pair<auth::DataScope, v1::DataScope> kScopes[] = {
    {auth::DataScope::kNone, v1::DATA_SCOPE_NONE},
    {auth::DataScope::kOwn, v1::DATA_SCOPE_OWN},
    {auth::DataScope::kDepartment, v1::DATA_SCOPE_DEPARTMENT},
    {auth::DataScope::kAll, v1::DATA_SCOPE_ALL}};

}  // namespace

v1::DataScope ToProto(auth::DataScope s) { return enums::Lookup(kScopes, s, v1::DATA_SCOPE_NONE); }

auth::DataScope FromProto(v1::DataScope s) {
  return enums::ReverseLookup(kScopes, s, auth::DataScope::kNone);
}

v1::Role ToProto(const Role& r) {
  v1::Role p;
  p.set_name(r.name);
  p.set_display_name(r.display_name);
  p.set_description(r.description);
  p.set_data_scope(ToProto(r.data_scope));
  for (const auto& perm : r.permissions) p.add_permissions(perm);
  p.set_builtin(r.builtin);
  SetTimestamp(r.created_at, p.mutable_create_time());
  SetTimestamp(r.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(r.version));
  return p;
}

}  // namespace crm::auth_service
