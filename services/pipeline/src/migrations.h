#pragma once

#include <vector>

#include "libs/db/migrate.h"

namespace crm::pipeline_service {

// The pipeline schema's migrations (generated from services/pipeline/migrations).
const db::MigrationSet& Migrations();

// Everything applied to the pipeline schema, in order: shared tables first.
std::vector<db::MigrationSet> AllMigrations();

}  // namespace crm::pipeline_service
