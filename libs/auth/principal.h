#pragma once
// Who is calling: the verified claims of an access token.

#include <algorithm>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace crm::auth {

// Which business records the caller may see (the widest over their roles).
enum class DataScope { kNone = 0, kOwn = 1, kDepartment = 2, kAll = 3 };

absl::string_view DataScopeName(DataScope scope);  // "none" | "own" | "department" | "all"
bool ParseDataScope(absl::string_view name, DataScope* scope);

struct Principal {
  std::string user_id;
  std::string username;
  bool service_account = false;
  std::vector<std::string> roles;
  // Sorted, so Can() is a binary search.
  std::vector<std::string> permissions;
  std::string department_id;
  DataScope scope = DataScope::kNone;
  // The caller's department and all departments below it (when scope is kDepartment).
  std::vector<std::string> department_tree;
  // The token's id (jti) and expiry.
  std::string token_id;
  absl::Time issued_at;
  absl::Time expires_at;

  bool Can(absl::string_view permission) const {
    return std::binary_search(permissions.begin(), permissions.end(), permission);
  }
  bool HasRole(absl::string_view role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
  // Whether the department is the caller's or below it (department scope).
  bool InDepartmentTree(absl::string_view department_id) const {
    return std::find(department_tree.begin(), department_tree.end(), department_id) !=
           department_tree.end();
  }
  // Whether a record owned by owner_id in owner_department_id is within the caller's scope
  // (for results already read, e.g. another record a write collided with; reads filter in SQL).
  bool Sees(absl::string_view owner_id, absl::string_view owner_department_id) const {
    switch (scope) {
      case DataScope::kAll:
        return true;
      case DataScope::kDepartment:
        return InDepartmentTree(owner_department_id);
      case DataScope::kOwn:
        return owner_id == user_id;
      case DataScope::kNone:
        break;
    }
    return false;
  }
};

// OK when the principal has the permission, otherwise PERMISSION_DENIED naming it.
absl::Status Require(const Principal& principal, absl::string_view permission);

// The answer for a record the caller's scoped lookup did not find: with a limited scope it may
// exist outside that scope, so it is PERMISSION_DENIED either way (ids do not leak); with
// scope all it is NOT_FOUND.
absl::Status NotVisible(DataScope scope, absl::string_view what, absl::string_view id);

}  // namespace crm::auth
