#pragma once
// Early-return helpers for absl::Status / absl::StatusOr (this Abseil has none).

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CRM_STATUS_CONCAT_INNER(a, b) a##b
#define CRM_STATUS_CONCAT(a, b) CRM_STATUS_CONCAT_INNER(a, b)

#define CRM_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status crm_status_ = (expr);       \
    if (!crm_status_.ok()) return crm_status_; \
  } while (0)

#define CRM_ASSIGN_OR_RETURN(lhs, rexpr) \
  CRM_ASSIGN_OR_RETURN_IMPL(CRM_STATUS_CONCAT(crm_statusor_, __LINE__), lhs, rexpr)

#define CRM_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()
