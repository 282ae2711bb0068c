#pragma once
// List paging (AIP-158): page_size rules and opaque keyset page tokens.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace crm::validation {

// One page of a list and the token of the next (empty at the end).
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

// 0 → default_size, above max_size → max_size, negative → INVALID_ARGUMENT on "page_size".
absl::StatusOr<int> PageSize(int32_t requested, int default_size = 100, int max_size = 1000);

// A page token carries the keyset position (the sort key of the last row returned) and a
// fingerprint of the request's filters, so a token cannot be replayed with other filters.
std::string EncodePageToken(const std::vector<std::string>& keys, absl::string_view filters);

// The keys of a token issued for the same filters; an empty token gives no keys.
// Anything else is INVALID_ARGUMENT on "page_token".
absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view filters,
                                                         size_t expected_keys);

// The position of a list ordered by a time and then an id: the keys of its page tokens.
struct TimeAndId {
  int64_t micros = 0;
  std::string id = {};

  std::vector<std::string> Keys() const;
};
// The position in decoded keys, or `first` when there are none (the first page);
// INVALID_ARGUMENT on "page_token" when they are malformed.
absl::StatusOr<TimeAndId> TimeAndIdOf(const std::vector<std::string>& keys, TimeAndId first);

// The page made of `rows`, read with a limit of `limit` + 1: at most `limit` of them and,
// when there were more, the token of the next page, holding keys(the last row returned).
template <typename T, typename Keys>
Page<T> PageOf(std::vector<T> rows, int limit, absl::string_view filters, Keys keys) {
  Page<T> page{std::move(rows), ""};
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next_page_token = EncodePageToken(keys(page.items.back()), filters);
  }
  return page;
}

// The keys of a list paged by id alone.
template <typename T>
std::vector<std::string> IdKey(const T& row) {
  return {row.id};
}

}  // namespace crm::validation
