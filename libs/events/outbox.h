#pragma once
// Writing events: one row in the service's outbox, in the caller's transaction, so an event
// exists if and only if the change it describes was committed.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libs/db/conn.h"
#include "libs/db/migrate.h"
#include "libs/db/retention.h"

namespace google::protobuf {
class Message;
}

namespace crm::events {

struct EventDraft {
  // "<service>.<aggregate>.<verb>", e.g. "auth.user.created".
  std::string type;
  std::string aggregate_type;
  std::string aggregate_id;
  // The typed payload; delivered as google.protobuf.Any.
  const google::protobuf::Message* payload = nullptr;
  std::string actor_id;
  std::string request_id;
};

class Outbox {
 public:
  explicit Outbox(absl::string_view schema);
  // Records the event in tx. Throws like any statement in a db::Conn::Transact body.
  void Append(db::Tx& tx, const EventDraft& event) const;
  // Records many events in one statement (bulk work: imports), in the given order.
  void AppendAll(db::Tx& tx, const std::vector<EventDraft>& events) const;

  // The outbox table, applied into the service's schema.
  static const db::MigrationSet& Migrations();
  // Events older than `keep` are deleted (followers that fall further behind lose them).
  db::Retention::Table RetentionTable(absl::Duration keep) const;
  // FAILED_PRECONDITION when the outbox holds events of transactions the database has not
  // started yet: its transaction counter is behind its data (restored from a logical dump).
  // New events would sort before those, behind every consumer's cursor.
  absl::Status CheckOrder(db::Conn& conn) const;

 private:
  std::string insert_name_;
  std::string insert_sql_;
  std::string channel_;  // OutboxChannel(schema)
  std::string schema_;
  std::string insert_all_name_;
  std::string insert_all_sql_;
};

// The channel notified after each commit that wrote events to the schema's outbox, and
// listened to by its event streams.
std::string OutboxChannel(absl::string_view schema);

// Cursor text for a position; and back (false when malformed).
std::string FormatCursor(absl::string_view xid, int64_t seq);
bool ParseCursor(absl::string_view cursor, std::string* xid, int64_t* seq);

}  // namespace crm::events
