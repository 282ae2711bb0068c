#pragma once
// Lists paged newest first by id (time-ordered UUIDs): the page size and page token checks
// such a list makes, one read, and the token of the next page.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "libs/db/conn.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/paging.h"
#include "libs/validation/text.h"

namespace crm::validation {

// `filters` fingerprints the request (a token only fits the filters it was issued for);
// `fetch(tx, before_id, limit)` returns up to `limit` rows with ids below `before_id` (empty
// for the first page), newest first; `key(row)` is a row's id (by default its member `id`).
template <typename T, typename Fetch, typename Key = std::vector<std::string> (*)(const T&)>
absl::StatusOr<Page<T>> NewestFirst(db::Conn& conn, const std::string& filters, int32_t page_size,
                                    const std::string& page_token, Fetch fetch,
                                    Key key = IdKey<T>) {
  CRM_ASSIGN_OR_RETURN(int limit, PageSize(page_size, 50, 500));
  CRM_ASSIGN_OR_RETURN(auto keys, DecodePageToken(page_token, filters, 1));
  const std::string before_id = keys.empty() ? "" : keys[0];
  CRM_RETURN_IF_ERROR(CheckOptionalId("page_token", before_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Page<T>> {
    return PageOf(fetch(tx, before_id, limit + 1), limit, filters, key);
  });
}

}  // namespace crm::validation
