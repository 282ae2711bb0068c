#include "services/analytics/src/migrations.h"

#include "libs/events/follower.h"

namespace crm::analytics {

std::vector<db::MigrationSet> AllMigrations() {
  return {events::Follower::Migrations(), Migrations()};
}

}  // namespace crm::analytics
