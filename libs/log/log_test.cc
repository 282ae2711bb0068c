#include "libs/log/log.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace crm::log {
namespace {

using ::testing::HasSubstr;

std::string Json(absl::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(JsonStringTest, EscapesAndKeepsChinese) {
  EXPECT_EQ(Json("华为 \"x\"\\\n"), "\"华为 \\\"x\\\"\\\\\\n\"");
  EXPECT_EQ(Json(std::string("a\x01", 2)), "\"a\\u0001\"");
  EXPECT_EQ(Json("\xC3("), "\"\xEF\xBF\xBD(\"");  // broken UTF-8 → U+FFFD
  EXPECT_EQ(nlohmann::json::parse(Json("\xE5\x8D")).get<std::string>(), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JsonStringTest, PlainRunsAroundEscapes) {
  EXPECT_EQ(Json("abc"), "\"abc\"");
  EXPECT_EQ(Json(""), "\"\"");
  EXPECT_EQ(Json("a\"b\\c\x7f"), "\"a\\\"b\\\\c\\u007f\"");
  EXPECT_EQ(Json("客户 id=7\t"), "\"客户 id=7\\t\"");
}

TEST(LogTest, TimeIsUtcWithMilliseconds) {
  std::string out;
  AppendTime(&out, absl::FromUnixMillis(1795824361142));  // 2026-11-28T00:06:01.142Z
  EXPECT_EQ(out, "2026-11-28T00:06:01.142Z");
  out.clear();
  AppendTime(&out, absl::FromUnixMillis(1795824361007));  // the same second again
  EXPECT_EQ(out, "2026-11-28T00:06:01.007Z");
  out.clear();
  AppendTime(&out, absl::FromUnixMillis(-1));
  EXPECT_EQ(out, "1969-12-31T23:59:59.999Z");
}

TEST(LogTest, LinesAreJsonWithContext) {
  char path[] = "/tmp/crm_log_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  Configure("test-svc", Level::kInfo, fd);
  {
    ScopedContext ctx("req-1", "user-9");
    Info("hello 世界").Str("k", "v").Int("n", 42).Bool("b", true).Double("d", 1.5);
  }
  Debug("not written");
  Warn("after context");
  Flush();
  close(fd);
  std::ifstream in(path);
  std::string first, second, extra;
  ASSERT_TRUE(std::getline(in, first));
  ASSERT_TRUE(std::getline(in, second));
  EXPECT_FALSE(std::getline(in, extra));
  auto a = nlohmann::json::parse(first);
  EXPECT_EQ(a["service"], "test-svc");
  EXPECT_EQ(a["level"], "info");
  EXPECT_EQ(a["msg"], "hello 世界");
  EXPECT_EQ(a["request_id"], "req-1");
  EXPECT_EQ(a["user_id"], "user-9");
  EXPECT_EQ(a["k"], "v");
  EXPECT_EQ(a["n"], 42);
  EXPECT_EQ(a["b"], true);
  EXPECT_EQ(a["d"], 1.5);
  EXPECT_THAT(a["time"].get<std::string>(), HasSubstr("T"));
  auto b = nlohmann::json::parse(second);
  EXPECT_EQ(b["level"], "warn");
  EXPECT_FALSE(b.contains("request_id"));
  unlink(path);
  Configure("test-svc", Level::kInfo, 1);
}

TEST(LogTest, ParseLevel) {
  Level l;
  EXPECT_TRUE(ParseLevel("warn", &l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud", &l));
}

}  // namespace
}  // namespace crm::log
