#include "libs/validation/text.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/ids/uuid.h"

namespace crm::validation {

namespace {

// The code point that starts at s[*i], moving *i past it; -1 (and *i unchanged) when the bytes
// there are not UTF-8: a stray continuation byte, a truncated sequence, an overlong form, a
// surrogate or a value past U+10FFFF.
int32_t NextCodePoint(absl::string_view s, size_t* i) {
  const auto c = static_cast<unsigned char>(s[*i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) {
    ++*i;
    return c;
  } else if ((c >> 5) == 0x6) {
    n = 1;
    cp = c & 0x1F;
  } else if ((c >> 4) == 0xE) {
    n = 2;
    cp = c & 0x0F;
  } else if ((c >> 3) == 0x1E) {
    n = 3;
    cp = c & 0x07;
  } else {
    return -1;
  }
  if (*i + n >= s.size()) return -1;
  for (size_t k = 1; k <= n; ++k) {
    const auto cc = static_cast<unsigned char>(s[*i + k]);
    if ((cc >> 6) != 0x2) return -1;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return -1;
  }
  *i += n + 1;
  return static_cast<int32_t>(cp);
}

// Whether the text has a character that is not shown as text: a control character (C0, DEL,
// C1), or a bidirectional embedding, override or isolate, which reorders what follows it on
// screen (a name that reads differently from what it is). Line breaks and tabs pass when
// `multiline`. Text that is not UTF-8 counts as having one.
bool HasControl(absl::string_view s, bool multiline) {
  for (size_t i = 0; i < s.size();) {
    const int32_t cp = NextCodePoint(s, &i);
    if (cp < 0) return true;
    if (cp < 0x20) {
      if (!(multiline && (cp == '\n' || cp == '\t' || cp == '\r'))) return true;
    } else if ((cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
               (cp >= 0x2066 && cp <= 0x2069)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (NextCodePoint(s, &i) < 0) return false;
  }
  return true;
}

size_t Utf8Length(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

absl::string_view TrimSpace(absl::string_view s) {
  static constexpr absl::string_view kIdeographicSpace = "\xE3\x80\x80";
  for (;;) {
    if (!s.empty() &&
        (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
      s.remove_prefix(1);
    } else if (s.substr(0, 3) == kIdeographicSpace) {
      s.remove_prefix(3);
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() &&
        (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
      s.remove_suffix(1);
    } else if (s.size() >= 3 && s.substr(s.size() - 3) == kIdeographicSpace) {
      s.remove_suffix(3);
    } else {
      break;
    }
  }
  return s;
}

bool LooksLikeEmail(absl::string_view s) {
  const size_t at = s.find('@');
  if (at == absl::string_view::npos || at == 0 || at != s.rfind('@')) return false;
  const absl::string_view domain = s.substr(at + 1);
  const size_t dot = domain.find('.');
  if (dot == absl::string_view::npos || dot == 0 || domain.back() == '.') return false;
  for (char c : s) {
    if (c == ' ' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

bool LooksLikePhone(absl::string_view s) {
  if (s.size() > 32) return false;
  bool digit = false;
  for (char c : s) {
    digit = digit || (c >= '0' && c <= '9');
    if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == ' ' || c == '(' || c == ')')) {
      return false;
    }
  }
  return s.empty() || digit;
}

bool Printable(absl::string_view s) { return !HasControl(s, false); }

bool OptionalText(Violations& v, absl::string_view field, absl::string_view value, size_t max,
                  bool multiline) {
  if (value.empty()) return true;
  if (!MaxChars(v, field, value, max)) return false;
  if (HasControl(value, multiline)) {
    v.Add(std::string(field), "must not contain control characters");
    return false;
  }
  return true;
}

bool OptionalPhone(Violations& v, absl::string_view field, absl::string_view value) {
  if (LooksLikePhone(value)) return true;
  v.Add(std::string(field),
        "may contain only digits, spaces and + - ( ), at least one digit and at most 32");
  return false;
}

bool OptionalEmail(Violations& v, absl::string_view field, absl::string_view value) {
  if (value.empty() || (value.size() <= 254 && LooksLikeEmail(value))) return true;
  v.Add(std::string(field), "is not an e-mail address");
  return false;
}

bool Required(Violations& v, absl::string_view field, absl::string_view value) {
  if (!TrimSpace(value).empty()) return true;
  v.Add(std::string(field), "is required");
  return false;
}

bool MaxChars(Violations& v, absl::string_view field, absl::string_view value, size_t max) {
  if (Utf8Length(value) <= max) return true;
  v.Add(std::string(field), absl::StrCat("must be at most ", max, " characters"));
  return false;
}

bool RequiredUuid(Violations& v, absl::string_view field, absl::string_view value) {
  if (value.empty()) {
    v.Add(std::string(field), "is required");
    return false;
  }
  return OptionalUuid(v, field, value);
}

absl::Status CheckId(absl::string_view field, absl::string_view value) {
  Violations v;
  RequiredUuid(v, field, value);
  return v.ToStatus();
}

absl::Status CheckOptionalId(absl::string_view field, absl::string_view value) {
  Violations v;
  OptionalUuid(v, field, value);
  return v.ToStatus();
}

bool OptionalUuid(Violations& v, absl::string_view field, absl::string_view value) {
  if (value.empty()) return true;
  if (!ids::IsUuid(value)) {
    v.Add(std::string(field), "must be a UUID");
    return false;
  }
  // Ids are compared as text with the ones stored and sent in events: one spelling only.
  if (std::any_of(value.begin(), value.end(), absl::ascii_isupper)) {
    v.Add(std::string(field), "must be a UUID in lower case, as the API returns it");
    return false;
  }
  return true;
}

bool Name(Violations& v, absl::string_view field, absl::string_view value, size_t max) {
  return RequiredText(v, field, value, max);
}

bool RequiredText(Violations& v, absl::string_view field, absl::string_view value, size_t max,
                  bool multiline) {
  if (!Required(v, field, value)) return false;
  return OptionalText(v, field, value, max, multiline);
}

bool OptionalCode(Violations& v, absl::string_view field, absl::string_view value) {
  if (value.empty()) return true;
  const bool ok = value.size() <= 63 && absl::ascii_islower(value[0]) &&
                  std::all_of(value.begin(), value.end(), [](char c) {
                    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
                  });
  if (!ok) v.Add(std::string(field), "is not a code (lower-case letters, digits, _)");
  return ok;
}

}  // namespace crm::validation
