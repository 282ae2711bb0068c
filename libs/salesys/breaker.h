#pragma once
// A circuit breaker for calls to another system: after `failures_to_open` failures in a row
// it opens and calls fail fast; after `cooldown` one call goes through as a probe (half
// open), and its outcome closes the breaker or opens it again. Thread-safe.

#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace crm::salesys {

class Breaker {
 public:
  enum class State { kClosed = 0, kHalfOpen = 1, kOpen = 2 };

  // what: the system's name in the fast failure's message.
  Breaker(std::string what, int failures_to_open, absl::Duration cooldown);

  // OK when a call may go out now (a probe when half open); else UNAVAILABLE saying the
  // system is down and when it will be tried again.
  absl::Status Admit();
  // The outcome of an admitted call: `up` when the system answered (even with an error of
  // the request's own, such as NOT_FOUND).
  void Record(bool up);
  // An outcome that says nothing about the sales system (the caller's own deadline ran out
  // first): the state stays, and a probe it was may be made again.
  void Release();
  State state();

  // Whether a call's status says the system is down or unreachable.
  static bool IsOutage(absl::StatusCode code);

 private:
  const std::string what_;
  const int failures_to_open_;
  const absl::Duration cooldown_;
  std::mutex mu_;
  State state_ = State::kClosed;
  int failures_ = 0;
  absl::Time opened_at_;
  bool probing_ = false;
};

}  // namespace crm::salesys
