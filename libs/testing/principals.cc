#include "libs/testing/principals.h"

#include <algorithm>

#include "libs/ids/uuid.h"

namespace crm::test {

auth::Principal NewPrincipal(std::vector<std::string> permissions, auth::DataScope scope,
                             const std::string& department, std::vector<std::string> roles) {
  auth::Principal p;
  p.user_id = ids::NewUuidV7();
  p.username = "user-" + p.user_id.substr(30);
  p.permissions = std::move(permissions);
  std::sort(p.permissions.begin(), p.permissions.end());
  p.scope = scope;
  p.department_id = department;
  if (scope == auth::DataScope::kDepartment) p.department_tree = {department};
  p.roles = std::move(roles);
  return p;
}

}  // namespace crm::test
