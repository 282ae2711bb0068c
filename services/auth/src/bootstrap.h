#pragma once

#include <string>

#include "absl/status/status.h"
#include "libs/db/conn.h"
#include "libs/events/outbox.h"
#include "services/auth/src/passwords.h"

namespace crm::auth_service {

// Creates the first admin from configuration while no active admin exists. Never changes an
// existing account, and never invents a password: without one it only warns.
absl::Status BootstrapAdmin(db::Conn& conn, const events::Outbox& outbox,
                            const std::string& username, const std::string& password,
                            const PasswordParams& params);

}  // namespace crm::auth_service
