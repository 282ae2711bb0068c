#pragma once
// Per-key token buckets (keys such as a peer address or a caller's id): each key may spend
// `burst` requests at once and then `per_second` on average. In memory, per process: a limit
// for each replica, which is what protecting that replica's CPU needs. Idle keys are dropped
// once their bucket is full again, so the map holds only recently busy keys.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace crm::rpc {

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  // Takes one token for key: zero when allowed, otherwise how long until one is available
  // (for a Retry-After).
  absl::Duration Take(absl::string_view key, absl::Time now = absl::Now());

 private:
  struct Bucket {
    double tokens;
    absl::Time at;
  };
  const double per_second_;
  const double burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_);
};

// The address of a gRPC peer without its port: "ipv4:10.0.0.7:51234" → "ipv4:10.0.0.7".
std::string PeerAddress(absl::string_view peer);

}  // namespace crm::rpc
