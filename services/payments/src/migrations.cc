#include "services/payments/src/migrations.h"

#include "libs/db/request_log.h"
#include "libs/events/follower.h"
#include "libs/events/outbox.h"

namespace crm::payments_service {

std::vector<db::MigrationSet> AllMigrations() {
  return {db::RequestLog::Migrations(), events::Outbox::Migrations(),
          events::Follower::Migrations(), Migrations()};
}

}  // namespace crm::payments_service
