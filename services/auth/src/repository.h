#pragma once
// Every SQL statement of the auth service. Functions run inside the caller's transaction
// (db::Conn::Transact / Read) and may throw libpqxx exceptions, which Transact maps.

#include <optional>
#include <string>
#include <vector>

#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/reader.h"
#include "libs/db/retention.h"
#include "services/auth/src/model.h"

namespace crm::auth_service {

struct UserFilter {
  // Department ids (already expanded to subtrees by the caller); empty for any.
  std::vector<std::string> department_ids;
  std::string role;
  std::string state;  // "active" | "disabled" | ""
  // ILIKE pattern, already escaped; empty for any.
  std::string pattern;
};

struct FailedLogin {
  // Attempts since the last success, this one included.
  int failed_logins = 0;
  std::optional<absl::Time> locked_until;
  bool just_locked = false;
};

class Repository {
 public:
  // --- users ---
  static std::optional<User> FindUser(db::Tx& tx, const std::string& id);
  // The user if within `scope` of the caller: a read for db::Reader, and its result.
  static db::Query FindUserInScope(const std::string& id, const auth::Principal& caller,
                                   auth::DataScope scope);
  static std::optional<User> UserOf(const db::Rows& rows);
  // The names of the users among `ids` (uuids): a read for db::Reader, and its result.
  static db::Query UserNames(const std::vector<std::string>& ids);
  static std::vector<UserName> UserNamesOf(const db::Rows& rows);
  static std::vector<User> ListUsers(db::Tx& tx, const UserFilter& filter,
                                     const auth::Principal& caller, auth::DataScope scope,
                                     const std::string& after_id, int limit);
  static std::optional<Credentials> FindCredentialsByName(db::Tx& tx, const std::string& username);
  static std::optional<Credentials> FindCredentialsById(db::Tx& tx, const std::string& id);
  static void InsertUser(db::Tx& tx, const User& user, const std::string& password_hash);
  // Writes the profile fields of `user`; false if its version is not `expected_version`
  // (0 accepts any). Bumps the version.
  static bool UpdateUser(db::Tx& tx, const User& user, int64_t expected_version);
  static void SetUserRoles(db::Tx& tx, const std::string& user_id,
                           const std::vector<std::string>& roles);
  // Bumps the version of a user whose roles, password or lock changed.
  static bool TouchUser(db::Tx& tx, const std::string& user_id, int64_t expected_version);
  // Counts a sign-in (or password-change) attempt before the password is checked; every attempt
  // counts as a failure until it succeeds. nullopt when the account is locked: do not check.
  static std::optional<FailedLogin> CountAttempt(db::Tx& tx, const std::string& user_id,
                                                 int max_failures, absl::Duration lockout);
  // Resets the failure count and records the sign-in; false if the password hash is no longer
  // `verified_hash` (changed concurrently). Stores new_hash when non-empty.
  static bool RecordSuccessfulLogin(db::Tx& tx, const std::string& user_id,
                                    const std::string& verified_hash, const std::string& new_hash);
  static bool SetPassword(db::Tx& tx, const std::string& user_id, const std::string& hash,
                          const std::string& expected_hash);
  static void Unlock(db::Tx& tx, const std::string& user_id);
  // Expired refresh tokens are kept a day (a late one is still told "expired"), then purged.
  static db::Retention::Table RefreshTokenRetention();
  static int CountActiveAdmins(db::Tx& tx);
  static Grants LoadGrants(db::Tx& tx, const std::string& user_id);
  static std::vector<std::string> DepartmentSubtree(db::Tx& tx, const std::string& department_id);

  // --- refresh tokens ---
  static void InsertRefreshToken(db::Tx& tx, const std::string& id, const std::string& family_id,
                                 const std::string& user_id, const std::string& token_hash,
                                 absl::Time expires_at);
  // The token row, locked for update.
  static std::optional<RefreshTokenRow> LockRefreshToken(db::Tx& tx, const std::string& token_hash);
  static void MarkRefreshTokenUsed(db::Tx& tx, const std::string& id);
  static int RevokeFamily(db::Tx& tx, const std::string& family_id, const std::string& reason);
  static int RevokeUserSessions(db::Tx& tx, const std::string& user_id, const std::string& reason);

  // --- departments ---
  static std::optional<Department> FindDepartment(db::Tx& tx, const std::string& id);
  static std::vector<Department> ListDepartments(db::Tx& tx, const std::string& parent_id,
                                                 const std::string& after_id, int limit);
  static void InsertDepartment(db::Tx& tx, const Department& d);
  static bool UpdateDepartment(db::Tx& tx, const Department& d, int64_t expected_version);
  static bool DeleteDepartment(db::Tx& tx, const std::string& id, int64_t expected_version);
  static bool DepartmentHasMembers(db::Tx& tx, const std::string& id);

  // --- roles and permissions ---
  static std::optional<Role> FindRole(db::Tx& tx, const std::string& name);
  static std::vector<Role> ListRoles(db::Tx& tx, const std::string& after_name, int limit);
  static void InsertRole(db::Tx& tx, const Role& role);
  static bool UpdateRole(db::Tx& tx, const Role& role, int64_t expected_version);
  static bool DeleteRole(db::Tx& tx, const std::string& name, int64_t expected_version);
  static bool RoleInUse(db::Tx& tx, const std::string& name);
  // The names among `names` that are not in the catalogue / not roles.
  static std::vector<std::string> UnknownPermissions(db::Tx& tx,
                                                     const std::vector<std::string>& names);
  static std::vector<std::string> UnknownRoles(db::Tx& tx, const std::vector<std::string>& names);
  static std::vector<Permission> ListPermissions(db::Tx& tx);
};

}  // namespace crm::auth_service
