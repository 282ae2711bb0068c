#pragma once
// The management reports (统计报表): each one SQL statement (or two) over the read models,
// limited to the caller's record scope, and the sales targets behind the performance report.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/status/field_violations.h"
#include "libs/validation/paging.h"
#include "services/analytics/src/model.h"

namespace crm::analytics {

class Reports {
 public:
  explicit Reports(absl::TimeZone zone) : zone_(zone) {}

  // analytics.reports.read, checked before anything of the request.
  static absl::Status CheckReader(const auth::Principal& p);
  // Permission, the kind, the dimension and the filters that apply to the report
  // (INVALID_ARGUMENT naming each bad field, with those found decoding the request).
  static absl::Status Check(const auth::Principal& p, const ReportRequest& r,
                            Violations decoding = {});

  // The report's rows in `window` (every row by default), as of `today` (the aging report's
  // day when the period has not ended).
  absl::StatusOr<Table> Run(db::Conn& conn, const auth::Principal& p, const ReportRequest& r,
                            absl::CivilDay today, RowWindow window = {}) const;
  absl::StatusOr<Table> Run(db::Conn& conn, const auth::Principal& p, const ReportRequest& r,
                            RowWindow window = {}) const;

  // The rows a page asks for: page_token holds the next row's position, bound to the request's
  // kind, period, filters and dimension.
  static absl::StatusOr<RowWindow> PageWindow(const ReportRequest& r, int32_t page_size,
                                              const std::string& page_token);
  // The token of the page after `window`'s rows ("" after the last row).
  static std::string NextPageToken(const ReportRequest& r, const RowWindow& window,
                                   int64_t total_rows);

  absl::TimeZone zone() const { return zone_; }

 private:
  absl::TimeZone zone_;
};

class Targets {
 public:
  // `decoding`: what was wrong with the filter's fields as sent.
  absl::StatusOr<std::vector<SalesTarget>> List(db::Conn& conn, const auth::Principal& p,
                                                const TargetFilter& f,
                                                Violations decoding = {}) const;
  // analytics.targets.write, checked before anything of the request.
  static absl::Status CheckWriter(const auth::Principal& p);
  // Validation before the subject is looked up (fields named target.*).
  static absl::Status CheckSet(const auth::Principal& p, const SalesTarget& t,
                               Violations decoding = {});
  // department_id: the subject user's department (looked up), or the subject department.
  absl::StatusOr<SalesTarget> Set(db::Conn& conn, const auth::Principal& p, SalesTarget t) const;
  // Validation before the subject is looked up.
  static absl::Status CheckDelete(const auth::Principal& p, const SalesTarget& key,
                                  Violations decoding = {});
  // key.department_id: the subject user's department (looked up); scope is checked before
  // the target is looked for.
  absl::Status Delete(db::Conn& conn, const auth::Principal& p, const SalesTarget& key) const;
};

// The name of a period unit in the API and the database ("year", …).
std::string UnitName(PeriodUnit u);

}  // namespace crm::analytics
