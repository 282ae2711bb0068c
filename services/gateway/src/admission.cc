#include "services/gateway/src/admission.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "libs/rpc/call.h"

namespace crm::gateway {

int RetryAfterSeconds(absl::Duration wait) {
  return std::max(1, static_cast<int>(std::ceil(absl::ToDoubleSeconds(wait))));
}

namespace {

absl::Status Exhausted(absl::Duration wait, absl::string_view who) {
  return absl::ResourceExhaustedError(absl::StrCat("rate limit of ", who, " exceeded; retry after ",
                                                   RetryAfterSeconds(wait), " s"));
}

}  // namespace

absl::StatusOr<Admission::Admitted> Admission::Admit(bool is_public,
                                                     absl::string_view authorization,
                                                     absl::string_view peer,
                                                     absl::Duration* retry_after) {
  if (is_public) {
    if (absl::Duration wait = peers_.Take(peer); wait > absl::ZeroDuration()) {
      *retry_after = wait;
      return Exhausted(wait, "this address");
    }
    return Admitted{};
  }
  auto principal = rpc::AuthenticateHeader(authorization, *verifier_);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = Limit(**principal, retry_after); !s.ok()) return s;
  return Admitted{*std::move(principal)};
}

absl::Status Admission::Limit(const auth::Principal& principal, absl::Duration* retry_after) {
  if (absl::Duration wait = callers_.Take(principal.user_id); wait > absl::ZeroDuration()) {
    *retry_after = wait;
    return Exhausted(wait, "this caller");
  }
  return absl::OkStatus();
}

}  // namespace crm::gateway
