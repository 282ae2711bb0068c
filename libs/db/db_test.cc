#include <atomic>
#include <future>
#include <thread>

#include <pqxx/notification>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/conn.h"
#include "libs/db/copy.h"
#include "libs/db/migrate.h"
#include "libs/db/notifier.h"
#include "libs/db/pool.h"
#include "libs/db/reader.h"
#include "libs/db/request_log.h"
#include "libs/db/retention.h"
#include "libs/db/search_grams.h"
#include "libs/testing/pg.h"
#include "libs/testing/status_matchers.h"

namespace crm::db {
namespace {

using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class DbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = test::TestDatabase::Create("db_test");
    ASSERT_THAT(db, IsOk());
    db_ = db->release();
    Conn conn(db_->AdminConninfo());
    ASSERT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
      tx.exec("CREATE TABLE parent (id int PRIMARY KEY, name text UNIQUE)");
      tx.exec("CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent(id))");
      tx.exec("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)");
      tx.exec("INSERT INTO counter VALUES (1, 0)");
      return absl::OkStatus();
    }),
                IsOk());
  }
  static void TearDownTestSuite() { delete db_; }
  static test::TestDatabase* db_;
};
test::TestDatabase* DbTest::db_ = nullptr;

constexpr Statement kInsertParent{"test.insert_parent", "INSERT INTO parent VALUES ($1, $2)"};
constexpr Statement kCountParents{"test.count_parents",
                                  "SELECT count(*) FROM parent WHERE id = $1"};

TEST_F(DbTest, CommitsOnOkAndRollsBackOnError) {
  Conn conn(db_->AdminConninfo());
  ASSERT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    Exec(tx, kInsertParent, 1, "华为");
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    Exec(tx, kInsertParent, 2, "腾讯");
    return absl::FailedPreconditionError("business rule");
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition, "business rule"));
  auto count = conn.Read([](Tx& tx) -> absl::StatusOr<int> {
    return Exec(tx, kCountParents, 1)[0][0].as<int>() +
           10 * Exec(tx, kCountParents, 2)[0][0].as<int>();
  });
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(*count, 1);
}

TEST_F(DbTest, ConstraintViolationsMapToCodes) {
  Conn conn(db_->AdminConninfo());
  ASSERT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    Exec(tx, kInsertParent, 10, "dup-name");
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    Exec(tx, kInsertParent, 11, "dup-name");
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    tx.exec("INSERT INTO child VALUES (1, 999)");
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // Anything else is INTERNAL, with nothing of the SQL in the message.
  EXPECT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    tx.exec("SELECT * FROM no_such_table");
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kInternal, Not(HasSubstr("no_such_table"))));
  // The session is still usable after errors.
  EXPECT_THAT(conn.Read([](Tx& tx) -> absl::Status {
    tx.exec("SELECT 1");
    return absl::OkStatus();
  }),
              IsOk());
}

TEST_F(DbTest, SerializationFailuresAreRetried) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Conn conn(db_->AdminConninfo(), /*max_attempts=*/100);
      for (int i = 0; i < kIncrements; ++i) {
        absl::Status s = conn.Transact(
            [](Tx& tx) -> absl::Status {
              int n = tx.exec("SELECT n FROM counter WHERE id = 1")[0][0].as<int>();
              tx.exec_params("UPDATE counter SET n = $1 WHERE id = 1", n + 1);
              return absl::OkStatus();
            },
            Isolation::kSerializable);
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  Conn conn(db_->AdminConninfo());
  auto n = conn.Read([](Tx& tx) -> absl::StatusOr<int> {
    return tx.exec("SELECT n FROM counter WHERE id = 1")[0][0].as<int>();
  });
  EXPECT_EQ(*n, kThreads * kIncrements);
}

// Every session of this database ended by the server, as a PostgreSQL restart ends them.
void TerminateAllSessions(const std::string& conninfo) {
  Conn killer(conninfo);
  ASSERT_THAT(killer.Read([&](Tx& tx) -> absl::Status {
    tx.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    return absl::OkStatus();
  }),
              IsOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// A session the server closed while it was idle (a restart) is noticed before use and
// replaced: the next transaction succeeds on a new session instead of failing.
TEST_F(DbTest, SessionsClosedWhileIdleReconnectBeforeUse) {
  Conn conn(db_->AdminConninfo());
  auto pid = conn.Read([](Tx& tx) -> absl::StatusOr<int> {
    return tx.exec("SELECT pg_backend_pid()")[0][0].as<int>();
  });
  ASSERT_THAT(pid, IsOk());
  TerminateAllSessions(db_->AdminConninfo());
  auto pid2 = conn.Transact([](Tx& tx) -> absl::StatusOr<int> {
    return tx.exec("SELECT pg_backend_pid()")[0][0].as<int>();
  });
  ASSERT_THAT(pid2, IsOk());
  EXPECT_NE(*pid2, *pid);
  // Lost in the middle of a transaction: not retried (it may have done something).
  EXPECT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    tx.exec("SELECT pg_terminate_backend(pg_backend_pid())");
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(
      conn.Read([](Tx& tx) -> absl::StatusOr<int> { return tx.exec("SELECT 1")[0][0].as<int>(); }),
      IsOk());
}

// The whole executor after a restart: every pooled session is dead, and no task fails.
TEST_F(DbTest, NoTaskFailsAfterEveryPooledSessionWasClosed) {
  Pool pool({db_->AdminConninfo(), 4, "restart"}, nullptr);
  std::atomic<int> opened{0};
  std::promise<void> all_open;
  for (int i = 0; i < 4; ++i) {
    pool.Submit([&](Conn& conn) {
      (void)conn.Read([](Tx& tx) {
        tx.exec("SELECT 1");
        return absl::OkStatus();
      });
      if (++opened == 4) all_open.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // one task per worker
    });
  }
  all_open.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  TerminateAllSessions(db_->AdminConninfo());
  std::atomic<int> failures{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < 40; ++i) {
    auto p = std::make_shared<std::promise<void>>();
    done.push_back(p->get_future());
    pool.Submit([&failures, p](Conn& conn) {
      absl::Status s = conn.Transact([](Tx& tx) {
        tx.exec("SELECT 1");
        return absl::OkStatus();
      });
      if (!s.ok()) ++failures;
      p->set_value();
    });
  }
  for (auto& f : done) f.wait();
  EXPECT_EQ(failures.load(), 0);
}

// A request's deadline bounds its transaction's statements: the database stops working for a
// client that has given up.
TEST_F(DbTest, ATransactionStopsAtItsRequestsDeadline) {
  Conn conn(db_->AdminConninfo());
  const absl::Time start = absl::Now();
  {
    ScopedDeadline deadline(absl::Now() + absl::Milliseconds(300));
    EXPECT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
      tx.exec("SELECT pg_sleep(5)");
      return absl::OkStatus();
    }),
                StatusIs(absl::StatusCode::kDeadlineExceeded));
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  // The limit was the transaction's own: the session is back to its default.
  auto timeout = conn.Transact([](Tx& tx) -> absl::StatusOr<std::string> {
    return tx.exec("SHOW statement_timeout")[0][0].as<std::string>();
  });
  ASSERT_THAT(timeout, IsOk());
  EXPECT_EQ(*timeout, "0");
}

// A service's role bounds its statements, idle transactions and lock waits (provisioned as
// deployments provision it), so no session can stall the others.
TEST_F(DbTest, ServiceRolesBoundStatementsIdleTransactionsAndLockWaits) {
  auto conninfo = db_->ProvisionService("bounded", "crm_bounded_test");
  ASSERT_THAT(conninfo, IsOk());
  Conn conn(*conninfo);
  auto settings = conn.Read([](Tx& tx) -> absl::StatusOr<std::string> {
    return tx
        .exec(
            "SELECT current_setting('statement_timeout') || ' ' ||"
            " current_setting('idle_in_transaction_session_timeout') || ' ' ||"
            " current_setting('lock_timeout')")[0][0]
        .as<std::string>();
  });
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(*settings, "30s 10s 10s");
}

// Rows older than their table keeps them go, in batches; the rest stay; zero keeps forever.
TEST_F(DbTest, RetentionDeletesWhatIsDueInBatches) {
  Conn conn(db_->AdminConninfo());
  ASSERT_THAT(Migrate(conn, "kept", {RequestLog::Migrations()}), IsOk());
  ASSERT_THAT(conn.Read([](Tx& tx) -> absl::Status {
    tx.exec(
        "INSERT INTO kept.request_log (caller_id, method, request_id, resource_id, created_at)"
        " SELECT 'u', 'M', 'old-' || g, 'r', now() - interval '8 days'"
        " FROM generate_series(1, 12000) g");
    tx.exec(
        "INSERT INTO kept.request_log (caller_id, method, request_id, resource_id)"
        " SELECT 'u', 'M', 'new-' || g, 'r' FROM generate_series(1, 10) g");
    return absl::OkStatus();
  }),
              IsOk());
  RequestLog log("kept");
  Retention forever(nullptr);
  forever.Add(log.RetentionTable(absl::ZeroDuration()));
  auto none = forever.Run(conn);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(*none, 0);
  Retention week(nullptr);
  week.Add(log.RetentionTable(absl::Hours(24 * 7)));
  auto purged = week.Run(conn);
  ASSERT_THAT(purged, IsOk());
  EXPECT_EQ(*purged, 12000);
  auto left = conn.Read([](Tx& tx) -> absl::StatusOr<int> {
    return tx.exec("SELECT count(*) FROM kept.request_log")[0][0].as<int>();
  });
  ASSERT_THAT(left, IsOk());
  EXPECT_EQ(*left, 10);
}

TEST_F(DbTest, UnreachableDatabaseIsUnavailable) {
  Conn conn("host=/nonexistent-dir port=1");
  EXPECT_THAT(conn.EnsureOpen(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(DbTest, TextArraysAndOptionalsRoundTrip) {
  Conn conn(db_->AdminConninfo());
  const std::vector<std::string> values = {"华为", "a\"b", "c\\d", "e,f",    "",
                                           "{g}",  "\"",   "x\\",  "\\\"\"", "NULL"};
  auto back = conn.Read([&](Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    return ParseTextArray(tx.exec_params("SELECT $1::text[]", TextArray(values))[0][0]);
  });
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, values);
  // The same values in binary, and none.
  for (const auto& sent : {values, std::vector<std::string>()}) {
    auto binary = conn.Read([&](Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
      return ParseTextArray(tx.exec_params("SELECT $1::text[]", BinaryTextArray(sent))[0][0]);
    });
    ASSERT_THAT(binary, IsOk());
    EXPECT_EQ(*binary, sent);
  }
  // Bytes, zero and high ones included, as bytea[].
  const std::vector<std::string> bytes = {std::string("\0\xff\x01", 3), "", "华"};
  auto hex = conn.Read([&](Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT encode(b, 'hex') FROM unnest($1::bytea[]) WITH ORDINALITY u(b, n) ORDER BY n",
             BinaryByteaArray(bytes))) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  });
  ASSERT_THAT(hex, IsOk());
  EXPECT_THAT(*hex, ElementsAre("00ff01", "", "e58d8e"));
  auto nulls = conn.Read([&](Tx& tx) -> absl::StatusOr<std::string> {
    std::optional<std::string> none;
    std::optional<int> some = 7;
    auto r = tx.exec_params("SELECT $1::text IS NULL, $2::int", none, some);
    auto opt = r[0][1].as<std::optional<int>>();
    auto missing = tx.exec("SELECT NULL::int")[0][0].as<std::optional<int>>();
    return absl::StrCat(r[0][0].as<bool>(), ",", opt.value_or(-1), ",", missing.has_value());
  });
  EXPECT_EQ(*nulls, "1,7,0");
}

// Rows copied in keep every character (the ones COPY's text format escapes, Chinese, an empty
// string apart from NULL), in their order; a key they repeat fails the transaction as an
// INSERT's would, and the session stays usable.
TEST_F(DbTest, CopiedRowsRoundTripAndBreakConstraintsAsInserts) {
  Conn conn(db_->AdminConninfo());
  const std::vector<std::string> names = {"华为\t技术", "a\\b\\\\", "line\nbreak\r\n",
                                          "",           "\\N",      "{\"x\"}"};
  ASSERT_THAT(conn.Transact([&](Tx& tx) -> absl::Status {
    tx.exec("CREATE TABLE copied (id int PRIMARY KEY, name text, note text)");
    CopyRows rows;
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string id = std::to_string(100 + i);
      rows.Add({id, names[i], i % 2 == 0 ? std::nullopt : std::optional<absl::string_view>("")});
    }
    rows.Into(tx, "public.copied", "id, name, note");
    CopyRows().Into(tx, "public.copied", "id");  // nothing to send
    return absl::OkStatus();
  }),
              IsOk());
  auto back = conn.Read([&](Tx& tx) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& row : tx.exec("SELECT id, name, note IS NULL FROM copied ORDER BY id")) {
      out.push_back(
          absl::StrCat(row[0].as<int>(), "|", row[1].as<std::string>(), "|", row[2].as<bool>()));
    }
    return out;
  });
  ASSERT_THAT(back, IsOk());
  std::vector<std::string> expected;
  for (size_t i = 0; i < names.size(); ++i) {
    expected.push_back(absl::StrCat(100 + i, "|", names[i], "|", i % 2 == 0));
  }
  EXPECT_EQ(*back, expected);
  EXPECT_THAT(conn.Transact([&](Tx& tx) -> absl::Status {
    CopyRows rows;
    rows.Add({"200", "new", std::nullopt});
    rows.Add({"100", "again", std::nullopt});
    rows.Into(tx, "public.copied", "id, name, note");
    return absl::OkStatus();
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  auto count = conn.Read([](Tx& tx) -> absl::StatusOr<int> {
    return tx.exec("SELECT count(*) FROM copied")[0][0].as<int>();
  });
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(*count, static_cast<int>(names.size()));
}

class Channel : public pqxx::notification_receiver {
 public:
  Channel(pqxx::connection& c, const std::string& name) : pqxx::notification_receiver(c, name) {}
  void operator()(const std::string&, int) override { ++received; }
  int received = 0;
};

// Notifications asked for in a Transact body are sent once the body has committed, once per
// channel; none when it rolls back. Outside Transact they are sent in the transaction itself.
TEST_F(DbTest, NotificationsFollowTheCommit) {
  pqxx::connection listener(db_->AdminConninfo());
  Channel channel(listener, "db_test_channel");
  auto received = [&] {
    // Each notification is delivered by the time a round trip on the listening session ends.
    absl::SleepFor(absl::Milliseconds(200));
    pqxx::nontransaction(listener).exec("SELECT 1");
    listener.get_notifs();
    const int n = channel.received;
    channel.received = 0;
    return n;
  };
  Conn conn(db_->AdminConninfo());
  ASSERT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    NotifyAfterCommit(tx, "db_test_channel");
    NotifyAfterCommit(tx, "db_test_channel");
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(received(), 1);
  EXPECT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    NotifyAfterCommit(tx, "db_test_channel");
    return absl::AbortedError("changed my mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(received(), 0);
  pqxx::connection raw(db_->AdminConninfo());
  {
    pqxx::work tx(raw);
    NotifyAfterCommit(tx, "db_test_channel");
    tx.commit();
  }
  EXPECT_EQ(received(), 1);
}

// With a notifier, the commits of many sessions share notifications: every burst ends with
// one (the last commit is never left without), none is sent for a rolled-back transaction.
TEST_F(DbTest, ANotifierSendsOneNotificationForABurstOfCommits) {
  pqxx::connection listener(db_->AdminConninfo());
  Channel channel(listener, "db_test_burst");
  auto received = [&] {
    absl::SleepFor(absl::Milliseconds(300));
    pqxx::nontransaction(listener).exec("SELECT 1");
    listener.get_notifs();
    const int n = channel.received;
    channel.received = 0;
    return n;
  };
  Notifier notifier(db_->AdminConninfo(), absl::Milliseconds(50));
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      Conn conn(db_->AdminConninfo());
      conn.SetNotifier(&notifier);
      for (int i = 0; i < 25; ++i) {
        EXPECT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
          NotifyAfterCommit(tx, "db_test_burst");
          return absl::OkStatus();
        }),
                    IsOk());
      }
    });
  }
  for (auto& w : writers) w.join();
  const int burst = received();
  EXPECT_GE(burst, 1);
  EXPECT_LT(burst, 100);
  Conn conn(db_->AdminConninfo());
  conn.SetNotifier(&notifier);
  EXPECT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    NotifyAfterCommit(tx, "db_test_burst");
    return absl::AbortedError("changed my mind");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(received(), 0);
  ASSERT_THAT(conn.Transact([](Tx& tx) -> absl::Status {
    NotifyAfterCommit(tx, "db_test_burst");
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(received(), 1);
}

MigrationSet Set(std::vector<Migration> migrations) {
  return MigrationSet{"widgets", std::move(migrations)};
}

TEST_F(DbTest, MigrationsApplyOnceAndDetectEdits) {
  Conn conn(db_->AdminConninfo());
  std::vector<MigrationSet> v1 = {
      Set({{1, "create", "CREATE TABLE widgets (id int PRIMARY KEY)"}})};
  ASSERT_THAT(Migrate(conn, "mig_a", v1), IsOk());
  ASSERT_THAT(Migrate(conn, "mig_a", v1), IsOk());  // no-op
  std::vector<MigrationSet> v2 = {
      Set({{1, "create", "CREATE TABLE widgets (id int PRIMARY KEY)"},
           {2, "add_name", "ALTER TABLE widgets ADD COLUMN name text"}})};
  ASSERT_THAT(Migrate(conn, "mig_a", v2), IsOk());
  auto rows = conn.Read([](Tx& tx) -> absl::StatusOr<int> {
    return tx.exec("SELECT count(*) FROM mig_a.schema_migrations")[0][0].as<int>();
  });
  EXPECT_EQ(*rows, 2);
  std::vector<MigrationSet> edited = {
      Set({{1, "create", "CREATE TABLE widgets (id bigint PRIMARY KEY)"}})};
  EXPECT_THAT(Migrate(conn, "mig_a", edited),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("0001_create")));
}

TEST_F(DbTest, FailedMigrationIsRolledBackAndNotRecorded) {
  Conn conn(db_->AdminConninfo());
  std::vector<MigrationSet> bad = {
      Set({{1, "ok", "CREATE TABLE t1 (id int)"},
           {2, "broken", "CREATE TABLE t2 (id int); SELECT * FROM missing_table"}})};
  EXPECT_THAT(Migrate(conn, "mig_b", bad), Not(IsOk()));
  auto state = conn.Read([](Tx& tx) -> absl::StatusOr<std::string> {
    auto r = tx.exec(
        "SELECT (SELECT count(*) FROM mig_b.schema_migrations),"
        " to_regclass('mig_b.t1') IS NOT NULL, to_regclass('mig_b.t2') IS NOT NULL");
    return absl::StrCat(r[0][0].as<int>(), r[0][1].as<bool>(), r[0][2].as<bool>());
  });
  EXPECT_EQ(*state, "110");
}

TEST_F(DbTest, ConcurrentMigratorsSerialise) {
  std::vector<MigrationSet> sets = {
      Set({{1, "create", "CREATE TABLE widgets (id int PRIMARY KEY)"},
           {2, "seed", "INSERT INTO widgets SELECT generate_series(1, 1000)"}})};
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      Conn conn(db_->AdminConninfo());
      if (Migrate(conn, "mig_c", sets).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  Conn conn(db_->AdminConninfo());
  auto n = conn.Read([](Tx& tx) -> absl::StatusOr<int> {
    return tx.exec("SELECT count(*) FROM mig_c.widgets")[0][0].as<int>();
  });
  EXPECT_EQ(*n, 1000);
}

TEST(MigrationNamesTest, ParseAndValidate) {
  int version;
  std::string name;
  EXPECT_TRUE(ParseMigrationFileName("0012_add_users.sql", &version, &name));
  EXPECT_EQ(version, 12);
  EXPECT_EQ(name, "add_users");
  EXPECT_FALSE(ParseMigrationFileName("add_users.sql", &version, &name));
  EXPECT_FALSE(ParseMigrationFileName("0001_x.txt", &version, &name));
  EXPECT_TRUE(IsPlainIdentifier("auth"));
  EXPECT_FALSE(IsPlainIdentifier("auth; drop"));
  EXPECT_FALSE(IsPlainIdentifier("Auth"));
}

TEST_F(DbTest, RequestLogReturnsTheFirstResult) {
  Conn conn(db_->AdminConninfo());
  ASSERT_THAT(Migrate(conn, "idem", {RequestLog::Migrations()}), IsOk());
  RequestLog log("idem");
  auto claim = [&](const char* caller, const char* request_id, const char* method, const char* id) {
    return conn.Transact([&](Tx& tx) { return log.Claim(tx, caller, request_id, method, id); });
  };
  auto first = claim("u1", "r1", "CreateThing", "id-1");
  ASSERT_THAT(first, IsOk());
  EXPECT_FALSE(first->has_value());
  auto again = claim("u1", "r1", "CreateThing", "id-2");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->value_or(""), "id-1");
  // The same id from another caller, or for another method, is another request.
  auto other_caller = claim("u2", "r1", "CreateThing", "id-3");
  ASSERT_THAT(other_caller, IsOk());
  EXPECT_FALSE(other_caller->has_value());
  auto other_method = claim("u1", "r1", "CreateOther", "id-3b");
  ASSERT_THAT(other_method, IsOk());
  EXPECT_FALSE(other_method->has_value());
  // A claim in a rolled-back transaction is forgotten.
  EXPECT_THAT(conn.Transact([&](Tx& tx) -> absl::Status {
    (void)log.Claim(tx, "u1", "r2", "CreateThing", "id-4");
    return absl::AbortedError("rolled back");
  }),
              Not(IsOk()));
  auto fresh = claim("u1", "r2", "CreateThing", "id-5");
  EXPECT_FALSE(fresh->has_value());
  // No request id, no claim.
  auto none = claim("u1", "", "CreateThing", "id-6");
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(ValidRequestId("0189a1b2-c3d4"));
  EXPECT_FALSE(ValidRequestId("has space"));
  EXPECT_FALSE(ValidRequestId(std::string(129, 'a')));
}

TEST_F(DbTest, ConcurrentDuplicateRequestsCreateOnce) {
  Conn setup(db_->AdminConninfo());
  ASSERT_THAT(Migrate(setup, "idem2", {RequestLog::Migrations()}), IsOk());
  RequestLog log("idem2");
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Conn conn(db_->AdminConninfo());
      auto r = conn.Transact([&](Tx& tx) -> absl::StatusOr<std::optional<std::string>> {
        auto claim = log.Claim(tx, "u1", "same", "Create", absl::StrCat("id-", i));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return claim;
      });
      if (r.ok() && !r->has_value()) ++created;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
}

TEST_F(DbTest, PoolRunsTasksOnItsSessions) {
  Pool pool({db_->AdminConninfo(), 2, "test"}, nullptr);
  auto n = pool.Run([](Conn& conn) {
    return conn.Read(
        [](Tx& tx) -> absl::StatusOr<int> { return tx.exec("SELECT 41 + 1")[0][0].as<int>(); });
  });
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 42);
  std::atomic<int> done{0};
  for (int i = 0; i < 50; ++i) pool.Submit([&](Conn&) { ++done; });
  auto flushed = pool.Run([](Conn&) { return absl::OkStatus(); });
  EXPECT_THAT(flushed, IsOk());
  // Tasks run in FIFO order across two workers, so by now all 50 have at least started.
  for (int i = 0; i < 100 && done.load() < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(done.load(), 50);
}

TEST_F(DbTest, FullPoolQueueRefusesWork) {
  PoolOptions options{db_->AdminConninfo(), 1, "tiny"};
  options.max_queue = 1;
  Pool pool(options, nullptr);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  pool.Submit([gate](Conn&) { gate.wait(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the worker holds the gate task
  EXPECT_TRUE(pool.TrySubmit([](Conn&) {}));
  EXPECT_FALSE(pool.TrySubmit([](Conn&) {}));
  release.set_value();
}

constexpr Statement kReadParent{"test.read_parent", "SELECT id, name FROM parent WHERE id = $1"};
constexpr Statement kReadEcho{"test.read_echo",
                              "SELECT $1::text, $2::int8, $3::bool, $4::text IS NULL,"
                              " ARRAY['华为', 'a\"b', NULL]::text[]"};
constexpr Statement kReadBroken{"test.read_broken", "SELECT 1 / $1::int"};

// Submits and waits.
absl::StatusOr<Rows> ReadNow(Reader& reader, const Statement& stmt, Params params) {
  std::promise<absl::StatusOr<Rows>> p;
  reader.Submit(stmt, std::move(params),
                [&p](absl::StatusOr<Rows> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

TEST_F(DbTest, ReaderReturnsRowsAndConvertsValues) {
  Reader reader({db_->AdminConninfo(), 1, 32, "test"}, nullptr);
  auto rows = ReadNow(reader, kReadEcho, MakeParams("华为技术", int64_t{42}, true, std::nullopt));
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 1);
  EXPECT_EQ((*rows)[0][0].as<std::string>(), "华为技术");
  EXPECT_EQ((*rows)[0][1].as<int64_t>(), 42);
  EXPECT_TRUE((*rows)[0][2].as<bool>());
  EXPECT_TRUE((*rows)[0][3].as<bool>());
  EXPECT_THAT(ParseTextArray((*rows)[0][4]), ElementsAre("华为", "a\"b"));
  auto none = ReadNow(reader, kReadParent, MakeParams(-1));
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

TEST_F(DbTest, ReaderBatchesConcurrentReadsAndIsolatesFailures) {
  Reader reader({db_->AdminConninfo(), 1, 32, "test"}, nullptr);
  constexpr int kReads = 200;
  std::atomic<int> ok{0}, failed{0}, wrong{0};
  std::vector<std::promise<void>> done(kReads);
  for (int i = 0; i < kReads; ++i) {
    // Every tenth read divides by zero; the others must not be affected.
    const bool bad = i % 10 == 0;
    reader.Submit(bad ? kReadBroken : kReadEcho,
                  bad ? MakeParams(0) : MakeParams(absl::StrCat("r", i), i, false, "x"),
                  [&, i, bad](absl::StatusOr<Rows> rows) {
                    if (bad) {
                      if (rows.status().code() == absl::StatusCode::kInternal) ++failed;
                    } else if (!rows.ok()) {
                      ++wrong;
                    } else if ((*rows)[0][0].as<std::string>() == absl::StrCat("r", i) &&
                               (*rows)[0][1].as<int64_t>() == i) {
                      ++ok;
                    } else {
                      ++wrong;
                    }
                    done[i].set_value();
                  });
  }
  for (auto& d : done) d.get_future().wait();
  EXPECT_EQ(ok.load(), kReads - kReads / 10);
  EXPECT_EQ(failed.load(), kReads / 10);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(DbTest, ReaderReconnectsBeforeUsingASessionClosedWhileIdle) {
  Reader reader({db_->AdminConninfo(), 2, 32, "test"}, nullptr);
  constexpr Statement kPid{"test.read_pid", "SELECT pg_backend_pid()"};
  auto pid = ReadNow(reader, kPid, {});
  ASSERT_THAT(pid, IsOk());
  TerminateAllSessions(db_->AdminConninfo());
  for (int i = 0; i < 10; ++i) {
    auto again = ReadNow(reader, kPid, {});
    ASSERT_THAT(again, IsOk());
    EXPECT_NE((*again)[0][0].as<int>(), (*pid)[0][0].as<int>());
  }
}

// A read answered before its session is lost keeps its answer; the reads after it are
// answered UNAVAILABLE; none is answered twice.
TEST_F(DbTest, ReadsAnsweredBeforeTheSessionIsLostKeepTheirAnswers) {
  Reader reader({db_->AdminConninfo(), 1, 32, "test"}, nullptr);
  constexpr Statement kSleep{"test.read_sleep", "SELECT pg_sleep($1::float8)"};
  constexpr Statement kDie{"test.read_die", "SELECT pg_terminate_backend(pg_backend_pid())"};
  std::promise<void> slept;
  // Keeps the session busy while the next three are queued, so they go as one batch.
  reader.Submit(kSleep, MakeParams(0.3), [&](absl::StatusOr<Rows>) { slept.set_value(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::atomic<int> answers[3] = {0, 0, 0};
  absl::Status status[3];
  std::vector<std::promise<void>> done(3);
  auto record = [&](int i) {
    return [&, i](absl::StatusOr<Rows> rows) {
      if (++answers[i] == 1) {
        status[i] = rows.status();
        done[i].set_value();
      }
    };
  };
  reader.Submit(kReadEcho, MakeParams("first", 1, false, "x"), record(0));
  reader.Submit(kDie, {}, record(1));
  reader.Submit(kReadEcho, MakeParams("third", 3, false, "x"), record(2));
  slept.get_future().wait();
  for (auto& d : done) d.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_THAT(status[0], IsOk());
  EXPECT_THAT(status[1], Not(IsOk()));
  EXPECT_THAT(status[2], StatusIs(absl::StatusCode::kUnavailable));
  for (auto& a : answers) EXPECT_EQ(a.load(), 1);
}

TEST_F(DbTest, ReaderWithoutADatabaseIsUnavailable) {
  Reader reader({"host=/nonexistent-dir port=1", 1, 32, "test"}, nullptr);
  EXPECT_THAT(ReadNow(reader, kReadParent, MakeParams(1)),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(ParamsTest, MakeParamsConvertsEachKind) {
  Params p = MakeParams("a", std::string("b"), 7, int64_t{-8}, true, std::optional<std::string>(),
                        std::optional<int>(3));
  ASSERT_EQ(p.size(), 7u);
  EXPECT_EQ(*p[0], "a");
  EXPECT_EQ(*p[2], "7");
  EXPECT_EQ(*p[3], "-8");
  EXPECT_EQ(*p[4], "true");
  EXPECT_FALSE(p[5].has_value());
  EXPECT_EQ(*p[6], "3");
}

}  // namespace
}  // namespace crm::db

namespace crm::db {
namespace {

TEST(ConnectOptionTest, QuotesKeywordValuesAndEncodesUris) {
  EXPECT_EQ(WithConnectOption("host=h dbname=d", "options", "-c a=b"),
            "host=h dbname=d options='-c a=b'");
  EXPECT_EQ(WithConnectOption("host=h", "application_name", "it's"),
            "host=h application_name='it\\'s'");
  EXPECT_EQ(WithConnectOption("postgresql://h/d", "options", "-c a=b"),
            "postgresql://h/d?options=-c%20a%3db");
  EXPECT_EQ(WithConnectOption("postgresql://h/d?sslmode=disable", "connect_timeout", "5"),
            "postgresql://h/d?sslmode=disable&connect_timeout=5");
  // The caller's own setting wins.
  EXPECT_EQ(WithConnectOption("host=h connect_timeout=9", "connect_timeout", "5"),
            "host=h connect_timeout=9");
}

// Case matters to a query with a letter of any cased script; not to one of Chinese characters,
// digits and ASCII punctuation, which is matched against texts as they are.
TEST(SearchGramsTest, CaseMattersOnlyToQueriesWithCasedLetters) {
  using search_grams::CaseMatters;
  for (const char* caseless :
       {"", "发票", "北京客户发票抬头错误", "100%", "2026-12", "、", "한국"}) {
    EXPECT_FALSE(CaseMatters(caseless)) << caseless;
  }
  for (const char* cased : {"crm", "CRM系统", "Ａ", "é", "Ω", "发票x", "\xe5\x8f"}) {
    EXPECT_TRUE(CaseMatters(cased)) << cased;
  }
  EXPECT_EQ(search_grams::LikeContains("100%_a\\"), "%100\\%\\_a\\\\%");
}

}  // namespace
}  // namespace crm::db
