#pragma once

#include <vector>

#include "libs/db/migrate.h"

namespace crm::payments_service {

// The payments schema's migrations (generated from services/payments/migrations).
const db::MigrationSet& Migrations();

// Everything applied to the payments schema, in order: shared tables first.
std::vector<db::MigrationSet> AllMigrations();

}  // namespace crm::payments_service
