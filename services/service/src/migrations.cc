#include "services/service/src/migrations.h"

#include "libs/db/request_log.h"
#include "libs/db/search_grams.h"
#include "libs/events/follower.h"
#include "libs/events/outbox.h"

namespace crm::tickets_service {

std::vector<db::MigrationSet> AllMigrations() {
  return {db::search_grams::Migrations(), db::RequestLog::Migrations(),
          events::Outbox::Migrations(), events::Follower::Migrations(), Migrations()};
}

}  // namespace crm::tickets_service
