#include "services/auth/src/passwords.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crm::auth_service {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(PasswordsTest, Argon2idRoundTripWithProductionParameters) {
  ASSERT_TRUE(InitPasswords().ok());
  PasswordParams params;  // defaults: t=2, m=19 MiB
  auto hash = HashPassword("正确的马电池钉", params);
  ASSERT_TRUE(hash.ok());
  EXPECT_THAT(*hash, StartsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
  EXPECT_TRUE(VerifyPassword("正确的马电池钉", *hash));
  EXPECT_FALSE(VerifyPassword("正确的马电池", *hash));
  EXPECT_FALSE(NeedsRehash(*hash, params));
  EXPECT_TRUE(NeedsRehash(*hash, {3, params.memory_bytes}));
  // Same password, different salt.
  EXPECT_NE(*hash, *HashPassword("正确的马电池钉", params));
}

TEST(PasswordsTest, DummyHashMatchesNothing) {
  ASSERT_TRUE(InitPasswords().ok());
  EXPECT_FALSE(VerifyPassword("", DummyHash({1, 8 << 20})));
  EXPECT_FALSE(VerifyPassword("password", DummyHash({1, 8 << 20})));
}

TEST(PasswordsTest, Rules) {
  EXPECT_EQ(PasswordProblem("short", "bob"), "must be at least 8 characters");
  EXPECT_EQ(PasswordProblem("密码密码密码密码", "bob"), "");  // 8 characters, 24 bytes
  EXPECT_EQ(PasswordProblem("哈哈哈哈哈哈哈哈", "bob"), "must not be one character repeated");
  EXPECT_EQ(PasswordProblem("Longenough", "longenough"), "must not contain the username");
  EXPECT_EQ(PasswordProblem("zhang.wei2024", "Zhang.Wei"), "must not contain the username");
  EXPECT_THAT(PasswordProblem("Woaini1314", "bob"), HasSubstr("most common"));
  EXPECT_THAT(PasswordProblem("1qaz2wsx", "bob"), HasSubstr("most common"));
  EXPECT_THAT(PasswordProblem("zzzzzzzzzz", "bob"), HasSubstr("repeated"));
  EXPECT_EQ(PasswordProblem("长城汽车销售部2026", "bob"), "");
  EXPECT_THAT(PasswordProblem(std::string(129, 'x'), "bob"), HasSubstr("at most 128"));
  EXPECT_THAT(PasswordProblem("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "bob"), HasSubstr("UTF-8"));
}

TEST(PasswordsTest, RandomTokensAndHashes) {
  ASSERT_TRUE(InitPasswords().ok());
  std::string a = RandomToken(), b = RandomToken();
  EXPECT_EQ(a.size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_NE(a, b);
  EXPECT_EQ(TokenHash(a).size(), 32u);
  EXPECT_EQ(TokenHash(a), TokenHash(a));
  EXPECT_NE(TokenHash(a), TokenHash(b));
}

}  // namespace
}  // namespace crm::auth_service
