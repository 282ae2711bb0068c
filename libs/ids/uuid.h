#pragma once

#include <string>
#include "absl/strings/string_view.h"

namespace crm::ids {

// A new time-ordered UUID (version 7): ids created later sort later (as text or as uuid),
// which keeps B-tree inserts at the right edge of the index. Within one process the order is
// exact, also for ids made in the same millisecond; across processes it is as good as their
// clocks.
std::string NewUuidV7();

// Whether s is a UUID in canonical text form (8-4-4-4-12 hex digits, either case).
bool IsUuid(absl::string_view s);

}  // namespace crm::ids
