#pragma once
// The auth service's records, as the logic and the repository exchange them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/auth/principal.h"

namespace crm::auth::v1 {}

namespace crm::auth_service {

// The service's API messages (crm.auth.v1).
namespace v1 = ::crm::auth::v1;

struct Department {
  std::string id;
  std::string name;
  std::string parent_id;
  std::string manager_id;
  int64_t version = 0;
  absl::Time created_at;
  absl::Time updated_at;
};

struct User {
  std::string id;
  std::string username;
  std::string display_name;
  std::string email;
  std::string phone;
  std::string department_id;
  std::string manager_id;
  std::vector<std::string> roles;
  bool service_account = false;
  bool active = true;
  std::optional<absl::Time> locked_until;
  std::optional<absl::Time> last_login_at;
  int64_t version = 0;
  absl::Time created_at;
  absl::Time updated_at;
};

// A user as anyone signed in may see them (LookupUserNames).
struct UserName {
  std::string id;
  std::string display_name;
  bool active = true;
};

struct Role {
  std::string name;
  std::string display_name;
  std::string description;
  auth::DataScope data_scope = auth::DataScope::kNone;
  std::vector<std::string> permissions;
  bool builtin = false;
  int64_t version = 0;
  absl::Time created_at;
  absl::Time updated_at;
};

struct Permission {
  std::string name;
  std::string description;
};

// What a sign-in needs to know about the account before checking the password.
struct Credentials {
  std::string user_id;
  std::string username;
  std::string password_hash;
  bool service_account = false;
  bool active = true;
  int failed_logins = 0;
  std::optional<absl::Time> locked_until;
};

// The claims an access token carries for a user, read fresh at every sign-in and refresh.
struct Grants {
  std::vector<std::string> roles;
  std::vector<std::string> permissions;
  auth::DataScope scope = auth::DataScope::kNone;
  std::string department_id;
  std::vector<std::string> department_tree;
};

struct RefreshTokenRow {
  std::string id;
  std::string family_id;
  std::string user_id;
  absl::Time expires_at;
  bool used = false;
  bool revoked = false;
};

// Who asked, for audit events.
struct RequestMeta {
  std::string request_id;
  std::string actor_id;
  std::string peer;
};

}  // namespace crm::auth_service
