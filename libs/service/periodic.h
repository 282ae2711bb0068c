#pragma once
// Background work a service repeats on a timer (scans, clean-ups): once shortly after Start,
// then every `interval`, on a thread of its own, until Stop. Several replicas may run the same
// work; it must be safe to run concurrently (e.g. SKIP LOCKED).

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace crm::service {

class Periodic {
 public:
  Periodic(std::string name, absl::Duration interval, std::function<absl::Status()> work);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  void Start();
  // Waits for a run in progress to end.
  void Stop();

 private:
  void Loop();

  std::string name_;
  absl::Duration interval_;
  std::function<absl::Status()> work_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace crm::service
