// Command lines: any argv (NUL-separated in the input) parses or is refused with a message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "libs/config/flags.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args = absl::StrSplit(input, '\0');
  std::vector<const char*> argv = {"crm-fuzz"};
  for (const auto& a : args) argv.push_back(a.c_str());
  crm::config::Flags flags("crm-fuzz", "fuzzing");
  flags.Int("port", "CRM_FUZZ_PORT", 50051, "a port", 0, 65535);
  flags.String("name", "CRM_FUZZ_NAME", "x", "a name");
  flags.Bool("dev", "CRM_FUZZ_DEV", false, "a switch");
  flags.Duration("drain", "CRM_FUZZ_DRAIN", absl::Seconds(20), "a duration");
  (void)flags.Parse(static_cast<int>(argv.size()), argv.data());
  return 0;
}
