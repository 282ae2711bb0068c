#pragma once
// Command-line flags with environment-variable fallbacks, validated at start.
//
//   crm::config::Flags flags("auth", "The auth service.");
//   auto* port = flags.Int("grpc-port", "CRM_GRPC_PORT", 50051, "gRPC port", 1, 65535);
//   flags.ParseOrExit(argc, argv);
//
// A flag given on the command line (--name=value or --name value) wins over its environment
// variable, which wins over the default. Unknown flags, malformed values, values out of range
// and missing required values are reported together and the program exits with status 2.

#include <cstdint>
#include <memory>
#include <string>

#include <vector>
#include "absl/status/statusor.h"

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace crm::config {

class Flags {
 public:
  Flags(std::string program, std::string description);
  ~Flags();
  Flags(const Flags&) = delete;
  Flags& operator=(const Flags&) = delete;

  // The returned pointers stay valid for the lifetime of this object.
  std::string* String(std::string name, std::string env, std::string default_value,
                      std::string help);
  // Like String, but an empty value is an error.
  std::string* RequiredString(std::string name, std::string env, std::string help);
  int64_t* Int(std::string name, std::string env, int64_t default_value, std::string help,
               int64_t min, int64_t max);
  bool* Bool(std::string name, std::string env, bool default_value, std::string help);
  // Values like "15m", "30s", "1h30m".
  absl::Duration* Duration(std::string name, std::string env, absl::Duration default_value,
                           std::string help);

  // Parses argv and the environment. Returns every problem found in one status.
  absl::Status Parse(int argc, const char* const* argv);
  // Parse, printing usage for --help (exit 0) or the problems (exit 2).
  void ParseOrExit(int argc, const char* const* argv);
  std::string Usage() const;

 private:
  struct Flag;
  Flag& Add(std::string name, std::string env, std::string help);

  std::string program_;
  std::string description_;
  std::vector<std::unique_ptr<Flag>> flags_;
};

// The whole content of the file a flag names (a key, a secret, a certificate); INVALID_ARGUMENT
// naming the flag when it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path);

}  // namespace crm::config
