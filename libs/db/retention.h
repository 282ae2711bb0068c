#pragma once
// Retention: rows kept only for a while (the outbox, the request log, expired refresh tokens)
// deleted once they are older than their table's keep period, in batches, so no run holds
// many locks or a long transaction. Each table is a DELETE the caller writes, taking the
// cutoff as $1 (timestamptz) and a batch size as $2, and returning the deleted rows' count.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/db/conn.h"

namespace prometheus {
class Registry;
class Counter;
}  // namespace prometheus

namespace crm::db {

class Retention {
 public:
  struct Table {
    std::string name;  // a label, e.g. "outbox"
    // A statement deleting at most $2 rows older than $1.
    std::string delete_sql;
    absl::Duration keep;  // zero or less: kept forever
  };

  explicit Retention(prometheus::Registry* registry);

  void Add(Table table);
  // Deletes what is due in every table, batch by batch; the rows deleted.
  absl::StatusOr<int64_t> Run(Conn& conn, absl::Time now = absl::Now());

  static constexpr int kBatch = 5000;

 private:
  prometheus::Registry* registry_;
  std::vector<Table> tables_;
  std::vector<prometheus::Counter*> deleted_;
};

}  // namespace crm::db
