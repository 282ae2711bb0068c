#include "libs/db/migrate.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/log/log.h"
#include "libs/status/status_macros.h"

namespace crm::db {
namespace {

std::string Checksum(absl::string_view sql) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across builds and platforms
  for (unsigned char c : sql) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return absl::StrFormat("%016x", h);
}

}  // namespace

bool IsPlainIdentifier(absl::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(absl::ascii_islower(name[0]) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_')) return false;
  }
  return true;
}

bool ParseMigrationFileName(absl::string_view file_name, int* version, std::string* name) {
  const size_t underscore = file_name.find('_');
  if (underscore == absl::string_view::npos || file_name.size() < 5 ||
      file_name.substr(file_name.size() - 4) != ".sql") {
    return false;
  }
  if (!absl::SimpleAtoi(file_name.substr(0, underscore), version) || *version <= 0) return false;
  *name = std::string(file_name.substr(underscore + 1, file_name.size() - underscore - 5));
  return !name->empty();
}

absl::Status Migrate(Conn& conn, absl::string_view schema, const std::vector<MigrationSet>& sets) {
  if (!IsPlainIdentifier(schema)) {
    return absl::InvalidArgumentError(absl::StrCat("bad schema name \"", schema, "\""));
  }
  for (const auto& set : sets) {
    for (size_t i = 1; i < set.migrations.size(); ++i) {
      if (set.migrations[i].version <= set.migrations[i - 1].version) {
        return absl::InvalidArgumentError(
            absl::StrCat("migrations of ", set.component, " are not in increasing order"));
      }
    }
  }
  const std::string s(schema);
  const std::string table = s + ".schema_migrations";
  CRM_RETURN_IF_ERROR(conn.EnsureOpen());
  // A session-level lock, held across the per-migration transactions.
  const std::string lock_key = "crm.migrate." + s;
  CRM_RETURN_IF_ERROR(conn.Read([&](Tx& tx) -> absl::Status {
    tx.exec_params("SELECT pg_advisory_lock(hashtext($1))", lock_key);
    return absl::OkStatus();
  }));
  auto unlock = [&] {
    (void)conn.Read([&](Tx& tx) -> absl::Status {
      tx.exec_params("SELECT pg_advisory_unlock(hashtext($1))", lock_key);
      return absl::OkStatus();
    });
  };

  absl::Status status = conn.Transact([&](Tx& tx) -> absl::Status {
    // The schema is usually provisioned (owned by the service's role); create it only when
    // missing, since CREATE SCHEMA needs a privilege the service role may not have.
    if (tx.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", s).empty()) {
      tx.exec("CREATE SCHEMA " + tx.quote_name(s));
    }
    tx.exec("CREATE TABLE IF NOT EXISTS " + table +
            " (component text NOT NULL, version int NOT NULL, name text NOT NULL,"
            " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
            " PRIMARY KEY (component, version))");
    return absl::OkStatus();
  });

  for (const auto& set : sets) {
    if (!status.ok()) break;
    for (const auto& m : set.migrations) {
      status = conn.Transact([&](Tx& tx) -> absl::Status {
        pqxx::result done = tx.exec_params(
            "SELECT checksum FROM " + table + " WHERE component = $1 AND version = $2",
            set.component, m.version);
        const std::string checksum = Checksum(m.sql);
        if (!done.empty()) {
          if (done[0][0].as<std::string>() != checksum) {
            return absl::FailedPreconditionError(
                absl::StrFormat("migration %s/%04d_%s was changed after it was applied",
                                set.component, m.version, m.name));
          }
          return absl::OkStatus();
        }
        tx.exec("SET LOCAL search_path TO " + tx.quote_name(s) + ", public");
        tx.exec(m.sql);
        tx.exec_params("INSERT INTO " + table +
                           " (component, version, name, checksum) VALUES ($1, $2, $3, $4)",
                       set.component, m.version, m.name, checksum);
        log::Info("migration applied")
            .Str("schema", s)
            .Str("component", set.component)
            .Int("version", m.version)
            .Str("name", m.name);
        return absl::OkStatus();
      });
      if (!status.ok()) {
        status =
            absl::Status(status.code(), absl::StrFormat("migration %s/%04d_%s: %s", set.component,
                                                        m.version, m.name, status.message()));
        break;
      }
    }
  }
  unlock();
  return status;
}

}  // namespace crm::db
