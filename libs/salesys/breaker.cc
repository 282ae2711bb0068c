#include "libs/salesys/breaker.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace crm::salesys {

Breaker::Breaker(std::string what, int failures_to_open, absl::Duration cooldown)
    : what_(std::move(what)), failures_to_open_(failures_to_open), cooldown_(cooldown) {}

absl::Status Breaker::Admit() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == State::kClosed) return absl::OkStatus();
  const absl::Duration left = opened_at_ + cooldown_ - absl::Now();
  if (state_ == State::kOpen && left <= absl::ZeroDuration()) {
    state_ = State::kHalfOpen;
    probing_ = false;
  }
  if (state_ == State::kHalfOpen && !probing_) {
    probing_ = true;
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat(
      what_, " is down (", failures_to_open_, " failed calls in a row); trying it again in ",
      absl::ToInt64Seconds(absl::Ceil(std::max(left, absl::ZeroDuration()), absl::Seconds(1))),
      " s"));
}

void Breaker::Record(bool up) {
  std::lock_guard<std::mutex> lock(mu_);
  if (up) {
    state_ = State::kClosed;
    failures_ = 0;
    probing_ = false;
    return;
  }
  ++failures_;
  if (state_ == State::kHalfOpen || failures_ >= failures_to_open_) {
    state_ = State::kOpen;
    opened_at_ = absl::Now();
    probing_ = false;
  }
}

void Breaker::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  probing_ = false;
}

Breaker::State Breaker::state() {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

bool Breaker::IsOutage(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded ||
         code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown;
}

}  // namespace crm::salesys
