#include "services/auth/src/repository.h"

#include "absl/strings/str_cat.h"
#include "libs/auth/scope.h"
#include "libs/db/pqxx_traits.h"
#include "libs/db/time_fields.h"

namespace crm::auth_service {
namespace {

using db::Exec;
using db::Statement;

using db::MicrosOf;
using db::OptionalTimeOf;
using db::TimeOf;

// ---- users ----

#define USER_COLUMNS \
  "u.id::text, u.username, u.display_name, u.email, u.phone,"                              \
  " coalesce(u.department_id::text, ''), coalesce(u.manager_id::text, ''), u.kind, u.state," \
  " CASE WHEN u.locked_until > now() THEN " CRM_SQL_MICROS("u.locked_until") " END,"                   \
  " " CRM_SQL_MICROS("u.last_login_at") ", u.version, " CRM_SQL_MICROS("u.created_at") ", " CRM_SQL_MICROS("u.updated_at") ","  \
  " array(SELECT r.role FROM auth.user_roles r WHERE r.user_id = u.id ORDER BY r.role)"

template <typename Row>
User UserFromRow(const Row& r) {
  User u;
  u.id = r[0].template as<std::string>();
  u.username = r[1].template as<std::string>();
  u.display_name = r[2].template as<std::string>();
  u.email = r[3].template as<std::string>();
  u.phone = r[4].template as<std::string>();
  u.department_id = r[5].template as<std::string>();
  u.manager_id = r[6].template as<std::string>();
  u.service_account = r[7].template as<std::string>() == "service";
  u.active = r[8].template as<std::string>() == "active";
  u.locked_until = OptionalTimeOf(r[9]);
  u.last_login_at = OptionalTimeOf(r[10]);
  u.version = r[11].template as<int64_t>();
  u.created_at = TimeOf(r[12]);
  u.updated_at = TimeOf(r[13]);
  u.roles = db::ParseTextArray(r[14]);
  return u;
}

constexpr Statement kFindUser{"auth.find_user",
                              "SELECT " USER_COLUMNS " FROM auth.users u WHERE u.id = $1::uuid"};

const auth::ScopedStatement& FindUserScoped() {
  static const auto* s = new auth::ScopedStatement(
      "auth.find_user_scoped",
      "SELECT " USER_COLUMNS " FROM auth.users u WHERE u.id = $1::uuid AND {scope}", "u.id",
      "u.department_id", 2);
  return *s;
}

const auth::ScopedStatement& ListUsersScoped() {
  static const auto* s = new auth::ScopedStatement(
      "auth.list_users",
      "SELECT " USER_COLUMNS
      " FROM auth.users u"
      " WHERE u.id > $1::uuid"
      " AND (cardinality($2::uuid[]) = 0 OR u.department_id = ANY($2::uuid[]))"
      " AND ($3::text = '' OR EXISTS (SELECT 1 FROM auth.user_roles r"
      "                                WHERE r.user_id = u.id AND r.role = $3))"
      " AND ($4::text = '' OR u.state = $4)"
      " AND ($5::text = '' OR u.username ILIKE $5 OR u.display_name ILIKE $5)"
      " AND {scope}"
      " ORDER BY u.id LIMIT $7",
      "u.id", "u.department_id", 6);
  return *s;
}

#define CREDENTIAL_COLUMNS                                                                \
  "id::text, username, password_hash, kind = 'service', state = 'active', failed_logins," \
  " " CRM_SQL_MICROS("locked_until")

Credentials CredentialsOf(const pqxx::row& r) {
  Credentials c;
  c.user_id = r[0].as<std::string>();
  c.username = r[1].as<std::string>();
  c.password_hash = r[2].as<std::string>();
  c.service_account = r[3].as<bool>();
  c.active = r[4].as<bool>();
  c.failed_logins = r[5].as<int>();
  c.locked_until = OptionalTimeOf(r[6]);
  return c;
}

constexpr Statement kCredentialsByName{"auth.credentials_by_name",
                                       "SELECT " CREDENTIAL_COLUMNS
                                       " FROM auth.users WHERE lower(username) = lower($1)"};
constexpr Statement kCredentialsById{
    "auth.credentials_by_id", "SELECT " CREDENTIAL_COLUMNS " FROM auth.users WHERE id = $1::uuid"};

constexpr Statement kInsertUser{
    "auth.insert_user",
    "INSERT INTO auth.users (id, username, display_name, email, phone, department_id,"
    " manager_id, kind, state, password_hash)"
    " VALUES ($1::uuid, $2, $3, $4, $5, $6::uuid, $7::uuid, $8, $9, $10)"};

constexpr Statement kUpdateUser{
    "auth.update_user",
    "UPDATE auth.users SET display_name = $2, email = $3, phone = $4, department_id = $5::uuid,"
    " manager_id = $6::uuid, state = $7, version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND ($8::int8 = 0 OR version = $8::int8)"};

constexpr Statement kTouchUser{"auth.touch_user",
                               "UPDATE auth.users SET version = version + 1, updated_at = now()"
                               " WHERE id = $1::uuid AND ($2::int8 = 0 OR version = $2::int8)"};

constexpr Statement kDeleteUserRoles{"auth.delete_user_roles",
                                     "DELETE FROM auth.user_roles WHERE user_id = $1::uuid"};
constexpr Statement kInsertUserRoles{
    "auth.insert_user_roles",
    "INSERT INTO auth.user_roles (user_id, role) SELECT $1::uuid, unnest($2::text[])"};

// Counts a sign-in attempt before its password is checked, unless the account is locked (no
// row then). The count restarts after an expired lock; reaching the limit locks the account.
// One statement under the row lock, so parallel attempts cannot all read "not locked".
constexpr Statement kCountAttempt{
    "auth.count_attempt",
    "UPDATE auth.users u SET"
    "   failed_logins = CASE WHEN u.locked_until <= now() THEN 1 ELSE u.failed_logins + 1 END,"
    "   locked_until = CASE"
    "     WHEN (CASE WHEN u.locked_until <= now() THEN 1 ELSE u.failed_logins + 1 END) >= $2"
    "     THEN now() + $3::int8 * interval '1 second'"
    "     WHEN u.locked_until <= now() THEN NULL ELSE u.locked_until END"
    " WHERE u.id = $1::uuid AND (u.locked_until IS NULL OR u.locked_until <= now())"
    " RETURNING u.failed_logins, " CRM_SQL_MICROS("u.locked_until") ","
    "   u.locked_until IS NOT NULL AND u.failed_logins = $2"};

constexpr Statement kSuccessfulLogin{
    "auth.successful_login",
    "UPDATE auth.users SET failed_logins = 0, locked_until = NULL, last_login_at = now(),"
    " password_hash = CASE WHEN $3 = '' THEN password_hash ELSE $3 END"
    " WHERE id = $1::uuid AND password_hash = $2"};

constexpr Statement kSetPassword{
    "auth.set_password",
    "UPDATE auth.users SET password_hash = $2, password_changed_at = now(), failed_logins = 0,"
    " locked_until = NULL, version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND ($3 = '' OR password_hash = $3)"};

constexpr Statement kUnlock{
    "auth.unlock",
    "UPDATE auth.users SET failed_logins = 0, locked_until = NULL, version = version + 1,"
    " updated_at = now() WHERE id = $1::uuid"};

constexpr Statement kCountActiveAdmins{
    "auth.count_active_admins",
    "SELECT count(*) FROM auth.users u JOIN auth.user_roles r ON r.user_id = u.id"
    " WHERE r.role = 'admin' AND u.state = 'active' AND u.kind = 'human'"};

constexpr Statement kLoadGrants{
    "auth.load_grants",
    "SELECT coalesce(u.department_id::text, ''),"
    " array(SELECT ur.role FROM auth.user_roles ur WHERE ur.user_id = u.id ORDER BY 1),"
    " array(SELECT DISTINCT rp.permission FROM auth.role_permissions rp"
    "       JOIN auth.user_roles ur ON ur.role = rp.role WHERE ur.user_id = u.id ORDER BY 1),"
    " coalesce((SELECT max(CASE r.data_scope WHEN 'all' THEN 3 WHEN 'department' THEN 2"
    "                                      WHEN 'own' THEN 1 ELSE 0 END)"
    "           FROM auth.user_roles ur JOIN auth.roles r ON r.name = ur.role"
    "           WHERE ur.user_id = u.id), 0)"
    " FROM auth.users u WHERE u.id = $1::uuid"};

constexpr Statement kSubtree{
    "auth.department_subtree",
    "WITH RECURSIVE t AS (SELECT id FROM auth.departments WHERE id = $1::uuid"
    " UNION SELECT d.id FROM auth.departments d JOIN t ON d.parent_id = t.id)"
    " SELECT id::text FROM t ORDER BY 1"};

// ---- refresh tokens ----

constexpr Statement kInsertRefresh{
    "auth.insert_refresh_token",
    "INSERT INTO auth.refresh_tokens (id, family_id, user_id, token_hash, expires_at)"
    " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, " CRM_SQL_FROM_MICROS("$5") ")"};

constexpr Statement kLockRefresh{
    "auth.lock_refresh_token",
    "SELECT id::text, family_id::text, user_id::text, " CRM_SQL_MICROS("expires_at") ","
    " used_at IS NOT NULL, revoked_at IS NOT NULL"
    " FROM auth.refresh_tokens WHERE token_hash = $1 FOR UPDATE"};

constexpr Statement kMarkUsed{"auth.mark_refresh_used",
                              "UPDATE auth.refresh_tokens SET used_at = now() WHERE id = $1::uuid"};

constexpr Statement kRevokeFamily{
    "auth.revoke_family",
    "UPDATE auth.refresh_tokens SET revoked_at = now(), revoke_reason = $2"
    " WHERE family_id = $1::uuid AND revoked_at IS NULL"};

constexpr Statement kRevokeUser{
    "auth.revoke_user_sessions",
    "UPDATE auth.refresh_tokens SET revoked_at = now(), revoke_reason = $2"
    " WHERE user_id = $1::uuid AND revoked_at IS NULL"};

// ---- departments ----

#define DEPARTMENT_COLUMNS                                                                  \
  "id::text, name, coalesce(parent_id::text, ''), coalesce(manager_id::text, ''), version," \
  " " CRM_SQL_MICROS("created_at") ", " CRM_SQL_MICROS("updated_at")

Department DepartmentOf(const pqxx::row& r) {
  Department d;
  d.id = r[0].as<std::string>();
  d.name = r[1].as<std::string>();
  d.parent_id = r[2].as<std::string>();
  d.manager_id = r[3].as<std::string>();
  d.version = r[4].as<int64_t>();
  d.created_at = TimeOf(r[5]);
  d.updated_at = TimeOf(r[6]);
  return d;
}

constexpr Statement kFindDepartment{"auth.find_department",
                                    "SELECT " DEPARTMENT_COLUMNS
                                    " FROM auth.departments WHERE id = $1::uuid"};

constexpr Statement kListDepartments{
    "auth.list_departments", "SELECT " DEPARTMENT_COLUMNS
                             " FROM auth.departments"
                             " WHERE id > $1::uuid AND ($2::uuid IS NULL OR parent_id = $2::uuid)"
                             " ORDER BY departments.id LIMIT $3"};

constexpr Statement kInsertDepartment{
    "auth.insert_department",
    "INSERT INTO auth.departments (id, name, parent_id, manager_id)"
    " VALUES ($1::uuid, $2, $3::uuid, $4::uuid)"};

constexpr Statement kUpdateDepartment{
    "auth.update_department",
    "UPDATE auth.departments SET name = $2, parent_id = $3::uuid, manager_id = $4::uuid,"
    " version = version + 1, updated_at = now()"
    " WHERE id = $1::uuid AND ($5::int8 = 0 OR version = $5::int8)"};

constexpr Statement kDeleteDepartment{
    "auth.delete_department",
    "DELETE FROM auth.departments WHERE id = $1::uuid AND ($2::int8 = 0 OR version = $2::int8)"};

constexpr Statement kDepartmentHasMembers{
    "auth.department_has_members",
    "SELECT EXISTS (SELECT 1 FROM auth.departments WHERE parent_id = $1::uuid)"
    " OR EXISTS (SELECT 1 FROM auth.users WHERE department_id = $1::uuid)"};

// ---- roles ----

#define ROLE_COLUMNS                                                                           \
  "r.name, r.display_name, r.description, r.data_scope,"                                       \
  " array(SELECT p.permission FROM auth.role_permissions p WHERE p.role = r.name ORDER BY 1)," \
  " r.builtin, r.version, " CRM_SQL_MICROS("r.created_at") ", " CRM_SQL_MICROS("r.updated_at")

Role RoleOf(const pqxx::row& r) {
  Role role;
  role.name = r[0].as<std::string>();
  role.display_name = r[1].as<std::string>();
  role.description = r[2].as<std::string>();
  auth::ParseDataScope(r[3].as<std::string>(), &role.data_scope);
  role.permissions = db::ParseTextArray(r[4]);
  role.builtin = r[5].as<bool>();
  role.version = r[6].as<int64_t>();
  role.created_at = TimeOf(r[7]);
  role.updated_at = TimeOf(r[8]);
  return role;
}

constexpr Statement kFindRole{"auth.find_role",
                              "SELECT " ROLE_COLUMNS " FROM auth.roles r WHERE r.name = $1"};
constexpr Statement kListRoles{"auth.list_roles",
                               "SELECT " ROLE_COLUMNS
                               " FROM auth.roles r WHERE r.name > $1 ORDER BY r.name LIMIT $2"};
constexpr Statement kInsertRole{
    "auth.insert_role",
    "INSERT INTO auth.roles (name, display_name, description, data_scope)"
    " VALUES ($1, $2, $3, $4)"};
constexpr Statement kUpdateRole{
    "auth.update_role",
    "UPDATE auth.roles SET display_name = $2, description = $3, data_scope = $4,"
    " version = version + 1, updated_at = now()"
    " WHERE name = $1 AND ($5::int8 = 0 OR version = $5::int8)"};
constexpr Statement kDeleteRolePermissions{"auth.delete_role_permissions",
                                           "DELETE FROM auth.role_permissions WHERE role = $1"};
constexpr Statement kInsertRolePermissions{
    "auth.insert_role_permissions",
    "INSERT INTO auth.role_permissions (role, permission) SELECT $1, unnest($2::text[])"};
constexpr Statement kDeleteRole{
    "auth.delete_role",
    "DELETE FROM auth.roles WHERE name = $1 AND ($2::int8 = 0 OR version = $2::int8)"};
constexpr Statement kRoleInUse{"auth.role_in_use",
                               "SELECT EXISTS (SELECT 1 FROM auth.user_roles WHERE role = $1)"};
constexpr Statement kUnknownPermissions{
    "auth.unknown_permissions",
    "SELECT n FROM unnest($1::text[]) AS n"
    " WHERE NOT EXISTS (SELECT 1 FROM auth.permissions p WHERE p.name = n) ORDER BY 1"};
constexpr Statement kUnknownRoles{
    "auth.unknown_roles",
    "SELECT n FROM unnest($1::text[]) AS n"
    " WHERE NOT EXISTS (SELECT 1 FROM auth.roles r WHERE r.name = n) ORDER BY 1"};
constexpr Statement kListPermissions{
    "auth.list_permissions", "SELECT name, description FROM auth.permissions ORDER BY name"};

constexpr char kMinUuid[] = "00000000-0000-0000-0000-000000000000";

std::string AfterId(const std::string& after) { return after.empty() ? kMinUuid : after; }

}  // namespace

std::optional<User> Repository::FindUser(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindUser, id);
  if (r.empty()) return std::nullopt;
  return UserFromRow(r[0]);
}

db::Query Repository::FindUserInScope(const std::string& id, const auth::Principal& caller,
                                      auth::DataScope scope) {
  auth::Principal scoped = caller;
  scoped.scope = scope;
  return {FindUserScoped().For(scope), db::MakeParams(id, auth::ScopeParam(scoped))};
}

std::optional<User> Repository::UserOf(const db::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return UserFromRow(rows[0]);
}

db::Query Repository::UserNames(const std::vector<std::string>& ids) {
  static constexpr Statement kUserNames{
      "auth.user_names",
      "SELECT u.id::text, u.display_name, u.state = 'active' FROM auth.users u"
      " WHERE u.id = ANY($1::uuid[])"};
  return {kUserNames, db::MakeParams(db::TextArray(ids))};
}

std::vector<UserName> Repository::UserNamesOf(const db::Rows& rows) {
  std::vector<UserName> out;
  for (const auto& r : rows) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<bool>()});
  }
  return out;
}

std::vector<User> Repository::ListUsers(db::Tx& tx, const UserFilter& f,
                                        const auth::Principal& caller, auth::DataScope scope,
                                        const std::string& after_id, int limit) {
  auth::Principal scoped = caller;
  scoped.scope = scope;
  pqxx::result r =
      Exec(tx, ListUsersScoped().For(scope), AfterId(after_id), db::TextArray(f.department_ids),
           f.role, f.state, f.pattern, auth::ScopeParam(scoped), limit);
  std::vector<User> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(UserFromRow(row));
  return out;
}

std::optional<Credentials> Repository::FindCredentialsByName(db::Tx& tx,
                                                             const std::string& username) {
  pqxx::result r = Exec(tx, kCredentialsByName, username);
  if (r.empty()) return std::nullopt;
  return CredentialsOf(r[0]);
}

std::optional<Credentials> Repository::FindCredentialsById(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kCredentialsById, id);
  if (r.empty()) return std::nullopt;
  return CredentialsOf(r[0]);
}

void Repository::InsertUser(db::Tx& tx, const User& u, const std::string& password_hash) {
  Exec(tx, kInsertUser, u.id, u.username, u.display_name, u.email, u.phone,
       db::NullIfEmpty(u.department_id), db::NullIfEmpty(u.manager_id),
       u.service_account ? "service" : "human", u.active ? "active" : "disabled", password_hash);
  SetUserRoles(tx, u.id, u.roles);
}

bool Repository::UpdateUser(db::Tx& tx, const User& u, int64_t expected_version) {
  return Exec(tx, kUpdateUser, u.id, u.display_name, u.email, u.phone,
              db::NullIfEmpty(u.department_id), db::NullIfEmpty(u.manager_id),
              u.active ? "active" : "disabled", expected_version)
             .affected_rows() == 1;
}

void Repository::SetUserRoles(db::Tx& tx, const std::string& user_id,
                              const std::vector<std::string>& roles) {
  Exec(tx, kDeleteUserRoles, user_id);
  if (!roles.empty()) Exec(tx, kInsertUserRoles, user_id, db::TextArray(roles));
}

bool Repository::TouchUser(db::Tx& tx, const std::string& user_id, int64_t expected_version) {
  return Exec(tx, kTouchUser, user_id, expected_version).affected_rows() == 1;
}

std::optional<FailedLogin> Repository::CountAttempt(db::Tx& tx, const std::string& user_id,
                                                    int max_failures, absl::Duration lockout) {
  pqxx::result r = Exec(tx, kCountAttempt, user_id, max_failures, absl::ToInt64Seconds(lockout));
  if (r.empty()) return std::nullopt;
  FailedLogin out;
  out.failed_logins = r[0][0].as<int>();
  out.locked_until = OptionalTimeOf(r[0][1]);
  out.just_locked = r[0][2].as<bool>();
  return out;
}

bool Repository::RecordSuccessfulLogin(db::Tx& tx, const std::string& user_id,
                                       const std::string& verified_hash,
                                       const std::string& new_hash) {
  return Exec(tx, kSuccessfulLogin, user_id, verified_hash, new_hash).affected_rows() == 1;
}

bool Repository::SetPassword(db::Tx& tx, const std::string& user_id, const std::string& hash,
                             const std::string& expected_hash) {
  return Exec(tx, kSetPassword, user_id, hash, expected_hash).affected_rows() == 1;
}

void Repository::Unlock(db::Tx& tx, const std::string& user_id) { Exec(tx, kUnlock, user_id); }

db::Retention::Table Repository::RefreshTokenRetention() {
  return {"refresh_tokens",
          "DELETE FROM auth.refresh_tokens WHERE ctid = ANY (ARRAY(SELECT ctid FROM"
          " auth.refresh_tokens WHERE expires_at < $1::timestamptz LIMIT $2))",
          absl::Hours(24)};
}

int Repository::CountActiveAdmins(db::Tx& tx) {
  return Exec(tx, kCountActiveAdmins)[0][0].as<int>();
}

Grants Repository::LoadGrants(db::Tx& tx, const std::string& user_id) {
  Grants g;
  pqxx::result r = Exec(tx, kLoadGrants, user_id);
  if (r.empty()) return g;
  g.department_id = r[0][0].as<std::string>();
  g.roles = db::ParseTextArray(r[0][1]);
  g.permissions = db::ParseTextArray(r[0][2]);
  g.scope = static_cast<auth::DataScope>(r[0][3].as<int>());
  if (g.scope == auth::DataScope::kDepartment && !g.department_id.empty()) {
    g.department_tree = DepartmentSubtree(tx, g.department_id);
  }
  return g;
}

std::vector<std::string> Repository::DepartmentSubtree(db::Tx& tx,
                                                       const std::string& department_id) {
  return db::FirstColumn(Exec(tx, kSubtree, department_id));
}

void Repository::InsertRefreshToken(db::Tx& tx, const std::string& id, const std::string& family_id,
                                    const std::string& user_id, const std::string& token_hash,
                                    absl::Time expires_at) {
  Exec(tx, kInsertRefresh, id, family_id, user_id,
       pqxx::binarystring(token_hash.data(), token_hash.size()), MicrosOf(expires_at));
}

std::optional<RefreshTokenRow> Repository::LockRefreshToken(db::Tx& tx,
                                                            const std::string& token_hash) {
  pqxx::result r = Exec(tx, kLockRefresh, pqxx::binarystring(token_hash.data(), token_hash.size()));
  if (r.empty()) return std::nullopt;
  RefreshTokenRow row;
  row.id = r[0][0].as<std::string>();
  row.family_id = r[0][1].as<std::string>();
  row.user_id = r[0][2].as<std::string>();
  row.expires_at = TimeOf(r[0][3]);
  row.used = r[0][4].as<bool>();
  row.revoked = r[0][5].as<bool>();
  return row;
}

void Repository::MarkRefreshTokenUsed(db::Tx& tx, const std::string& id) {
  Exec(tx, kMarkUsed, id);
}

int Repository::RevokeFamily(db::Tx& tx, const std::string& family_id, const std::string& reason) {
  return static_cast<int>(Exec(tx, kRevokeFamily, family_id, reason).affected_rows());
}

int Repository::RevokeUserSessions(db::Tx& tx, const std::string& user_id,
                                   const std::string& reason) {
  return static_cast<int>(Exec(tx, kRevokeUser, user_id, reason).affected_rows());
}

std::optional<Department> Repository::FindDepartment(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindDepartment, id);
  if (r.empty()) return std::nullopt;
  return DepartmentOf(r[0]);
}

std::vector<Department> Repository::ListDepartments(db::Tx& tx, const std::string& parent_id,
                                                    const std::string& after_id, int limit) {
  std::vector<Department> out;
  for (const auto& row :
       Exec(tx, kListDepartments, AfterId(after_id), db::NullIfEmpty(parent_id), limit)) {
    out.push_back(DepartmentOf(row));
  }
  return out;
}

void Repository::InsertDepartment(db::Tx& tx, const Department& d) {
  Exec(tx, kInsertDepartment, d.id, d.name, db::NullIfEmpty(d.parent_id),
       db::NullIfEmpty(d.manager_id));
}

bool Repository::UpdateDepartment(db::Tx& tx, const Department& d, int64_t expected_version) {
  return Exec(tx, kUpdateDepartment, d.id, d.name, db::NullIfEmpty(d.parent_id),
              db::NullIfEmpty(d.manager_id), expected_version)
             .affected_rows() == 1;
}

bool Repository::DeleteDepartment(db::Tx& tx, const std::string& id, int64_t expected_version) {
  return Exec(tx, kDeleteDepartment, id, expected_version).affected_rows() == 1;
}

bool Repository::DepartmentHasMembers(db::Tx& tx, const std::string& id) {
  return Exec(tx, kDepartmentHasMembers, id)[0][0].as<bool>();
}

std::optional<Role> Repository::FindRole(db::Tx& tx, const std::string& name) {
  pqxx::result r = Exec(tx, kFindRole, name);
  if (r.empty()) return std::nullopt;
  return RoleOf(r[0]);
}

std::vector<Role> Repository::ListRoles(db::Tx& tx, const std::string& after_name, int limit) {
  std::vector<Role> out;
  for (const auto& row : Exec(tx, kListRoles, after_name, limit)) out.push_back(RoleOf(row));
  return out;
}

void Repository::InsertRole(db::Tx& tx, const Role& role) {
  Exec(tx, kInsertRole, role.name, role.display_name, role.description,
       std::string(auth::DataScopeName(role.data_scope)));
  if (!role.permissions.empty()) {
    Exec(tx, kInsertRolePermissions, role.name, db::TextArray(role.permissions));
  }
}

bool Repository::UpdateRole(db::Tx& tx, const Role& role, int64_t expected_version) {
  if (Exec(tx, kUpdateRole, role.name, role.display_name, role.description,
           std::string(auth::DataScopeName(role.data_scope)), expected_version)
          .affected_rows() != 1) {
    return false;
  }
  Exec(tx, kDeleteRolePermissions, role.name);
  if (!role.permissions.empty()) {
    Exec(tx, kInsertRolePermissions, role.name, db::TextArray(role.permissions));
  }
  return true;
}

bool Repository::DeleteRole(db::Tx& tx, const std::string& name, int64_t expected_version) {
  return Exec(tx, kDeleteRole, name, expected_version).affected_rows() == 1;
}

bool Repository::RoleInUse(db::Tx& tx, const std::string& name) {
  return Exec(tx, kRoleInUse, name)[0][0].as<bool>();
}

std::vector<std::string> Repository::UnknownPermissions(db::Tx& tx,
                                                        const std::vector<std::string>& names) {
  return db::FirstColumn(Exec(tx, kUnknownPermissions, db::TextArray(names)));
}

std::vector<std::string> Repository::UnknownRoles(db::Tx& tx,
                                                  const std::vector<std::string>& names) {
  return db::FirstColumn(Exec(tx, kUnknownRoles, db::TextArray(names)));
}

std::vector<Permission> Repository::ListPermissions(db::Tx& tx) {
  std::vector<Permission> out;
  for (const auto& row : Exec(tx, kListPermissions)) {
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
  }
  return out;
}

}  // namespace crm::auth_service
