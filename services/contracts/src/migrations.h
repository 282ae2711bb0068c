#pragma once

#include <vector>

#include "libs/db/migrate.h"

namespace crm::contracts_service {

// The contracts schema's migrations (generated from services/contracts/migrations).
const db::MigrationSet& Migrations();

// Everything applied to the contracts schema, in order: shared tables first.
std::vector<db::MigrationSet> AllMigrations();

}  // namespace crm::contracts_service
