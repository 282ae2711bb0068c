#pragma once
// Real service processes for end-to-end tests.

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace crm::test {

// A TCP port on 127.0.0.1 that was free a moment ago.
int PickFreePort();

struct ProcessOptions {
  std::string binary;
  std::vector<std::string> args;
  // Added to (or replacing in) the test's own environment.
  std::vector<std::pair<std::string, std::string>> env;
};

class ServiceProcess {
 public:
  // Starts the binary with stdout and stderr going to a log file.
  static absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(ProcessOptions options);
  // Stops it (SIGTERM, then SIGKILL after 10 s) if still running.
  ~ServiceProcess();

  // Waits until the gRPC health service at target reports SERVING.
  absl::Status WaitForServing(const std::string& target, absl::Duration timeout);
  // Sends SIGTERM and waits; returns the exit code (128+signal when killed).
  int Stop(absl::Duration grace = absl::Seconds(10));
  // Whether it is still running.
  bool Running();
  pid_t pid() const { return pid_; }
  // Everything it has written so far.
  std::string Output() const;

 private:
  ServiceProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  std::string log_path_;
  int exit_code_ = -1;
};

// The path of a binary built next to the test (CRM_BINARY_DIR/<relative>).
std::string BuiltBinary(const std::string& relative);

}  // namespace crm::test
