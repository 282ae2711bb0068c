#pragma once
// Callers for logic tests: a principal as a verified token would describe one, without a token.

#include <string>
#include <vector>

#include "libs/auth/principal.h"

namespace crm::test {

// A new user (fresh id) with these permissions and record scope, in `department`; for a
// department scope, department_tree is that department alone until the test sets it.
auth::Principal NewPrincipal(std::vector<std::string> permissions, auth::DataScope scope,
                             const std::string& department, std::vector<std::string> roles);

}  // namespace crm::test
