#include "libs/events/outbox.h"

#include <google/protobuf/message.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/ids/uuid.h"

namespace crm::events {
namespace outbox_internal {
const db::MigrationSet& Migrations();  // generated from migrations/
}  // namespace outbox_internal

const db::MigrationSet& Outbox::Migrations() { return outbox_internal::Migrations(); }

db::Retention::Table Outbox::RetentionTable(absl::Duration keep) const {
  // The oldest events by position (which follows time): no index on occurred_at needed.
  return {"outbox",
          absl::StrCat("DELETE FROM ", schema_, ".outbox o USING (SELECT xid, seq FROM ", schema_,
                       ".outbox ORDER BY xid, seq LIMIT $2) old WHERE o.xid = old.xid"
                       " AND o.seq = old.seq AND o.occurred_at < $1::timestamptz"),
          keep};
}

absl::Status Outbox::CheckOrder(db::Conn& conn) const {
  auto ahead = conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
    pqxx::result r =
        tx.exec(absl::StrCat("SELECT max(xid)::text FROM ", schema_,
                             ".outbox HAVING max(xid) >= pg_snapshot_xmax(pg_current_snapshot())"));
    return r.empty() ? "" : r[0][0].as<std::string>();
  });
  if (!ahead.ok()) return ahead.status();
  if (ahead->empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      schema_, ".outbox holds events of transaction ", *ahead,
      ", which this database has not reached: it was restored from a logical dump, so new events"
      " would sort before them and consumers would never see them. Restore from a physical"
      " backup, or advance the transaction counter past it (pg_resetwal -x)."));
}

Outbox::Outbox(absl::string_view schema)
    : insert_name_(absl::StrCat(schema, ".outbox.insert")),
      insert_sql_(absl::StrCat(
          "INSERT INTO ", schema,
          ".outbox (event_id, type, aggregate_type, aggregate_id, actor_id, request_id,"
          " payload_type, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")),
      channel_(OutboxChannel(schema)),
      schema_(schema),
      insert_all_name_(absl::StrCat(schema, ".outbox.insert_all")),
      insert_all_sql_(absl::StrCat(
          "INSERT INTO ", schema,
          ".outbox (event_id, type, aggregate_type, aggregate_id, actor_id, request_id,"
          " payload_type, payload) SELECT u.i::uuid, u.t, u.at, u.ai, u.a, u.r, u.pt, u.p"
          " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
          " $5::text[], $6::text[], $7::text[], $8::bytea[]) WITH ORDINALITY"
          " AS u(i, t, at, ai, a, r, pt, p, n) ORDER BY u.n")) {}

namespace {

// The payload's type name and bytes (empty for none).
std::pair<std::string, std::string> Serialized(const EventDraft& e) {
  if (e.payload == nullptr) return {};
  return {e.payload->GetTypeName(), e.payload->SerializeAsString()};
}

}  // namespace

void Outbox::Append(db::Tx& tx, const EventDraft& e) const {
  const auto [type_name, bytes] = Serialized(e);
  db::Exec(tx, {insert_name_, insert_sql_}, ids::NewUuidV7(), e.type, e.aggregate_type,
           e.aggregate_id, e.actor_id, e.request_id, type_name,
           pqxx::binarystring(bytes.data(), bytes.size()));
  db::NotifyAfterCommit(tx, channel_);
}

void Outbox::AppendAll(db::Tx& tx, const std::vector<EventDraft>& events) const {
  if (events.empty()) return;
  std::vector<std::string> cols[8];
  for (auto& c : cols) c.reserve(events.size());
  for (const auto& e : events) {
    auto [type_name, bytes] = Serialized(e);
    cols[0].push_back(ids::NewUuidV7());
    cols[1].push_back(e.type);
    cols[2].push_back(e.aggregate_type);
    cols[3].push_back(e.aggregate_id);
    cols[4].push_back(e.actor_id);
    cols[5].push_back(e.request_id);
    cols[6].push_back(std::move(type_name));
    cols[7].push_back(std::move(bytes));
  }
  db::Exec(tx, {insert_all_name_, insert_all_sql_}, db::BinaryTextArray(cols[0]),
           db::BinaryTextArray(cols[1]), db::BinaryTextArray(cols[2]), db::BinaryTextArray(cols[3]),
           db::BinaryTextArray(cols[4]), db::BinaryTextArray(cols[5]), db::BinaryTextArray(cols[6]),
           db::BinaryByteaArray(cols[7]));
  db::NotifyAfterCommit(tx, channel_);
}

std::string OutboxChannel(absl::string_view schema) { return absl::StrCat(schema, "_outbox"); }

std::string FormatCursor(absl::string_view xid, int64_t seq) { return absl::StrCat(xid, "-", seq); }

bool ParseCursor(absl::string_view cursor, std::string* xid, int64_t* seq) {
  const size_t dash = cursor.find('-');
  if (dash == absl::string_view::npos || dash == 0 || dash > 20) return false;
  const absl::string_view x = cursor.substr(0, dash);
  for (char c : x) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  uint64_t xid_value;
  if (!absl::SimpleAtoi(x, &xid_value)) return false;
  if (!absl::SimpleAtoi(cursor.substr(dash + 1), seq) || *seq < 0) return false;
  *xid = std::string(x);
  return true;
}

}  // namespace crm::events
