#include "libs/auth/tokens.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace crm::auth {
namespace {

using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::StatusCode kUnauthenticated = absl::StatusCode::kUnauthenticated;

Principal Alice(absl::Time now) {
  Principal p;
  p.user_id = "0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  p.username = "alice";
  p.roles = {"sales_manager"};
  p.permissions = {"customers.write", "customers.read"};
  p.department_id = "0189a1b2-c3d4-7e5f-8a9b-000000000001";
  p.scope = DataScope::kDepartment;
  p.department_tree = {"0189a1b2-c3d4-7e5f-8a9b-000000000001",
                       "0189a1b2-c3d4-7e5f-8a9b-000000000002"};
  p.token_id = "t1";
  p.issued_at = now;
  p.expires_at = now + absl::Minutes(15);
  return p;
}

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_pem_ = *GenerateSigningKeyPem();
    signer_ = *TokenSigner::Create("k1", key_pem_, "crm-auth", "crm");
    verifier_ = std::make_unique<TokenVerifier>(TokenVerifier::Options{"crm-auth", "crm"});
    ASSERT_THAT(verifier_->AddKey("k1", signer_->public_key_pem()), IsOk());
  }
  std::string key_pem_;
  std::unique_ptr<TokenSigner> signer_;
  std::unique_ptr<TokenVerifier> verifier_;
  absl::Time now_ = absl::Now();
};

TEST_F(TokensTest, RoundTripCarriesClaims) {
  std::string token = *signer_->Sign(Alice(now_));
  auto p = verifier_->Verify(token, now_);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ((*p)->user_id, "0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ((*p)->username, "alice");
  EXPECT_THAT((*p)->roles, ElementsAre("sales_manager"));
  EXPECT_TRUE((*p)->Can("customers.read"));
  EXPECT_FALSE((*p)->Can("customers.delete"));
  EXPECT_EQ((*p)->scope, DataScope::kDepartment);
  EXPECT_EQ((*p)->department_tree.size(), 2u);
  EXPECT_EQ((*p)->expires_at, absl::FromUnixSeconds(absl::ToUnixSeconds(now_ + absl::Minutes(15))));
}

TEST_F(TokensTest, ExpiredIsRejectedEvenWhenCached) {
  std::string token = *signer_->Sign(Alice(now_));
  ASSERT_THAT(verifier_->Verify(token, now_), IsOk());
  EXPECT_THAT(verifier_->Verify(token, now_ + absl::Minutes(16)),
              StatusIs(kUnauthenticated, HasSubstr("expired")));
  TokenVerifier uncached({"crm-auth", "crm", absl::Seconds(30), 0});
  ASSERT_THAT(uncached.AddKey("k1", signer_->public_key_pem()), IsOk());
  EXPECT_THAT(uncached.Verify(token, now_ + absl::Minutes(16)),
              StatusIs(kUnauthenticated, HasSubstr("expired")));
  // Within the leeway it is still accepted.
  EXPECT_THAT(uncached.Verify(token, now_ + absl::Minutes(15) + absl::Seconds(10)), IsOk());
}

TEST_F(TokensTest, ForgedPayloadIsRejected) {
  std::string token = *signer_->Sign(Alice(now_));
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  payload.replace(payload.find("sales_manager"), 13, "administrator");
  std::string forged = parts[0] + "." + absl::WebSafeBase64Escape(payload) + "." + parts[2];
  EXPECT_THAT(verifier_->Verify(forged, now_), StatusIs(kUnauthenticated, HasSubstr("signature")));
}

TEST_F(TokensTest, OtherKeyWithSameKidIsRejected) {
  auto other = *TokenSigner::Create("k1", *GenerateSigningKeyPem(), "crm-auth", "crm");
  EXPECT_THAT(verifier_->Verify(*other->Sign(Alice(now_)), now_),
              StatusIs(kUnauthenticated, HasSubstr("bad signature")));
}

TEST_F(TokensTest, UnknownKidIsRejectedAndRotationAcceptsBoth) {
  auto next = *TokenSigner::Create("k2", *GenerateSigningKeyPem(), "crm-auth", "crm");
  std::string token = *next->Sign(Alice(now_));
  EXPECT_THAT(verifier_->Verify(token, now_),
              StatusIs(kUnauthenticated, HasSubstr("unknown signing key")));
  ASSERT_THAT(verifier_->AddKey("k2", next->public_key_pem()), IsOk());
  EXPECT_THAT(verifier_->Verify(token, now_), IsOk());
  EXPECT_THAT(verifier_->Verify(*signer_->Sign(Alice(now_)), now_), IsOk());
}

TEST_F(TokensTest, WrongIssuerOrAudienceIsRejected) {
  auto wrong_iss = *TokenSigner::Create("k1", key_pem_, "someone-else", "crm");
  EXPECT_THAT(verifier_->Verify(*wrong_iss->Sign(Alice(now_)), now_),
              StatusIs(kUnauthenticated, HasSubstr("issuer")));
  auto wrong_aud = *TokenSigner::Create("k1", key_pem_, "crm-auth", "billing");
  EXPECT_THAT(verifier_->Verify(*wrong_aud->Sign(Alice(now_)), now_),
              StatusIs(kUnauthenticated, HasSubstr("audience")));
}

TEST_F(TokensTest, AlgorithmNoneAndGarbageAreRejected) {
  std::string token = *signer_->Sign(Alice(now_));
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string none_header = absl::WebSafeBase64Escape(R"({"alg":"none","kid":"k1"})");
  EXPECT_THAT(verifier_->Verify(none_header + "." + parts[1] + ".", now_),
              StatusIs(kUnauthenticated, HasSubstr("algorithm")));
  std::string hs_header = absl::WebSafeBase64Escape(R"({"alg":"HS256","kid":"k1"})");
  EXPECT_THAT(verifier_->Verify(hs_header + "." + parts[1] + "." + parts[2], now_),
              StatusIs(kUnauthenticated));
  EXPECT_THAT(verifier_->Verify("", now_), StatusIs(kUnauthenticated));
  EXPECT_THAT(verifier_->Verify("a.b", now_), StatusIs(kUnauthenticated));
  EXPECT_THAT(verifier_->Verify("!!.??.**", now_), StatusIs(kUnauthenticated));
  EXPECT_THAT(verifier_->Verify(parts[0] + "." + parts[1] + ".AAAA", now_),
              StatusIs(kUnauthenticated));
}

TEST_F(TokensTest, VerifierAcceptsOnlyP256Keys) {
  TokenVerifier v({"crm-auth", "crm"});
  EXPECT_THAT(v.AddKey("x", "not a key"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TokenSigner::Create("k", "junk", "i", "a").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TokensTest, PublicKeyOfPrivateKeyMatchesSigner) {
  EXPECT_EQ(*PublicKeyPemOf(key_pem_), signer_->public_key_pem());
}

}  // namespace
}  // namespace crm::auth
