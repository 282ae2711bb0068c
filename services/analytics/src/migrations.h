#pragma once

#include <vector>

#include "libs/db/migrate.h"

namespace crm::analytics {

// The analytics schema's migrations (generated from services/analytics/migrations).
const db::MigrationSet& Migrations();

// Everything applied to the analytics schema, in order: shared tables and functions first.
std::vector<db::MigrationSet> AllMigrations();

}  // namespace crm::analytics
