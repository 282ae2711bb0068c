#pragma once
// Development plans (客户开发计划): dated items of an opportunity, planned and executed
// (执行计划) by its assignee alone while it is assigned or developing. The first item of an
// assigned opportunity starts its development (assigned → developing). Anyone who sees the
// opportunity sees its plan.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/status/field_violations.h"
#include "services/pipeline/src/model.h"

namespace crm::pipeline_service {

class Plans {
 public:
  Plans(const events::Outbox* outbox, const db::RequestLog* request_log)
      : outbox_(outbox), request_log_(request_log) {}

  // The fields Update changes, by their update_mask paths.
  static const std::vector<std::string>& UpdatableFields();

  absl::StatusOr<PlanItem> Create(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& request_id,
                                  PlanItem item, Violations decoding = {}) const;
  // plan_date and/or content (`mask`) of an item not yet executed.
  absl::StatusOr<PlanItem> Update(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const PlanItem& patch,
                                  const std::string& etag, const std::vector<std::string>& mask,
                                  Violations decoding = {}) const;
  absl::StatusOr<PlanItem> Execute(db::Conn& conn, const auth::Principal& caller,
                                   const RequestMeta& meta, const std::string& id,
                                   const std::string& etag, const std::string& result) const;
  absl::StatusOr<std::vector<PlanItem>> List(db::Conn& conn, const auth::Principal& caller,
                                             const std::string& opportunity_id) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
};

}  // namespace crm::pipeline_service
