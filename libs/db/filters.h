#pragma once
// Optional filters of list statements.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace crm::db {

// An optional filter `column = $param` (a uuid, "" for none) for a list that has a statement
// for each case. Given: an equality, which an index can serve under the plan the session keeps
// for any value. Not given: a condition on the parameter alone, checked once. Written as one
// `($n = '' OR column = …)`, a filter needs a plan made for its values on every call, since a
// kept plan cannot use the column's index for it.
inline std::string UuidFilter(bool given, absl::string_view column, int param) {
  return given ? absl::StrCat(column, " = $", param, "::uuid") : absl::StrCat("$", param, " = ''");
}

}  // namespace crm::db
