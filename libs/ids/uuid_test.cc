#include "libs/ids/uuid.h"

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace crm::ids {
namespace {

TEST(UuidTest, V7IsWellFormedAndVersioned) {
  std::string id = NewUuidV7();
  EXPECT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id[14], '7');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
}

TEST(UuidTest, BytesRoundTripAndSortAsTheText) {
  const std::string a = NewUuidV7(), b = NewUuidV7();
  UuidBytes ba, bb;
  ASSERT_TRUE(ParseUuid(a, &ba));
  ASSERT_TRUE(ParseUuid(b, &bb));
  EXPECT_EQ(FormatUuid(ba), a);
  EXPECT_LT(ba, bb);
  ASSERT_TRUE(ParseUuid("0192F0A4-1B2C-7D3E-8F40-5A6B7C8D9E0F", &ba));
  EXPECT_EQ(FormatUuid(ba), "0192f0a4-1b2c-7d3e-8f40-5a6b7c8d9e0f");
  EXPECT_FALSE(ParseUuid("0192f0a4x1b2c-7d3e-8f40-5a6b7c8d9e0f", &ba));
  EXPECT_FALSE(ParseUuid("0192f0a4-1b2c-7d3e-8f40-5a6b7c8d9e0g", &ba));
  EXPECT_FALSE(ParseUuid("0192f0a4-1b2c-7d3e-8f40-5a6b7c8d9e0", &ba));
}

TEST(UuidTest, V7SortsByCreationTime) {
  std::string a = NewUuidV7();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::string b = NewUuidV7();
  EXPECT_LT(a, b);
}

TEST(UuidTest, V7IsStrictlyIncreasingWithinTheSameMillisecond) {
  std::string last = NewUuidV7();
  for (int i = 0; i < 100000; ++i) {
    std::string next = NewUuidV7();
    ASSERT_LT(last, next);
    ASSERT_EQ(next[14], '7');
    last = std::move(next);
  }
}

TEST(UuidTest, V7IsIncreasingPerThreadAndUniqueAcrossThreads) {
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& ids : made) {
    threads.emplace_back([&ids] {
      for (int i = 0; i < 20000; ++i) ids.push_back(NewUuidV7());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& ids : made) {
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), 80000u);
}

TEST(UuidTest, V7IsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(NewUuidV7()).second);
}

TEST(UuidTest, RejectsMalformed) {
  EXPECT_TRUE(IsUuid("0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
  EXPECT_TRUE(IsUuid("0189A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"));
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("0189a1b2c3d47e5f8a9b0c1d2e3f4a5b"));
  EXPECT_FALSE(IsUuid("0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5g"));
  EXPECT_FALSE(IsUuid("'; drop table x; --"));
}

}  // namespace
}  // namespace crm::ids
