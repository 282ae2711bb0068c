#pragma once
// Schema migrations: numbered SQL files per service (and per shared library that owns tables,
// such as the outbox), applied in order at start under an advisory lock, each in its own
// transaction, and recorded with a checksum in <schema>.schema_migrations.

#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "libs/db/conn.h"

namespace crm::db {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// The migrations of one component ("auth", "outbox", …). Versions are per component.
struct MigrationSet {
  std::string component;
  std::vector<Migration> migrations;
};

// Whether name is a plain lower-case SQL identifier (what schema names must be).
bool IsPlainIdentifier(absl::string_view name);

// Creates the schema if missing and applies, in order, every migration of `sets` not yet
// recorded. Each migration runs with search_path set to the schema. A recorded migration
// whose SQL has changed since is FAILED_PRECONDITION: fix forward with a new migration.
// Concurrent callers (replicas starting together) serialise on an advisory lock.
absl::Status Migrate(Conn& conn, absl::string_view schema, const std::vector<MigrationSet>& sets);

// Parses "0001_create_users.sql" into version 1 and name "create_users".
bool ParseMigrationFileName(absl::string_view file_name, int* version, std::string* name);

}  // namespace crm::db
