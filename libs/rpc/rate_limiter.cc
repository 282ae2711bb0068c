#include "libs/rpc/rate_limiter.h"

#include <algorithm>

namespace crm::rpc {

absl::Duration RateLimiter::Take(absl::string_view key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (now - last_sweep_ > absl::Minutes(1)) {
    // Buckets refilled to the brim since are as good as absent.
    absl::erase_if(buckets_, [&](const auto& entry) {
      const Bucket& b = entry.second;
      return b.tokens + absl::ToDoubleSeconds(now - b.at) * per_second_ >= burst_;
    });
    last_sweep_ = now;
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst_, b.tokens + absl::ToDoubleSeconds(now - b.at) * per_second_);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return absl::ZeroDuration();
  }
  return absl::Seconds((1 - b.tokens) / per_second_);
}

std::string PeerAddress(absl::string_view peer) {
  const size_t colon = peer.rfind(':');
  const size_t first = peer.find(':');
  if (colon == absl::string_view::npos || colon == first) return std::string(peer);
  return std::string(peer.substr(0, colon));
}

}  // namespace crm::rpc
