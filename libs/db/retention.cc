#include "libs/db/retention.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "libs/log/log.h"

namespace crm::db {

Retention::Retention(prometheus::Registry* registry) : registry_(registry) {}

void Retention::Add(Table table) {
  prometheus::Counter* counter = nullptr;
  if (registry_ != nullptr) {
    counter = &prometheus::BuildCounter()
                   .Name("crm_retention_deleted_rows_total")
                   .Help("Rows deleted because they were older than their table keeps them")
                   .Register(*registry_)
                   .Add({{"table", table.name}});
  }
  tables_.push_back(std::move(table));
  deleted_.push_back(counter);
}

absl::StatusOr<int64_t> Retention::Run(Conn& conn, absl::Time now) {
  int64_t total = 0;
  for (size_t i = 0; i < tables_.size(); ++i) {
    const Table& t = tables_[i];
    if (t.keep <= absl::ZeroDuration()) continue;
    const std::string cutoff =
        absl::FormatTime(absl::RFC3339_full, now - t.keep, absl::UTCTimeZone());
    for (;;) {
      auto deleted = conn.Transact([&](Tx& tx) -> absl::StatusOr<int64_t> {
        return static_cast<int64_t>(tx.exec_params(t.delete_sql, cutoff, kBatch).affected_rows());
      });
      if (!deleted.ok()) return deleted.status();
      total += *deleted;
      if (deleted_[i] != nullptr) deleted_[i]->Increment(static_cast<double>(*deleted));
      if (*deleted > 0) log::Info("retention").Str("table", t.name).Int("deleted", *deleted);
      if (*deleted < kBatch) break;
    }
  }
  return total;
}

}  // namespace crm::db
