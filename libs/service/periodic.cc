#include "libs/service/periodic.h"

#include "libs/log/log.h"

namespace crm::service {

// The first run waits this long, so a starting service is serving before it scans.
constexpr absl::Duration kFirstDelay = absl::Seconds(5);

Periodic::Periodic(std::string name, absl::Duration interval, std::function<absl::Status()> work)
    : name_(std::move(name)), interval_(interval), work_(std::move(work)) {}

Periodic::~Periodic() { Stop(); }

void Periodic::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Periodic::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Periodic::Loop() {
  absl::Duration wait = kFirstDelay;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, absl::ToChronoNanoseconds(wait), [this] { return stopping_; });
      if (stopping_) return;
    }
    const absl::Time start = absl::Now();
    absl::Status s = work_();
    if (s.ok()) {
      log::Info("periodic work done")
          .Str("work", name_)
          .Double("seconds", absl::ToDoubleSeconds(absl::Now() - start));
    } else {
      log::Error("periodic work failed; retrying at the next interval")
          .Str("work", name_)
          .Str("status", s.ToString());
    }
    wait = interval_;
  }
}

}  // namespace crm::service
