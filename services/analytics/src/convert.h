#pragma once
// The analytics service's messages ⇄ its domain types, and reports as CSV.

#include <string>

#include "crm/analytics/v1/analytics_service.pb.h"
#include "libs/status/field_violations.h"
#include "services/analytics/src/model.h"

namespace crm::analytics {

namespace v1 = ::crm::analytics::v1;

// Violations name the request's fields (period.date, filter.owner_id, …).
ReportRequest FromProto(v1::ReportKind kind, const v1::Period& period,
                        const v1::ReportFilter& filter, const std::string& dimension,
                        Violations& v);
PeriodUnit FromProto(v1::PeriodUnit u);
v1::PeriodUnit ToProto(PeriodUnit u);
TargetSubject FromProto(v1::TargetSubject s);

// The report's header, columns and totals, and the given rows.
void ToProto(const Table& t, const ReportRequest& r, v1::Report* out);
v1::SalesTarget ToProto(const SalesTarget& t);
// subject, subject_id, unit, start_date, amount (CNY).
SalesTarget FromProto(const v1::SalesTarget& t, Violations& v);
// The filters of ListSalesTargets; an enum value this build does not know is a violation.
TargetFilter FromProto(const v1::ListSalesTargetsRequest& req, Violations& v);

// CSV (RFC 4180): the byte-order mark and the column titles' line.
std::string CsvHeader(const Table& t);
// Rows [from, to) of the table, one line each.
std::string CsvRows(const Table& t, size_t from, size_t to);

}  // namespace crm::analytics
