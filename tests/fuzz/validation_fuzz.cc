// Request fields: every check takes any bytes (invalid UTF-8 included) without crashing, and
// the character counts agree with each other.
#include <cstddef>
#include <cstdint>

#include "libs/status/field_violations.h"
#include "libs/validation/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view s(reinterpret_cast<const char*>(data), size);
  namespace v = crm::validation;
  const bool utf8 = v::IsValidUtf8(s);
  if (utf8 && v::Utf8Length(s) > s.size()) __builtin_trap();
  const absl::string_view trimmed = v::TrimSpace(s);
  if (trimmed.size() > s.size()) __builtin_trap();
  (void)v::LooksLikeEmail(s);
  (void)v::LooksLikePhone(s);
  (void)v::Printable(s);
  crm::Violations violations;
  v::Required(violations, "f", s);
  v::MaxChars(violations, "f", s, 10);
  v::OptionalUuid(violations, "f", s);
  v::Name(violations, "f", s, 100);
  v::OptionalText(violations, "f", s, 100, true);
  v::OptionalPhone(violations, "f", s);
  v::OptionalEmail(violations, "f", s);
  v::OptionalCode(violations, "f", s);
  (void)violations.ToStatus();
  return 0;
}
