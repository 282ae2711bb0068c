// Page tokens come back from clients: decoding any bytes must fail cleanly or give keys that
// encode back to a token decoding to the same keys.
#include <cstddef>
#include <cstdint>

#include "libs/validation/paging.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;  // the first page: no keys, nothing to encode back
  for (size_t keys = 0; keys < 3; ++keys) {
    auto decoded = crm::validation::DecodePageToken(input, "filters", keys);
    if (!decoded.ok()) continue;
    const std::string again = crm::validation::EncodePageToken(*decoded, "filters");
    auto round = crm::validation::DecodePageToken(again, "filters", keys);
    if (!round.ok() || *round != *decoded) __builtin_trap();
  }
  return 0;
}
