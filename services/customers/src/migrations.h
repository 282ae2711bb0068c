#pragma once

#include <vector>

#include "libs/db/migrate.h"

namespace crm::customers_service {

// The customers schema's migrations (generated from services/customers/migrations).
const db::MigrationSet& Migrations();

// Everything applied to the customers schema, in order: shared tables first.
std::vector<db::MigrationSet> AllMigrations();

}  // namespace crm::customers_service
