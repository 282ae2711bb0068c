#pragma once
// Departments, users, roles and service accounts: validation, permission rules, audit events.
//
// Permission rules:
//  - departments: anyone signed in reads; auth.departments.write changes.
//  - users: anyone reads their own record; auth.users.read reads others within the caller's
//    record scope; auth.users.write manages users and sees all of them.
//  - roles and the permission catalogue: auth.roles.read reads, auth.roles.write changes.
// Permission is checked before existence. A record outside a limited scope is
// PERMISSION_DENIED whether or not it exists, so ids do not leak.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/reader.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/validation/paging.h"
#include "services/auth/src/model.h"
#include "services/auth/src/passwords.h"

namespace crm::auth_service {

struct UserQuery {
  std::string department_id;
  bool include_subdepartments = false;
  std::string role;
  std::string state;  // "active" | "disabled" | ""
  std::string query;
  int32_t page_size = 0;
  std::string page_token;
};

class Directory {
 public:
  Directory(const events::Outbox* outbox, const db::RequestLog* request_log)
      : outbox_(outbox), request_log_(request_log) {}

  // --- departments ---
  absl::StatusOr<Department> CreateDepartment(db::Conn& conn, const auth::Principal& caller,
                                              const RequestMeta& meta,
                                              const std::string& request_id,
                                              Department department) const;
  absl::StatusOr<Department> GetDepartment(db::Conn& conn, const auth::Principal& caller,
                                           const std::string& id) const;
  absl::StatusOr<validation::Page<Department>> ListDepartments(db::Conn& conn,
                                                               const auth::Principal& caller,
                                                               const std::string& parent_id,
                                                               int32_t page_size,
                                                               const std::string& page_token) const;
  // `mask` names the fields of `patch` to apply (name, parent_id, manager_id).
  absl::StatusOr<Department> UpdateDepartment(db::Conn& conn, const auth::Principal& caller,
                                              const RequestMeta& meta, const Department& patch,
                                              const std::string& etag,
                                              const std::vector<std::string>& mask) const;
  absl::Status DeleteDepartment(db::Conn& conn, const auth::Principal& caller,
                                const RequestMeta& meta, const std::string& id,
                                const std::string& etag) const;

  // --- users ---
  // Checks permission and the request; the password is hashed between this and CreateUser.
  absl::Status ValidateCreateUser(const auth::Principal& caller, const std::string& request_id,
                                  const User& user, absl::string_view initial_password) const;
  absl::StatusOr<User> CreateUser(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& request_id, User user,
                                  const std::string& password_hash) const;
  // A point read on the pipelined read path.
  void GetUser(db::Reader& reader, const auth::Principal& caller, const std::string& id,
               db::Callback<User> done) const;
  // Any signed-in caller; at most 100 ids. A point read on the pipelined read path.
  void LookupUserNames(db::Reader& reader, const std::vector<std::string>& ids,
                       db::Callback<std::vector<UserName>> done) const;
  absl::StatusOr<validation::Page<User>> ListUsers(db::Conn& conn, const auth::Principal& caller,
                                                   const UserQuery& query) const;
  // `mask`: display_name, email, phone, department_id, manager_id, state.
  absl::StatusOr<User> UpdateUser(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const User& patch,
                                  const std::string& etag,
                                  const std::vector<std::string>& mask) const;
  absl::StatusOr<User> SetUserRoles(db::Conn& conn, const auth::Principal& caller,
                                    const RequestMeta& meta, const std::string& user_id,
                                    std::vector<std::string> roles, const std::string& etag) const;
  absl::Status ValidateResetPassword(const auth::Principal& caller, const std::string& user_id,
                                     absl::string_view password) const;
  absl::StatusOr<User> ResetUserPassword(db::Conn& conn, const auth::Principal& caller,
                                         const RequestMeta& meta, const std::string& user_id,
                                         absl::string_view password,
                                         const std::string& password_hash) const;
  absl::StatusOr<User> UnlockUser(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& user_id) const;

  // --- service accounts --- (the secret is generated and hashed by the caller)
  absl::Status ValidateCreateServiceAccount(const auth::Principal& caller,
                                            const std::string& request_id,
                                            const User& account) const;
  // A retry with the same request_id returns the account created first and gives it the
  // new secret: the client never saw the first one.
  absl::StatusOr<User> CreateServiceAccount(db::Conn& conn, const auth::Principal& caller,
                                            const RequestMeta& meta, const std::string& request_id,
                                            User account, const std::string& secret_hash) const;
  absl::Status ValidateRotateSecret(const auth::Principal& caller,
                                    const std::string& user_id) const;
  absl::Status RotateServiceAccountSecret(db::Conn& conn, const auth::Principal& caller,
                                          const RequestMeta& meta, const std::string& user_id,
                                          const std::string& secret_hash) const;

  // --- roles ---
  absl::StatusOr<Role> CreateRole(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& request_id,
                                  Role role) const;
  absl::StatusOr<Role> GetRole(db::Conn& conn, const auth::Principal& caller,
                               const std::string& name) const;
  absl::StatusOr<validation::Page<Role>> ListRoles(db::Conn& conn, const auth::Principal& caller,
                                                   int32_t page_size,
                                                   const std::string& page_token) const;
  // `mask`: display_name, description, data_scope, permissions.
  absl::StatusOr<Role> UpdateRole(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const Role& patch,
                                  const std::string& etag,
                                  const std::vector<std::string>& mask) const;
  absl::Status DeleteRole(db::Conn& conn, const auth::Principal& caller, const RequestMeta& meta,
                          const std::string& name, const std::string& etag) const;
  absl::StatusOr<std::vector<Permission>> ListPermissions(db::Conn& conn,
                                                          const auth::Principal& caller) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
};

}  // namespace crm::auth_service
