// The test helpers themselves: matchers, databases, processes.

#include <signal.h>

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/db/conn.h"
#include "libs/status/field_violations.h"
#include "libs/testing/pg.h"
#include "libs/testing/process.h"
#include "libs/testing/status_matchers.h"

namespace crm::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MatchersTest, WorkOnAbslAndGrpcStatuses) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(absl::StatusOr<int>(3), IsOk());
  EXPECT_THAT(absl::NotFoundError("gone"), Not(IsOk()));
  EXPECT_THAT(absl::NotFoundError("gone"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(absl::NotFoundError("gone"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("go")));
  EXPECT_THAT(absl::NotFoundError("gone"), Not(StatusIs(absl::StatusCode::kAborted)));
  EXPECT_THAT(grpc::Status(grpc::StatusCode::ABORTED, "stale"),
              StatusIs(grpc::StatusCode::ABORTED, "stale"));
  EXPECT_THAT(InvalidField("name", "is required"), HasFieldViolation("name"));
  EXPECT_THAT(InvalidField("name", "is required"), Not(HasFieldViolation("email")));
  EXPECT_THAT(absl::InvalidArgumentError("no details"), Not(HasFieldViolation("name")));
}

TEST(TestDatabaseTest, IsCreatedFreshAndDroppedAfterwards) {
  std::string name;
  {
    auto db = TestDatabase::Create("testing_test");
    ASSERT_THAT(db, IsOk());
    name = (*db)->name();
    auto conninfo = (*db)->ProvisionService("widgets", "crm_widgets_test");
    ASSERT_THAT(conninfo, IsOk());
    db::Conn conn(*conninfo);
    // The service role owns its schema and can create tables there, and only there.
    EXPECT_THAT(conn.Transact([](db::Tx& tx) -> absl::Status {
      tx.exec("CREATE TABLE widgets.w (id int)");
      return absl::OkStatus();
    }),
                IsOk());
    EXPECT_THAT(conn.Transact([](db::Tx& tx) -> absl::Status {
      tx.exec("CREATE TABLE public.w (id int)");
      return absl::OkStatus();
    }),
                Not(IsOk()));
  }
  db::Conn admin(*TestClusterConninfo() + " dbname=postgres");
  auto exists = admin.Read([&](db::Tx& tx) -> absl::StatusOr<bool> {
    return !tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name).empty();
  });
  ASSERT_THAT(exists, IsOk());
  EXPECT_FALSE(*exists);
}

TEST(ServiceProcessTest, StartsCapturesOutputAndStops) {
  auto p = ServiceProcess::Start({"/bin/sh", {"-c", "echo started; exec sleep 30"}, {}});
  ASSERT_THAT(p, IsOk());
  EXPECT_TRUE((*p)->Running());
  for (int i = 0; i < 100 && (*p)->Output().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT((*p)->Output(), HasSubstr("started"));
  EXPECT_EQ((*p)->Stop(absl::Seconds(5)), 128 + SIGTERM);
  EXPECT_FALSE((*p)->Running());
  // Waiting for health on a process that exits reports its output.
  auto q = ServiceProcess::Start({"/bin/sh", {"-c", "echo boom; exit 3"}, {}});
  ASSERT_THAT(q, IsOk());
  EXPECT_THAT((*q)->WaitForServing("127.0.0.1:1", absl::Seconds(5)),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("boom")));
}

TEST(RunCommandTest, ReturnsOutputOrTheFailure) {
  EXPECT_EQ(*RunCommand("printf 'a b'"), "a b");
  EXPECT_THAT(RunCommand("echo nope; exit 4"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("nope")));
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_GT(PickFreePort(), 0);
}

}  // namespace
}  // namespace crm::test
