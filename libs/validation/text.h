#pragma once
// Field checks shared by every service. Lengths are counted in characters (code points), not
// bytes, so a limit means the same for 华为技术有限公司 as for "Huawei".

#include <cstddef>
#include <string>
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "libs/status/field_violations.h"

namespace crm::validation {

bool IsValidUtf8(absl::string_view s);
// Number of code points; only meaningful for valid UTF-8.
size_t Utf8Length(absl::string_view s);
// s with leading and trailing ASCII and full-width (U+3000) spaces removed.
absl::string_view TrimSpace(absl::string_view s);
bool LooksLikeEmail(absl::string_view s);
// Digits, spaces and + - ( ) with at least one digit, at most 32 characters (empty is fine).
bool LooksLikePhone(absl::string_view s);
// No control characters (C0, DEL, C1) and no bidirectional overrides, embeddings or isolates.
bool Printable(absl::string_view s);

// Adds a violation when the check fails; return whether the value passed.
bool Required(Violations& v, absl::string_view field, absl::string_view value);
bool MaxChars(Violations& v, absl::string_view field, absl::string_view value, size_t max);
bool RequiredUuid(Violations& v, absl::string_view field, absl::string_view value);
bool OptionalUuid(Violations& v, absl::string_view field, absl::string_view value);
// The id a request names: INVALID_ARGUMENT naming the field unless it is a UUID.
absl::Status CheckId(absl::string_view field, absl::string_view value);
// The same for an optional id: empty is fine.
absl::Status CheckOptionalId(absl::string_view field, absl::string_view value);
// Required, at most max characters, no control characters.
bool Name(Violations& v, absl::string_view field, absl::string_view value, size_t max);
// Required free text: Name, with newlines and tabs allowed where multiline says so.
bool RequiredText(Violations& v, absl::string_view field, absl::string_view value, size_t max,
                  bool multiline = false);
// Optional free text: at most max characters; control characters only where multiline allows
// (newlines and tabs).
bool OptionalText(Violations& v, absl::string_view field, absl::string_view value, size_t max,
                  bool multiline = false);
bool OptionalPhone(Violations& v, absl::string_view field, absl::string_view value);
bool OptionalEmail(Violations& v, absl::string_view field, absl::string_view value);
// Optional code of data-defined values (dictionary entries, funnel stages): lower-case
// letters, digits and _, starting with a letter, at most 63 characters.
bool OptionalCode(Violations& v, absl::string_view field, absl::string_view value);

}  // namespace crm::validation
