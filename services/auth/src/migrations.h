#pragma once

#include <vector>

#include "libs/db/migrate.h"

namespace crm::auth_service {

// The auth schema's migrations (generated from services/auth/migrations).
const db::MigrationSet& Migrations();

// Everything applied to the auth schema, in order: shared tables first.
std::vector<db::MigrationSet> AllMigrations();

}  // namespace crm::auth_service
