#pragma once
// Real PostgreSQL for tests: a fresh database per test binary on the test cluster that
// scripts/test.sh starts (CRM_TEST_PG), and private throw-away clusters for tests that must
// stop and start the server.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "libs/db/conn.h"
#include "libs/db/migrate.h"
#include "libs/db/reader.h"

namespace crm::test {

// Runs a shell command; returns its output (stdout and stderr) or an error with that output.
absl::StatusOr<std::string> RunCommand(const std::string& command);
// Quotes s for a POSIX shell.
std::string ShellQuote(absl::string_view s);

// A database created for one test binary and dropped when it goes away.
class TestDatabase {
 public:
  // Creates a database on the cluster given by CRM_TEST_PG (libpq keyword/value conninfo
  // of a superuser, without dbname). `name` becomes part of the database's name.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(absl::string_view name);
  // Same, on another cluster.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> CreateOn(std::string cluster_conninfo,
                                                                absl::string_view name);
  ~TestDatabase();

  const std::string& name() const { return name_; }
  // Superuser connection to this database.
  std::string AdminConninfo() const;
  // Provisions a service's role and schema as deployments do (deploy/sql/), and returns the
  // conninfo the service uses: its own role, this database.
  absl::StatusOr<std::string> ProvisionService(absl::string_view schema, absl::string_view role);
  // ProvisionService, then applies the migration sets as that role.
  absl::StatusOr<std::string> ProvisionAndMigrate(absl::string_view schema, absl::string_view role,
                                                  const std::vector<db::MigrationSet>& sets);

 private:
  TestDatabase(std::string cluster, std::string name)
      : cluster_(std::move(cluster)), name_(std::move(name)) {}
  std::string cluster_;
  std::string name_;
};

// A private PostgreSQL cluster in a temporary directory, for tests that stop the server.
class TempCluster {
 public:
  static absl::StatusOr<std::unique_ptr<TempCluster>> Start();
  ~TempCluster();

  absl::Status Stop();
  // Starts it again after Stop, on the same port.
  absl::Status Restart();
  // Superuser conninfo without dbname.
  std::string Conninfo() const;
  int port() const { return port_; }

 private:
  TempCluster(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  std::string dir_;
  int port_;
};

// The conninfo of the shared test cluster (CRM_TEST_PG), or an error saying how to get one.
absl::StatusOr<std::string> TestClusterConninfo();

// A session that uses the generic plan of every prepared statement (the plan kept for any
// values, which a service's session runs once PostgreSQL prefers it, or always where the
// service forces it) and avoids sequential scans, so that a plan without a fitting index shows
// as a scan. A test prepares a statement on it (through the service's code) and reads its plan
// with ExplainPrepared. conninfo must not set `options` itself.
std::unique_ptr<db::Conn> KeptPlanSession(const std::string& conninfo);
// The plan of the statement `name`, prepared on `conn`, for `params`: EXPLAIN with `options`.
// A failure fails the test and gives "".
std::string ExplainPrepared(db::Conn& conn, const std::string& name, const db::Params& params,
                            const std::string& options = "COSTS OFF");
// How often the statement `name`, prepared on `conn`, ran the plan the session keeps for it
// (generic) and how often it was planned for the call's values (custom). A statement not
// prepared there, or a failure, fails the test.
struct PlanCounts {
  int64_t generic = 0;
  int64_t custom = 0;
};
PlanCounts PlanCountsOf(db::Conn& conn, const std::string& name);

}  // namespace crm::test
