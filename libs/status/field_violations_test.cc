#include "libs/status/field_violations.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_macros.h"

namespace crm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ViolationsTest, NoneIsOk) { EXPECT_TRUE(Violations().ToStatus().ok()); }

TEST(ViolationsTest, EachFieldIsNamedInMessageAndPayload) {
  Violations v;
  v.Add("username", "must not be empty");
  v.Add("user.email", "is not an e-mail address");
  absl::Status s = v.ToStatus();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("username: must not be empty"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("user.email: is not an e-mail address"));
  EXPECT_THAT(FieldViolationsOf(s),
              ElementsAre(FieldViolation{"username", "must not be empty"},
                          FieldViolation{"user.email", "is not an e-mail address"}));
}

TEST(ViolationsTest, PlainStatusHasNoViolations) {
  EXPECT_TRUE(FieldViolationsOf(absl::InvalidArgumentError("x")).empty());
}

TEST(ErrorInfoTest, RoundTrip) {
  absl::Status s = WithErrorInfo(absl::AlreadyExistsError("dup"), "DUPLICATE", "crm.test",
                                 {{"existing_ids", "a,b"}});
  ErrorInfo info = ErrorInfoOf(s);
  EXPECT_EQ(info.reason, "DUPLICATE");
  EXPECT_EQ(info.domain, "crm.test");
  EXPECT_EQ(info.Get("existing_ids"), "a,b");
  EXPECT_EQ(info.Get("missing"), "");
  EXPECT_TRUE(ErrorInfoOf(absl::AlreadyExistsError("plain")).reason.empty());
}

absl::StatusOr<int> Half(int x) {
  if (x % 2) return InvalidField("x", "must be even");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  CRM_ASSIGN_OR_RETURN(int h, Half(x));
  CRM_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

absl::Status CheckQuarter(int x) {
  CRM_RETURN_IF_ERROR(Quarter(x).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, PropagateErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckQuarter(4).ok());
  EXPECT_FALSE(CheckQuarter(2).ok());
}

}  // namespace
}  // namespace crm
