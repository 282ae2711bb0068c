#pragma once

#include <array>
#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

namespace crm::ids {

// A new time-ordered UUID (version 7): ids created later sort later (as text or as uuid),
// which keeps B-tree inserts at the right edge of the index. Within one process the order is
// exact, also for ids made in the same millisecond; across processes it is as good as their
// clocks.
std::string NewUuidV7();
// Keyset bounds: below and above every UUID (where a page without a token starts).
inline constexpr char kMinUuid[] = "00000000-0000-0000-0000-000000000000";
inline constexpr char kMaxUuid[] = "ffffffff-ffff-ffff-ffff-ffffffffffff";

// Whether s is a UUID in canonical text form (8-4-4-4-12 hex digits, either case).
bool IsUuid(absl::string_view s);

// A UUID's 16 bytes; compared as bytes they sort as the canonical text does.
using UuidBytes = std::array<uint8_t, 16>;
// The bytes of a UUID in canonical text form; false when s is not one.
bool ParseUuid(absl::string_view s, UuidBytes* out);
// Canonical text form, lower case.
std::string FormatUuid(const UuidBytes& b);

}  // namespace crm::ids
