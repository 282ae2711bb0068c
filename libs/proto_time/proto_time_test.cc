#include "libs/proto_time/proto_time.h"

#include "gtest/gtest.h"

namespace crm::proto_time {
namespace {

TEST(ProtoTimeTest, TimestampsRoundTripAtMicrosecondPrecision) {
  for (absl::Time t : {absl::UnixEpoch(), absl::FromUnixMicros(1795000000123456),
                       absl::FromUnixMicros(-1500000)}) {
    google::protobuf::Timestamp p;
    SetTimestamp(t, &p);
    EXPECT_GE(p.nanos(), 0);
    Violations v;
    EXPECT_EQ(TimeOf(p, "t", v), t);
    EXPECT_TRUE(v.ToStatus().ok());
  }
}

TEST(ProtoTimeTest, OutOfRangeTimestampsAreViolations) {
  google::protobuf::Timestamp p;
  p.set_seconds(253402300800);
  Violations v;
  EXPECT_EQ(TimeOf(p, "occur_time", v), std::nullopt);
  p.set_seconds(0);
  p.set_nanos(-1);
  EXPECT_EQ(TimeOf(p, "occur_time", v), std::nullopt);
  EXPECT_EQ(v.list().size(), 2u);
}

TEST(ProtoTimeTest, DatesMustExist) {
  google::type::Date d;
  Violations v;
  EXPECT_EQ(DayOf(d, "due_by", v), std::nullopt);
  EXPECT_TRUE(v.ToStatus().ok());
  d.set_year(2026);
  d.set_month(2);
  d.set_day(28);
  EXPECT_EQ(DayOf(d, "due_by", v), absl::CivilDay(2026, 2, 28));
  google::type::Date back;
  SetDate(absl::CivilDay(2026, 2, 28), &back);
  EXPECT_EQ(back.day(), 28);
  d.set_day(30);
  EXPECT_EQ(DayOf(d, "due_by", v), std::nullopt);
  d.set_year(2026);
  d.set_month(13);
  d.set_day(1);
  EXPECT_EQ(DayOf(d, "due_by", v), std::nullopt);
  EXPECT_EQ(v.list().size(), 2u);
}

}  // namespace
}  // namespace crm::proto_time
