#include "libs/config/flags.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crm::config {
namespace {

using ::testing::HasSubstr;

TEST(FlagsTest, DefaultsEnvAndCommandLineInThatOrder) {
  setenv("CRM_TEST_FLAG_PORT", "7000", 1);
  setenv("CRM_TEST_FLAG_NAME", "from-env", 1);
  Flags flags("prog", "test");
  auto* port = flags.Int("port", "CRM_TEST_FLAG_PORT", 1, "port", 1, 65535);
  auto* name = flags.String("name", "CRM_TEST_FLAG_NAME", "default", "name");
  auto* verbose = flags.Bool("verbose", "CRM_TEST_FLAG_VERBOSE", false, "verbose");
  auto* ttl = flags.Duration("ttl", "CRM_TEST_FLAG_TTL", absl::Minutes(15), "ttl");
  const char* argv[] = {"prog", "--name=from-flag", "--verbose"};
  ASSERT_TRUE(flags.Parse(3, argv).ok());
  EXPECT_EQ(*port, 7000);
  EXPECT_EQ(*name, "from-flag");
  EXPECT_TRUE(*verbose);
  EXPECT_EQ(*ttl, absl::Minutes(15));
  unsetenv("CRM_TEST_FLAG_PORT");
  unsetenv("CRM_TEST_FLAG_NAME");
}

TEST(FlagsTest, SeparateValueArgument) {
  Flags flags("prog", "test");
  auto* ttl = flags.Duration("ttl", "", absl::Minutes(15), "ttl");
  const char* argv[] = {"prog", "--ttl", "1h30m"};
  ASSERT_TRUE(flags.Parse(3, argv).ok());
  EXPECT_EQ(*ttl, absl::Minutes(90));
}

TEST(FlagsTest, ReportsEveryProblemAtOnce) {
  setenv("CRM_TEST_FLAG_BAD_TTL", "soon", 1);
  Flags flags("prog", "test");
  flags.Int("port", "", 1, "port", 1, 65535);
  flags.RequiredString("db-url", "CRM_TEST_FLAG_DB_URL", "database");
  flags.Duration("ttl", "CRM_TEST_FLAG_BAD_TTL", absl::Minutes(1), "ttl");
  const char* argv[] = {"prog", "--port=70000", "--bogus=1", "stray"};
  absl::Status s = flags.Parse(4, argv);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  std::string m(s.message());
  EXPECT_THAT(m, HasSubstr("--port=70000 is out of range [1, 65535]"));
  EXPECT_THAT(m, HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(m, HasSubstr("unexpected argument \"stray\""));
  EXPECT_THAT(m, HasSubstr("--db-url (or CRM_TEST_FLAG_DB_URL) is required"));
  EXPECT_THAT(m, HasSubstr("CRM_TEST_FLAG_BAD_TTL=\"soon\" is not a duration"));
  unsetenv("CRM_TEST_FLAG_BAD_TTL");
}

TEST(FlagsTest, NonIntegerAndMissingValue) {
  Flags flags("prog", "test");
  flags.Int("port", "", 1, "port", 1, 65535);
  flags.String("name", "", "", "name");
  const char* argv[] = {"prog", "--port=abc", "--name"};
  absl::Status s = flags.Parse(3, argv);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--port=\"abc\" is not an integer"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("flag --name needs a value"));
}

TEST(FlagsTest, HelpIsCancelledAndUsageListsFlags) {
  Flags flags("prog", "Does things.");
  flags.Int("port", "CRM_PORT", 50051, "gRPC port", 1, 65535);
  const char* argv[] = {"prog", "--help"};
  EXPECT_TRUE(absl::IsCancelled(flags.Parse(2, argv)));
  EXPECT_THAT(flags.Usage(), HasSubstr("--port (env CRM_PORT)"));
  EXPECT_THAT(flags.Usage(), HasSubstr("[default: 50051]"));
}

}  // namespace
}  // namespace crm::config
