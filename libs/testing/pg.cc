#include "libs/testing/pg.h"

#include <pwd.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/db/conn.h"
#include "libs/testing/process.h"

namespace crm::test {
namespace {

std::string Script(absl::string_view relative) {
  return absl::StrCat(CRM_SOURCE_DIR, "/", relative);
}

std::string DatabaseName(absl::string_view name) {
  static std::atomic<int> counter{0};
  std::string out = "t_";
  for (char c : name) {
    out.push_back((std::isalnum(static_cast<unsigned char>(c)) != 0) ? std::tolower(c) : '_');
  }
  absl::StrAppend(&out, "_", getpid(), "_", counter++);
  return out.substr(0, 63);
}

absl::Status AdminExec(const std::string& conninfo, const std::string& sql) {
  try {
    pqxx::connection conn(conninfo);
    pqxx::nontransaction tx(conn);
    tx.exec(sql);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(sql, ": ", e.what()));
  }
}

}  // namespace

std::string ShellQuote(absl::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

absl::StatusOr<std::string> RunCommand(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed");
  std::string output;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int rc = pclose(pipe);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("`", command, "` failed (", rc, "): ", output));
  }
  return output;
}

absl::StatusOr<std::string> TestClusterConninfo() {
  const char* env = std::getenv("CRM_TEST_PG");
  if (env == nullptr || *env == '\0') {
    return absl::FailedPreconditionError(
        "CRM_TEST_PG is not set: run the tests with scripts/test.sh, which starts a test "
        "PostgreSQL cluster and sets it");
  }
  return std::string(env);
}

std::unique_ptr<db::Conn> KeptPlanSession(const std::string& conninfo) {
  return std::make_unique<db::Conn>(db::WithConnectOption(
      conninfo, "options", "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off"));
}

std::string ExplainPrepared(db::Conn& conn, const std::string& name, const db::Params& params,
                            const std::string& options) {
  auto plan = conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::string> {
    std::string args;
    for (const auto& p : params) {
      if (!args.empty()) args += ", ";
      args += p ? tx.quote(*p) : "NULL";
    }
    std::string lines;
    for (const auto& row : tx.exec(absl::StrCat("EXPLAIN (", options, ") EXECUTE ",
                                                tx.quote_name(name), "(", args, ")"))) {
      absl::StrAppend(&lines, row[0].as<std::string>(), "\n");
    }
    return lines;
  });
  if (!plan.ok()) ADD_FAILURE() << "EXPLAIN EXECUTE " << name << ": " << plan.status();
  return plan.ok() ? *plan : std::string();
}

PlanCounts PlanCountsOf(db::Conn& conn, const std::string& name) {
  auto counts = conn.Read([&](db::Tx& tx) -> absl::StatusOr<PlanCounts> {
    pqxx::result r = tx.exec(
        absl::StrCat("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = ",
                     tx.quote(name)));
    if (r.empty()) return absl::NotFoundError("not prepared on this session");
    return PlanCounts{r[0][0].as<int64_t>(), r[0][1].as<int64_t>()};
  });
  if (!counts.ok()) ADD_FAILURE() << "the plans of " << name << ": " << counts.status();
  return counts.ok() ? *counts : PlanCounts{};
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(absl::string_view name) {
  auto cluster = TestClusterConninfo();
  if (!cluster.ok()) return cluster.status();
  return CreateOn(*cluster, name);
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::CreateOn(std::string cluster,
                                                                     absl::string_view name) {
  std::unique_ptr<TestDatabase> db(new TestDatabase(std::move(cluster), DatabaseName(name)));
  absl::Status s = AdminExec(db->cluster_ + " dbname=postgres",
                             absl::StrCat("CREATE DATABASE ", db->name_, " ENCODING 'UTF8'"));
  if (!s.ok()) {
    db->name_.clear();  // nothing to drop
    return s;
  }
  return db;
}

TestDatabase::~TestDatabase() {
  if (name_.empty()) return;
  (void)AdminExec(cluster_ + " dbname=postgres",
                  absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
}

std::string TestDatabase::AdminConninfo() const { return cluster_ + " dbname=" + name_; }

absl::StatusOr<std::string> TestDatabase::ProvisionService(absl::string_view schema,
                                                           absl::string_view role) {
  auto out = RunCommand(absl::StrCat(
      "psql -X -q -v role=", ShellQuote(role), " -v schema=", ShellQuote(schema), " -f ",
      ShellQuote(Script("deploy/sql/provision-service.sql")), " ", ShellQuote(AdminConninfo())));
  if (!out.ok()) return out.status();
  return absl::StrCat(AdminConninfo(), " user=", role);
}

absl::StatusOr<std::string> TestDatabase::ProvisionAndMigrate(
    absl::string_view schema, absl::string_view role, const std::vector<db::MigrationSet>& sets) {
  auto conninfo = ProvisionService(schema, role);
  if (!conninfo.ok()) return conninfo.status();
  db::Conn conn(*conninfo);
  absl::Status s = db::Migrate(conn, schema, sets);
  if (!s.ok()) return s;
  return conninfo;
}

absl::StatusOr<std::unique_ptr<TempCluster>> TempCluster::Start() {
  char tmpl[] = "/tmp/crm-pgtmp-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  std::unique_ptr<TempCluster> c(new TempCluster(tmpl, PickFreePort()));
  if (absl::Status s = c->Restart(); !s.ok()) return s;
  return c;
}

TempCluster::~TempCluster() {
  (void)Stop();
  (void)RunCommand("rm -rf " + ShellQuote(dir_));
}

absl::Status TempCluster::Stop() {
  return RunCommand(
             absl::StrCat(ShellQuote(Script("scripts/pg-cluster.sh")), " stop ", ShellQuote(dir_)))
      .status();
}

absl::Status TempCluster::Restart() {
  return RunCommand(absl::StrCat(ShellQuote(Script("scripts/pg-cluster.sh")), " start ",
                                 ShellQuote(dir_), " ", port_, " --fast"))
      .status();
}

std::string TempCluster::Conninfo() const {
  const passwd* pw = getpwuid(getuid());
  const std::string user = getuid() == 0 ? "postgres" : (pw != nullptr ? pw->pw_name : "");
  return absl::StrCat("host=", dir_, " port=", port_, " user=", user);
}

}  // namespace crm::test
