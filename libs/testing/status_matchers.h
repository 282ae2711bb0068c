#pragma once
// gMock matchers for absl::Status, absl::StatusOr<T> and grpc::Status alike:
//   EXPECT_THAT(s, IsOk());
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(s, StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("username")));
//   EXPECT_THAT(s, HasFieldViolation("user.email"));

#include <ostream>
#include <string>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "libs/rpc/status_convert.h"
#include "libs/status/field_violations.h"

namespace crm::test {

inline absl::Status AsStatus(const absl::Status& s) { return s; }
template <typename T>
absl::Status AsStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
inline absl::Status AsStatus(const grpc::Status& s) { return rpc::FromGrpcStatus(s); }

MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status s = AsStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code,
          std::string(negation ? "does not have" : "has") + " code " +
              absl::StatusCodeToString(static_cast<absl::StatusCode>(code))) {
  const absl::Status s = AsStatus(arg);
  *result_listener << "status is " << s;
  return static_cast<int>(s.code()) == static_cast<int>(code);
}

MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "does not have" : "has") + " code " +
               absl::StatusCodeToString(static_cast<absl::StatusCode>(code)) +
               " and a matching message") {
  const absl::Status s = AsStatus(arg);
  *result_listener << "status is " << s;
  return static_cast<int>(s.code()) == static_cast<int>(code) &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()), result_listener);
}

MATCHER_P(HasFieldViolation, field,
          std::string(negation ? "has no" : "has a") + " field violation on " +
              std::string(field)) {
  const absl::Status s = AsStatus(arg);
  *result_listener << "status is " << s;
  if (s.code() != absl::StatusCode::kInvalidArgument) return false;
  for (const auto& v : FieldViolationsOf(s)) {
    if (v.field == field) return true;
  }
  return false;
}

}  // namespace crm::test
