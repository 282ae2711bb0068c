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
