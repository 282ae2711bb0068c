#include "services/auth/src/directory.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crm/auth/v1/events.pb.h"
#include "libs/auth/scope.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/paging.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/auth/src/convert.h"
#include "services/auth/src/repository.h"

namespace crm::auth_service {
namespace {

using auth::DataScope;
using auth::Principal;

// Directory data is the admin's business: auth.users.write sees every user.
DataScope UserScope(const Principal& p) {
  return p.Can("auth.users.write") ? DataScope::kAll : p.scope;
}

bool ValidUsername(absl::string_view s) {
  if (s.empty() || s.size() > 64 || !absl::ascii_isalnum(s[0])) return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@')) return false;
  }
  return true;
}

void ValidateProfile(Violations& v, const std::string& prefix, const User& u,
                     const std::vector<std::string>* mask) {
  auto check = [&](absl::string_view f) { return mask == nullptr || validation::InMask(*mask, f); };
  if (check("display_name") && !u.display_name.empty()) {
    validation::MaxChars(v, prefix + "display_name", u.display_name, 100);
  }
  if (check("email")) validation::OptionalEmail(v, prefix + "email", u.email);
  if (check("phone")) validation::OptionalPhone(v, prefix + "phone", u.phone);
  if (check("department_id"))
    validation::OptionalUuid(v, prefix + "department_id", u.department_id);
  if (check("manager_id")) validation::OptionalUuid(v, prefix + "manager_id", u.manager_id);
}

// Checks that referenced records exist, inside the transaction.
absl::Status CheckUserReferences(db::Tx& tx, const std::string& prefix, const User& u) {
  Violations v;
  if (!u.department_id.empty() && !Repository::FindDepartment(tx, u.department_id)) {
    v.Add(prefix + "department_id", "no such department");
  }
  if (!u.manager_id.empty()) {
    if (u.manager_id == u.id) {
      v.Add(prefix + "manager_id", "a user cannot be their own manager");
    } else if (!Repository::FindUser(tx, u.manager_id)) {
      v.Add(prefix + "manager_id", "no such user");
    }
  }
  return v.ToStatus();
}

// The roles `caller` gives someone: known; of one record scope at most (a token carries one
// scope for all its permissions, so an own-scope role's writes would take another role's
// wider scope); and a role that manages users or roles only from a caller who may change
// roles (auth.roles.write), so that auth.users.write alone cannot make an administrator.
absl::Status CheckRoles(db::Tx& tx, const Principal& caller, const std::string& field,
                        const std::vector<std::string>& roles) {
  Violations v;
  for (const auto& r : Repository::UnknownRoles(tx, roles)) {
    v.Add(field, absl::StrCat("unknown role \"", r, "\""));
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  std::optional<Role> scoped;
  for (const auto& name : roles) {
    const Role role = *Repository::FindRole(tx, name);
    if (role.data_scope != auth::DataScope::kNone) {
      if (scoped && scoped->data_scope != role.data_scope) {
        v.Add(field, absl::StrCat("roles \"", scoped->name, "\" and \"", name,
                                  "\" see different records; a user's roles share one scope"));
      }
      if (!scoped) scoped = role;
    }
    const bool directory =
        std::any_of(role.permissions.begin(), role.permissions.end(), [](const std::string& p) {
          return absl::StartsWith(p, "auth.") && absl::EndsWith(p, ".write");
        });
    if (directory && !caller.Can("auth.roles.write")) {
      return absl::PermissionDeniedError(absl::StrCat(
          "role \"", name, "\" manages users or roles; giving it needs auth.roles.write"));
    }
  }
  return v.ToStatus();
}

std::vector<std::string> Dedup(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

void Emit(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta, const char* type,
          const char* aggregate, const std::string& id, const google::protobuf::Message& payload) {
  outbox->Append(tx, {type, aggregate, id, &payload, meta.actor_id, meta.request_id});
}

void EmitUser(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta, const char* type,
              const User& u) {
  v1::UserChanged e;
  *e.mutable_user() = ToProto(u);
  Emit(tx, outbox, meta, type, "user", u.id, e);
}

bool HasRole(const std::vector<std::string>& roles, absl::string_view role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

// Call after a change that took the admin role from an active user (or disabled an admin):
// fails the transaction if no active admin remains.
absl::Status KeepAnAdmin(db::Tx& tx) {
  // Changes that may remove an administrator wait for each other, so that two of them cannot
  // each count the other's administrator and together leave none.
  tx.exec("SELECT pg_advisory_xact_lock(hashtext('auth.admins'))");
  if (Repository::CountActiveAdmins(tx) > 0) return absl::OkStatus();
  return absl::FailedPreconditionError("at least one active user must keep the admin role");
}

}  // namespace

// ---------------------------------------------------------------- departments

absl::StatusOr<Department> Directory::CreateDepartment(db::Conn& conn, const Principal& caller,
                                                       const RequestMeta& meta,
                                                       const std::string& request_id,
                                                       Department d) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.departments.write"));
  Violations v;
  db::CheckRequestId(v, request_id);
  validation::Name(v, "department.name", d.name, 100);
  validation::OptionalUuid(v, "department.parent_id", d.parent_id);
  validation::OptionalUuid(v, "department.manager_id", d.manager_id);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  d.name = std::string(validation::TrimSpace(d.name));
  d.id = ids::NewUuidV7();
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Department> {
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, request_id,
                                                           "CreateDepartment", d.id));
    if (earlier) {
      auto existing = Repository::FindDepartment(tx, *earlier);
      if (!existing) return absl::NotFoundError("the department this request created was deleted");
      return *existing;
    }
    Violations refs;
    if (!d.parent_id.empty() && !Repository::FindDepartment(tx, d.parent_id)) {
      refs.Add("department.parent_id", "no such department");
    }
    if (!d.manager_id.empty() && !Repository::FindUser(tx, d.manager_id)) {
      refs.Add("department.manager_id", "no such user");
    }
    CRM_RETURN_IF_ERROR(refs.ToStatus());
    Repository::InsertDepartment(tx, d);
    auto created = Repository::FindDepartment(tx, d.id);
    v1::DepartmentChanged e;
    *e.mutable_department() = ToProto(*created);
    Emit(tx, outbox_, meta, "auth.department.created", "department", d.id, e);
    return *created;
  });
}

absl::StatusOr<Department> Directory::GetDepartment(db::Conn& conn, const Principal& caller,
                                                    const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.departments.read"));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Department> {
    auto d = Repository::FindDepartment(tx, id);
    if (!d) return absl::NotFoundError(absl::StrCat("department ", id, " not found"));
    return *d;
  });
}

absl::StatusOr<validation::Page<Department>> Directory::ListDepartments(
    db::Conn& conn, const Principal& caller, const std::string& parent_id, int32_t page_size,
    const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.departments.read"));
  CRM_RETURN_IF_ERROR(validation::CheckOptionalId("parent_id", parent_id));
  CRM_ASSIGN_OR_RETURN(int limit, validation::PageSize(page_size));
  const std::string filters = absl::StrCat("parent=", parent_id);
  CRM_ASSIGN_OR_RETURN(auto keys, validation::DecodePageToken(page_token, filters, 1));
  const std::string after = keys.empty() ? "" : keys[0];
  CRM_RETURN_IF_ERROR(validation::CheckOptionalId("page_token", after));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<validation::Page<Department>> {
    return validation::PageOf(Repository::ListDepartments(tx, parent_id, after, limit + 1), limit,
                              filters, validation::IdKey<Department>);
  });
}

absl::StatusOr<Department> Directory::UpdateDepartment(db::Conn& conn, const Principal& caller,
                                                       const RequestMeta& meta,
                                                       const Department& patch,
                                                       const std::string& etag,
                                                       const std::vector<std::string>& mask) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.departments.write"));
  Violations v;
  validation::RequiredUuid(v, "department.id", patch.id);
  if (validation::InMask(mask, "name")) validation::Name(v, "department.name", patch.name, 100);
  if (validation::InMask(mask, "parent_id"))
    validation::OptionalUuid(v, "department.parent_id", patch.parent_id);
  if (validation::InMask(mask, "manager_id")) {
    validation::OptionalUuid(v, "department.manager_id", patch.manager_id);
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_RETURN_IF_ERROR(validation::CheckMask(mask, {"name", "parent_id", "manager_id"}));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("department.etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Department> {
    auto current = Repository::FindDepartment(tx, patch.id);
    if (!current) return absl::NotFoundError(absl::StrCat("department ", patch.id, " not found"));
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    Department next = *current;
    if (validation::InMask(mask, "name"))
      next.name = std::string(validation::TrimSpace(patch.name));
    if (validation::InMask(mask, "manager_id")) next.manager_id = patch.manager_id;
    if (validation::InMask(mask, "parent_id")) next.parent_id = patch.parent_id;
    Violations refs;
    if (validation::InMask(mask, "parent_id") && !next.parent_id.empty()) {
      if (!Repository::FindDepartment(tx, next.parent_id)) {
        refs.Add("department.parent_id", "no such department");
      } else {
        // Moves wait for each other, so that two cannot each see the tree before the other
        // and together make a cycle.
        tx.exec("SELECT pg_advisory_xact_lock(hashtext('auth.department_tree'))");
        auto subtree = Repository::DepartmentSubtree(tx, next.id);
        if (std::find(subtree.begin(), subtree.end(), next.parent_id) != subtree.end()) {
          refs.Add("department.parent_id", "cannot move a department under itself or its subtree");
        }
      }
    }
    if (validation::InMask(mask, "manager_id") && !next.manager_id.empty() &&
        !Repository::FindUser(tx, next.manager_id)) {
      refs.Add("department.manager_id", "no such user");
    }
    CRM_RETURN_IF_ERROR(refs.ToStatus());
    if (!Repository::UpdateDepartment(tx, next, current->version)) return validation::StaleEtag();
    auto updated = Repository::FindDepartment(tx, next.id);
    v1::DepartmentChanged e;
    *e.mutable_department() = ToProto(*updated);
    Emit(tx, outbox_, meta, "auth.department.updated", "department", next.id, e);
    return *updated;
  });
}

absl::Status Directory::DeleteDepartment(db::Conn& conn, const Principal& caller,
                                         const RequestMeta& meta, const std::string& id,
                                         const std::string& etag) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.departments.write"));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    auto current = Repository::FindDepartment(tx, id);
    if (!current) return absl::NotFoundError(absl::StrCat("department ", id, " not found"));
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    if (Repository::DepartmentHasMembers(tx, id)) {
      return absl::FailedPreconditionError(
          "the department still has sub-departments or users; move them first");
    }
    if (!Repository::DeleteDepartment(tx, id, current->version)) return validation::StaleEtag();
    v1::DepartmentChanged e;
    *e.mutable_department() = ToProto(*current);
    Emit(tx, outbox_, meta, "auth.department.deleted", "department", id, e);
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------- users

absl::Status Directory::ValidateCreateUser(const Principal& caller, const std::string& request_id,
                                           const User& u,
                                           absl::string_view initial_password) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  Violations v;
  db::CheckRequestId(v, request_id);
  if (u.username.empty()) {
    v.Add("user.username", "is required");
  } else if (!ValidUsername(u.username)) {
    v.Add("user.username",
          "must be 1-64 letters, digits or . _ - @, starting with a letter or digit");
  }
  ValidateProfile(v, "user.", u, nullptr);
  if (std::string problem = PasswordProblem(initial_password, u.username); !problem.empty()) {
    v.Add("initial_password", problem);
  }
  return v.ToStatus();
}

absl::StatusOr<User> Directory::CreateUser(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const std::string& request_id,
                                           User u, const std::string& password_hash) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  u.id = ids::NewUuidV7();
  u.roles = Dedup(std::move(u.roles));
  u.active = true;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<User> {
    CRM_ASSIGN_OR_RETURN(auto earlier,
                         request_log_->Claim(tx, caller.user_id, request_id, "CreateUser", u.id));
    if (earlier) {
      auto existing = Repository::FindUser(tx, *earlier);
      if (!existing) return absl::NotFoundError("the user this request created no longer exists");
      return *existing;
    }
    CRM_RETURN_IF_ERROR(CheckUserReferences(tx, "user.", u));
    CRM_RETURN_IF_ERROR(CheckRoles(tx, caller, "user.roles", u.roles));
    if (Repository::FindCredentialsByName(tx, u.username)) {
      return absl::AlreadyExistsError(absl::StrCat("username \"", u.username, "\" is taken"));
    }
    Repository::InsertUser(tx, u, password_hash);
    auto created = Repository::FindUser(tx, u.id);
    EmitUser(tx, outbox_, meta,
             u.service_account ? "auth.service_account.created" : "auth.user.created", *created);
    return *created;
  });
}

void Directory::GetUser(db::Reader& reader, const Principal& caller, const std::string& id,
                        db::Callback<User> done) const {
  // Anyone may read themselves; anyone else needs the permission, checked before the input.
  const bool self = id == caller.user_id;
  if (!self) {
    if (absl::Status s = auth::Require(caller, "auth.users.read"); !s.ok()) return done(s);
  }
  if (absl::Status s = validation::CheckId("id", id); !s.ok()) return done(s);
  const DataScope scope = self ? DataScope::kAll : UserScope(caller);
  reader.Submit(Repository::FindUserInScope(id, caller, scope),
                [done = std::move(done), scope, id](absl::StatusOr<db::Rows> rows) mutable {
                  if (!rows.ok()) return done(rows.status());
                  std::optional<User> u = Repository::UserOf(*rows);
                  if (!u) return done(auth::NotVisible(scope, "user", id));
                  done(*std::move(u));
                });
}

void Directory::LookupUserNames(db::Reader& reader, const std::vector<std::string>& ids,
                                db::Callback<std::vector<UserName>> done) const {
  Violations v;
  if (ids.size() > 100) v.Add("ids", "must name at most 100 users");
  for (size_t i = 0; i < ids.size() && i < 100; ++i) {
    validation::RequiredUuid(v, absl::StrCat("ids[", i, "]"), ids[i]);
  }
  if (absl::Status s = v.ToStatus(); !s.ok()) return done(s);
  if (ids.empty()) return done(std::vector<UserName>{});
  reader.Submit(Repository::UserNames(ids),
                [done = std::move(done)](absl::StatusOr<db::Rows> rows) mutable {
                  if (!rows.ok()) return done(rows.status());
                  done(Repository::UserNamesOf(*rows));
                });
}

absl::StatusOr<validation::Page<User>> Directory::ListUsers(db::Conn& conn, const Principal& caller,
                                                            const UserQuery& q) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.read"));
  Violations v;
  validation::OptionalUuid(v, "department_id", q.department_id);
  if (!q.role.empty() && q.role.size() > 63) v.Add("role", "is not a role name");
  validation::MaxChars(v, "query", q.query, 100);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int limit, validation::PageSize(q.page_size));
  const std::string filters = absl::StrCat(q.department_id, "|", q.include_subdepartments, "|",
                                           q.role, "|", q.state, "|", q.query);
  CRM_ASSIGN_OR_RETURN(auto keys, validation::DecodePageToken(q.page_token, filters, 1));
  const std::string after = keys.empty() ? "" : keys[0];
  CRM_RETURN_IF_ERROR(validation::CheckOptionalId("page_token", after));
  const DataScope scope = UserScope(caller);
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<validation::Page<User>> {
    UserFilter f;
    if (!q.department_id.empty()) {
      f.department_ids = q.include_subdepartments
                             ? Repository::DepartmentSubtree(tx, q.department_id)
                             : std::vector<std::string>{q.department_id};
      if (f.department_ids.empty()) f.department_ids = {q.department_id};
    }
    f.role = q.role;
    f.state = q.state;
    const std::string needle(validation::TrimSpace(q.query));
    if (!needle.empty()) {
      std::string pattern = "%";
      for (char c : needle) {
        if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
        pattern.push_back(c);
      }
      f.pattern = pattern + "%";
    }
    return validation::PageOf(Repository::ListUsers(tx, f, caller, scope, after, limit + 1), limit,
                              filters, validation::IdKey<User>);
  });
}

absl::StatusOr<User> Directory::UpdateUser(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const User& patch,
                                           const std::string& etag,
                                           const std::vector<std::string>& mask) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  Violations v;
  validation::RequiredUuid(v, "user.id", patch.id);
  ValidateProfile(v, "user.", patch, &mask);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_RETURN_IF_ERROR(validation::CheckMask(
      mask, {"display_name", "email", "phone", "department_id", "manager_id", "state"}));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("user.etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<User> {
    auto current = Repository::FindUser(tx, patch.id);
    if (!current) return absl::NotFoundError(absl::StrCat("user ", patch.id, " not found"));
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    User next = *current;
    if (validation::InMask(mask, "display_name")) next.display_name = patch.display_name;
    if (validation::InMask(mask, "email")) next.email = patch.email;
    if (validation::InMask(mask, "phone")) next.phone = patch.phone;
    if (validation::InMask(mask, "department_id")) next.department_id = patch.department_id;
    if (validation::InMask(mask, "manager_id")) next.manager_id = patch.manager_id;
    if (validation::InMask(mask, "state")) next.active = patch.active;
    CRM_RETURN_IF_ERROR(CheckUserReferences(tx, "user.", next));
    if (!Repository::UpdateUser(tx, next, current->version)) return validation::StaleEtag();
    if (current->active && !next.active) {
      if (HasRole(current->roles, "admin")) CRM_RETURN_IF_ERROR(KeepAnAdmin(tx));
      Repository::RevokeUserSessions(tx, next.id, "user_disabled");
      v1::SessionRevoked e;
      e.set_user_id(next.id);
      e.set_reason("user_disabled");
      Emit(tx, outbox_, meta, "auth.session.revoked", "user", next.id, e);
    }
    auto updated = Repository::FindUser(tx, next.id);
    EmitUser(tx, outbox_, meta, "auth.user.updated", *updated);
    return *updated;
  });
}

absl::StatusOr<User> Directory::SetUserRoles(db::Conn& conn, const Principal& caller,
                                             const RequestMeta& meta, const std::string& user_id,
                                             std::vector<std::string> roles,
                                             const std::string& etag) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  CRM_RETURN_IF_ERROR(validation::CheckId("user_id", user_id));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  if (absl::EqualsIgnoreCase(user_id, caller.user_id)) {
    return absl::PermissionDeniedError("a user's own roles are changed by someone else");
  }
  roles = Dedup(std::move(roles));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<User> {
    auto current = Repository::FindUser(tx, user_id);
    if (!current) return absl::NotFoundError(absl::StrCat("user ", user_id, " not found"));
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    CRM_RETURN_IF_ERROR(CheckRoles(tx, caller, "roles", roles));
    Repository::SetUserRoles(tx, user_id, roles);
    if (!Repository::TouchUser(tx, user_id, current->version)) return validation::StaleEtag();
    if (current->active && HasRole(current->roles, "admin") && !HasRole(roles, "admin")) {
      CRM_RETURN_IF_ERROR(KeepAnAdmin(tx));
    }
    v1::UserRolesChanged e;
    e.set_user_id(user_id);
    for (const auto& r : current->roles) e.add_previous_roles(r);
    for (const auto& r : roles) e.add_roles(r);
    Emit(tx, outbox_, meta, "auth.user.roles_changed", "user", user_id, e);
    return *Repository::FindUser(tx, user_id);
  });
}

absl::Status Directory::ValidateResetPassword(const Principal& caller, const std::string& user_id,
                                              absl::string_view password) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  Violations v;
  validation::RequiredUuid(v, "user_id", user_id);
  if (std::string problem = PasswordProblem(password, ""); !problem.empty()) {
    v.Add("new_password", problem);
  }
  return v.ToStatus();
}

absl::StatusOr<User> Directory::ResetUserPassword(db::Conn& conn, const Principal& caller,
                                                  const RequestMeta& meta,
                                                  const std::string& user_id,
                                                  absl::string_view password,
                                                  const std::string& password_hash) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<User> {
    auto current = Repository::FindUser(tx, user_id);
    if (!current) return absl::NotFoundError(absl::StrCat("user ", user_id, " not found"));
    if (std::string problem = PasswordProblem(password, current->username); !problem.empty()) {
      return InvalidField("new_password", problem);
    }
    if (current->service_account) {
      return absl::FailedPreconditionError(
          "service accounts have secrets, not passwords; use RotateServiceAccountSecret");
    }
    Repository::SetPassword(tx, user_id, password_hash, "");
    Repository::RevokeUserSessions(tx, user_id, "password_reset");
    v1::PasswordChanged e;
    e.set_user_id(user_id);
    Emit(tx, outbox_, meta, "auth.password.reset", "user", user_id, e);
    v1::SessionRevoked r;
    r.set_user_id(user_id);
    r.set_reason("password_reset");
    Emit(tx, outbox_, meta, "auth.session.revoked", "user", user_id, r);
    return *Repository::FindUser(tx, user_id);
  });
}

absl::StatusOr<User> Directory::UnlockUser(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta,
                                           const std::string& user_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  CRM_RETURN_IF_ERROR(validation::CheckId("user_id", user_id));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<User> {
    auto current = Repository::FindUser(tx, user_id);
    if (!current) return absl::NotFoundError(absl::StrCat("user ", user_id, " not found"));
    Repository::Unlock(tx, user_id);
    auto updated = Repository::FindUser(tx, user_id);
    EmitUser(tx, outbox_, meta, "auth.user.unlocked", *updated);
    return *updated;
  });
}

// ---------------------------------------------------------------- service accounts

absl::Status Directory::ValidateCreateServiceAccount(const Principal& caller,
                                                     const std::string& request_id,
                                                     const User& a) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  Violations v;
  db::CheckRequestId(v, request_id);
  if (a.username.empty()) {
    v.Add("service_account.username", "is required");
  } else if (!ValidUsername(a.username)) {
    v.Add("service_account.username",
          "must be 1-64 letters, digits or . _ - @, starting with a letter or digit");
  }
  ValidateProfile(v, "service_account.", a, nullptr);
  return v.ToStatus();
}

absl::StatusOr<User> Directory::CreateServiceAccount(db::Conn& conn, const Principal& caller,
                                                     const RequestMeta& meta,
                                                     const std::string& request_id, User a,
                                                     const std::string& secret_hash) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  a.id = ids::NewUuidV7();
  a.service_account = true;
  a.active = true;
  a.manager_id.clear();
  a.roles = Dedup(std::move(a.roles));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<User> {
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, request_id,
                                                           "CreateServiceAccount", a.id));
    if (earlier) {
      auto existing = Repository::FindUser(tx, *earlier);
      if (!existing)
        return absl::NotFoundError("the account this request created no longer exists");
      Repository::SetPassword(tx, existing->id, secret_hash, "");
      v1::PasswordChanged e;
      e.set_user_id(existing->id);
      Emit(tx, outbox_, meta, "auth.service_account.secret_rotated", "user", existing->id, e);
      return *existing;
    }
    CRM_RETURN_IF_ERROR(CheckUserReferences(tx, "service_account.", a));
    CRM_RETURN_IF_ERROR(CheckRoles(tx, caller, "service_account.roles", a.roles));
    if (Repository::FindCredentialsByName(tx, a.username)) {
      return absl::AlreadyExistsError(absl::StrCat("username \"", a.username, "\" is taken"));
    }
    Repository::InsertUser(tx, a, secret_hash);
    auto created = Repository::FindUser(tx, a.id);
    EmitUser(tx, outbox_, meta, "auth.service_account.created", *created);
    return *created;
  });
}

absl::Status Directory::ValidateRotateSecret(const Principal& caller,
                                             const std::string& user_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  Violations v;
  validation::RequiredUuid(v, "user_id", user_id);
  return v.ToStatus();
}

absl::Status Directory::RotateServiceAccountSecret(db::Conn& conn, const Principal& caller,
                                                   const RequestMeta& meta,
                                                   const std::string& user_id,
                                                   const std::string& secret_hash) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.users.write"));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    auto current = Repository::FindUser(tx, user_id);
    if (!current) return absl::NotFoundError(absl::StrCat("user ", user_id, " not found"));
    if (!current->service_account) {
      return absl::FailedPreconditionError("not a service account; people have passwords");
    }
    Repository::SetPassword(tx, user_id, secret_hash, "");
    v1::PasswordChanged e;
    e.set_user_id(user_id);
    Emit(tx, outbox_, meta, "auth.service_account.secret_rotated", "user", user_id, e);
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------- roles

namespace {

bool ValidRoleName(absl::string_view s) {
  if (s.size() < 2 || s.size() > 63 || !absl::ascii_islower(s[0])) return false;
  for (char c : s) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_')) return false;
  }
  return true;
}

void ValidateRoleFields(Violations& v, const Role& r, const std::vector<std::string>* mask) {
  auto check = [&](absl::string_view f) { return mask == nullptr || validation::InMask(*mask, f); };
  if (check("display_name")) validation::Name(v, "role.display_name", r.display_name, 50);
  if (check("description")) validation::MaxChars(v, "role.description", r.description, 500);
}

absl::Status CheckPermissions(db::Tx& tx, const std::vector<std::string>& permissions) {
  Violations v;
  for (const auto& p : Repository::UnknownPermissions(tx, permissions)) {
    v.Add("role.permissions", absl::StrCat("unknown permission \"", p, "\""));
  }
  return v.ToStatus();
}

void EmitRole(db::Tx& tx, const events::Outbox* outbox, const RequestMeta& meta, const char* type,
              const Role& r) {
  v1::RoleChanged e;
  *e.mutable_role() = ToProto(r);
  Emit(tx, outbox, meta, type, "role", r.name, e);
}

}  // namespace

absl::StatusOr<Role> Directory::CreateRole(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const std::string& request_id,
                                           Role role) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.roles.write"));
  Violations v;
  db::CheckRequestId(v, request_id);
  if (!ValidRoleName(role.name)) {
    v.Add("role.name", "must be 2-63 lower-case letters, digits or _, starting with a letter");
  }
  ValidateRoleFields(v, role, nullptr);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  role.permissions = Dedup(std::move(role.permissions));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Role> {
    CRM_ASSIGN_OR_RETURN(
        auto earlier, request_log_->Claim(tx, caller.user_id, request_id, "CreateRole", role.name));
    if (earlier) {
      auto existing = Repository::FindRole(tx, *earlier);
      if (!existing) return absl::NotFoundError("the role this request created was deleted");
      return *existing;
    }
    CRM_RETURN_IF_ERROR(CheckPermissions(tx, role.permissions));
    if (Repository::FindRole(tx, role.name)) {
      return absl::AlreadyExistsError(absl::StrCat("role \"", role.name, "\" exists"));
    }
    Repository::InsertRole(tx, role);
    auto created = Repository::FindRole(tx, role.name);
    EmitRole(tx, outbox_, meta, "auth.role.created", *created);
    return *created;
  });
}

absl::StatusOr<Role> Directory::GetRole(db::Conn& conn, const Principal& caller,
                                        const std::string& name) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.roles.read"));
  if (name.empty()) return InvalidField("name", "is required");
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Role> {
    auto r = Repository::FindRole(tx, name);
    if (!r) return absl::NotFoundError(absl::StrCat("role \"", name, "\" not found"));
    return *r;
  });
}

absl::StatusOr<validation::Page<Role>> Directory::ListRoles(db::Conn& conn, const Principal& caller,
                                                            int32_t page_size,
                                                            const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.roles.read"));
  CRM_ASSIGN_OR_RETURN(int limit, validation::PageSize(page_size));
  CRM_ASSIGN_OR_RETURN(auto keys, validation::DecodePageToken(page_token, "roles", 1));
  const std::string after = keys.empty() ? "" : keys[0];
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<validation::Page<Role>> {
    return validation::PageOf(Repository::ListRoles(tx, after, limit + 1), limit, "roles",
                              [](const Role& last) { return std::vector<std::string>{last.name}; });
  });
}

absl::StatusOr<Role> Directory::UpdateRole(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const Role& patch,
                                           const std::string& etag,
                                           const std::vector<std::string>& mask) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.roles.write"));
  Violations v;
  if (patch.name.empty()) v.Add("role.name", "is required");
  ValidateRoleFields(v, patch, &mask);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_RETURN_IF_ERROR(
      validation::CheckMask(mask, {"display_name", "description", "data_scope", "permissions"}));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("role.etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Role> {
    auto current = Repository::FindRole(tx, patch.name);
    if (!current) return absl::NotFoundError(absl::StrCat("role \"", patch.name, "\" not found"));
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    Role next = *current;
    if (validation::InMask(mask, "display_name")) next.display_name = patch.display_name;
    if (validation::InMask(mask, "description")) next.description = patch.description;
    if (validation::InMask(mask, "data_scope")) next.data_scope = patch.data_scope;
    if (validation::InMask(mask, "permissions")) {
      next.permissions = Dedup(patch.permissions);
      CRM_RETURN_IF_ERROR(CheckPermissions(tx, next.permissions));
      if (next.name == "admin") {
        for (const char* keep : {"auth.users.write", "auth.roles.write"}) {
          if (!std::binary_search(next.permissions.begin(), next.permissions.end(), keep)) {
            return absl::FailedPreconditionError(absl::StrCat(
                "the admin role must keep ", keep, ", or nobody could manage access any more"));
          }
        }
      }
    }
    if (!Repository::UpdateRole(tx, next, current->version)) return validation::StaleEtag();
    auto updated = Repository::FindRole(tx, next.name);
    EmitRole(tx, outbox_, meta, "auth.role.updated", *updated);
    return *updated;
  });
}

absl::Status Directory::DeleteRole(db::Conn& conn, const Principal& caller, const RequestMeta& meta,
                                   const std::string& name, const std::string& etag) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.roles.write"));
  if (name.empty()) return InvalidField("name", "is required");
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    auto current = Repository::FindRole(tx, name);
    if (!current) return absl::NotFoundError(absl::StrCat("role \"", name, "\" not found"));
    if (expected != 0 && current->version != expected) return validation::StaleEtag();
    if (current->builtin) return absl::FailedPreconditionError("built-in roles cannot be deleted");
    if (Repository::RoleInUse(tx, name)) {
      return absl::FailedPreconditionError("the role is still assigned to users");
    }
    if (!Repository::DeleteRole(tx, name, current->version)) return validation::StaleEtag();
    EmitRole(tx, outbox_, meta, "auth.role.deleted", *current);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Permission>> Directory::ListPermissions(db::Conn& conn,
                                                                   const Principal& caller) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "auth.roles.read"));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<Permission>> {
    return Repository::ListPermissions(tx);
  });
}

}  // namespace crm::auth_service
