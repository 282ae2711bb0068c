#include "libs/validation/paging.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/checksum/sha256.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"

namespace crm::validation {
namespace {

constexpr char kSep = '\x1f';
constexpr absl::string_view kVersion = "p1";

std::string Fingerprint(absl::string_view filters) {
  // Not a security boundary (the keys are re-checked against the caller's scope in SQL);
  // it only catches a token reused with different filters. Stable across processes, so a
  // token outlives a restart and works on every replica.
  return checksum::Sha256Hex(filters).substr(0, 16);
}

absl::Status Malformed() {
  return InvalidField("page_token", "is malformed or was issued for a different request");
}

}  // namespace

absl::StatusOr<int> PageSize(int32_t requested, int default_size, int max_size) {
  if (requested < 0) return InvalidField("page_size", "must not be negative");
  if (requested == 0) return default_size;
  return requested > max_size ? max_size : static_cast<int>(requested);
}

std::string EncodePageToken(const std::vector<std::string>& keys, absl::string_view filters) {
  std::string raw = absl::StrCat(kVersion, std::string(1, kSep), Fingerprint(filters));
  for (const auto& k : keys) absl::StrAppend(&raw, std::string(1, kSep), k);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view filters,
                                                         size_t expected_keys) {
  if (token.empty()) return std::vector<std::string>{};
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return Malformed();
  std::vector<std::string> parts = absl::StrSplit(raw, kSep);
  if (parts.size() != expected_keys + 2 || parts[0] != kVersion ||
      parts[1] != Fingerprint(filters)) {
    return Malformed();
  }
  return std::vector<std::string>(parts.begin() + 2, parts.end());
}

std::vector<std::string> TimeAndId::Keys() const { return {absl::StrCat(micros), id}; }

absl::StatusOr<TimeAndId> TimeAndIdOf(const std::vector<std::string>& keys, TimeAndId first) {
  if (keys.empty()) return first;
  TimeAndId at;
  if (keys.size() != 2 || !absl::SimpleAtoi(keys[0], &at.micros) || !ids::IsUuid(keys[1])) {
    return Malformed();
  }
  at.id = keys[1];
  return at;
}

}  // namespace crm::validation
