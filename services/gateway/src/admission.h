#pragma once
// Who may pass the gateway: a call needs a valid access token (unless its method is public,
// such as signing in) and must fit its caller's rate limit; public calls fit a limit per peer
// address instead. A call refused here never reaches a backend.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/auth/principal.h"
#include "libs/auth/tokens.h"
#include "libs/rpc/rate_limiter.h"

namespace crm::gateway {

struct Limits {
  // Per signed-in caller (user or service account).
  double caller_per_second = 50;
  double caller_burst = 100;
  // Per peer address, for public methods (signing in, refreshing a session).
  double public_per_second = 2;
  double public_burst = 20;
};

class Admission {
 public:
  Admission(const auth::TokenVerifier* verifier, Limits limits)
      : verifier_(verifier),
        callers_(limits.caller_per_second, limits.caller_burst),
        peers_(limits.public_per_second, limits.public_burst) {}

  struct Admitted {
    // Null for a public method.
    std::shared_ptr<const auth::Principal> principal;
  };
  // `authorization` is the header's value ("Bearer <token>"), `peer` the caller's address
  // without its port. UNAUTHENTICATED for a missing or bad token, RESOURCE_EXHAUSTED over the
  // limit (with *retry_after set).
  absl::StatusOr<Admitted> Admit(bool is_public, absl::string_view authorization,
                                 absl::string_view peer, absl::Duration* retry_after);
  // The rate limit alone, for a caller already verified.
  absl::Status Limit(const auth::Principal& principal, absl::Duration* retry_after);

  const auth::TokenVerifier& verifier() const { return *verifier_; }

 private:
  const auth::TokenVerifier* verifier_;
  rpc::RateLimiter callers_;
  rpc::RateLimiter peers_;
};

// "Retry-After" seconds for a wait (at least 1).
int RetryAfterSeconds(absl::Duration wait);

}  // namespace crm::gateway
