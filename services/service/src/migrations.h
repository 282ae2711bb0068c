#pragma once

#include <vector>

#include "libs/db/migrate.h"

namespace crm::tickets_service {

// The service schema's migrations (generated from services/service/migrations).
const db::MigrationSet& Migrations();

// Everything applied to the service schema, in order: shared tables and functions first.
std::vector<db::MigrationSet> AllMigrations();

}  // namespace crm::tickets_service
