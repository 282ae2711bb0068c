#include "services/analytics/src/convert.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"

namespace crm::analytics {
namespace {

ReportKind KindOf(v1::ReportKind k) {
  switch (k) {
    case v1::REPORT_KIND_CUSTOMER_CONTRIBUTION:
      return ReportKind::kCustomerContribution;
    case v1::REPORT_KIND_CUSTOMER_COMPOSITION:
      return ReportKind::kCustomerComposition;
    case v1::REPORT_KIND_SERVICE_COMPOSITION:
      return ReportKind::kServiceComposition;
    case v1::REPORT_KIND_CUSTOMER_CHURN:
      return ReportKind::kCustomerChurn;
    case v1::REPORT_KIND_SALES_PERFORMANCE:
      return ReportKind::kSalesPerformance;
    case v1::REPORT_KIND_PIPELINE_FUNNEL:
      return ReportKind::kPipelineFunnel;
    case v1::REPORT_KIND_RECEIVABLES_AGING:
      return ReportKind::kReceivablesAging;
    case v1::REPORT_KIND_CUSTOMER_VALUE:
      return ReportKind::kCustomerValue;
    default:
      return ReportKind::kUnspecified;
  }
}

v1::ColumnKind ToProto(ColumnKind k) {
  switch (k) {
    case ColumnKind::kText:
      return v1::COLUMN_KIND_TEXT;
    case ColumnKind::kInteger:
      return v1::COLUMN_KIND_INTEGER;
    case ColumnKind::kMoney:
      return v1::COLUMN_KIND_MONEY;
    case ColumnKind::kRatio:
      return v1::COLUMN_KIND_RATIO;
    case ColumnKind::kNumber:
      return v1::COLUMN_KIND_NUMBER;
  }
  return v1::COLUMN_KIND_UNSPECIFIED;
}

void ToProto(const Column& c, v1::ReportColumn* out) {
  out->set_key(c.key);
  out->set_title(c.title);
  out->set_kind(ToProto(c.kind));
}

void ToProto(const Row& row, v1::ReportRow* out) {
  for (const Cell& cell : row) {
    v1::ReportCell* c = out->add_cells();
    if (const auto* s = std::get_if<std::string>(&cell)) {
      c->set_text(*s);
    } else if (const auto* i = std::get_if<int64_t>(&cell)) {
      c->set_integer(*i);
    } else if (const auto* m = std::get_if<Money>(&cell)) {
      money::SetProto({m->minor, kCurrency}, c->mutable_money());
    } else if (const auto* d = std::get_if<double>(&cell)) {
      c->set_number(*d);
    }
  }
}

std::string CsvField(const Cell& cell, ColumnKind kind) {
  if (const auto* s = std::get_if<std::string>(&cell)) {
    if (s->find_first_of(",\"\r\n") == std::string::npos) return *s;
    return absl::StrCat("\"", absl::StrReplaceAll(*s, {{"\"", "\"\""}}), "\"");
  }
  if (const auto* i = std::get_if<int64_t>(&cell)) return absl::StrCat(*i);
  if (const auto* m = std::get_if<Money>(&cell)) {
    const int64_t a = m->minor < 0 ? -m->minor : m->minor;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s%" PRId64 ".%02" PRId64, m->minor < 0 ? "-" : "", a / 100,
                  a % 100);
    return buf;
  }
  if (const auto* d = std::get_if<double>(&cell)) {
    char buf[48];
    std::snprintf(buf, sizeof buf, kind == ColumnKind::kRatio ? "%.4f" : "%.1f", *d);
    return buf;
  }
  return "";
}

}  // namespace

PeriodUnit FromProto(v1::PeriodUnit u) {
  switch (u) {
    case v1::PERIOD_UNIT_DAY:
      return PeriodUnit::kDay;
    case v1::PERIOD_UNIT_WEEK:
      return PeriodUnit::kWeek;
    case v1::PERIOD_UNIT_MONTH:
      return PeriodUnit::kMonth;
    case v1::PERIOD_UNIT_QUARTER:
      return PeriodUnit::kQuarter;
    case v1::PERIOD_UNIT_YEAR:
      return PeriodUnit::kYear;
    default:
      return PeriodUnit::kUnspecified;
  }
}

v1::PeriodUnit ToProto(PeriodUnit u) {
  switch (u) {
    case PeriodUnit::kDay:
      return v1::PERIOD_UNIT_DAY;
    case PeriodUnit::kWeek:
      return v1::PERIOD_UNIT_WEEK;
    case PeriodUnit::kMonth:
      return v1::PERIOD_UNIT_MONTH;
    case PeriodUnit::kQuarter:
      return v1::PERIOD_UNIT_QUARTER;
    case PeriodUnit::kYear:
      return v1::PERIOD_UNIT_YEAR;
    case PeriodUnit::kUnspecified:
      break;
  }
  return v1::PERIOD_UNIT_UNSPECIFIED;
}

TargetSubject FromProto(v1::TargetSubject s) {
  switch (s) {
    case v1::TARGET_SUBJECT_USER:
      return TargetSubject::kUser;
    case v1::TARGET_SUBJECT_DEPARTMENT:
      return TargetSubject::kDepartment;
    default:
      return TargetSubject::kUnspecified;
  }
}

TargetFilter FromProto(const v1::ListSalesTargetsRequest& req, Violations& v) {
  TargetFilter f{FromProto(req.subject()), req.subject_id(), FromProto(req.unit()), req.year()};
  if (req.subject() != 0 && f.subject == TargetSubject::kUnspecified) {
    v.Add("subject", "is not a known subject");
  }
  if (req.unit() != 0 && f.unit == PeriodUnit::kUnspecified) v.Add("unit", "is not a known unit");
  return f;
}

ReportRequest FromProto(v1::ReportKind kind, const v1::Period& period,
                        const v1::ReportFilter& filter, const std::string& dimension,
                        Violations& v) {
  ReportRequest r;
  r.kind = KindOf(kind);
  if (kind != v1::REPORT_KIND_UNSPECIFIED && r.kind == ReportKind::kUnspecified) {
    v.Add("kind", "is not a known report");
  }
  const PeriodUnit unit = FromProto(period.unit());
  if (period.unit() != v1::PERIOD_UNIT_UNSPECIFIED && unit == PeriodUnit::kUnspecified) {
    v.Add("period.unit", "is not a known unit");
  }
  auto day = proto_time::DayOf(period.date(), "period.date", v);
  if (!day && !v.Has("period.date")) v.Add("period.date", "is required");
  if (day) r.period = PeriodOf(unit, *day);
  r.period.unit = unit;
  r.filter = {filter.region(),        filter.industry(), filter.level(),
              filter.department_id(), filter.owner_id(), filter.product_line_id()};
  r.dimension = dimension;
  return r;
}

void ToProto(const Table& t, const ReportRequest& r, v1::Report* out) {
  out->set_kind(static_cast<v1::ReportKind>(static_cast<int>(r.kind)));
  proto_time::SetDate(r.period.start, out->mutable_start_date());
  proto_time::SetDate(r.period.end, out->mutable_end_date());
  out->set_dimension(t.dimension);
  for (const Column& c : t.columns) ToProto(c, out->add_columns());
  for (const Row& row : t.rows) ToProto(row, out->add_rows());
  for (const Column& c : t.total_columns) ToProto(c, out->add_total_columns());
  ToProto(t.totals, out->mutable_totals());
  if (t.data_time) proto_time::SetTimestamp(*t.data_time, out->mutable_data_time());
}

v1::SalesTarget ToProto(const SalesTarget& t) {
  v1::SalesTarget p;
  p.set_subject(t.subject == TargetSubject::kUser ? v1::TARGET_SUBJECT_USER
                                                  : v1::TARGET_SUBJECT_DEPARTMENT);
  p.set_subject_id(t.subject_id);
  p.set_unit(ToProto(t.unit));
  proto_time::SetDate(t.start, p.mutable_start_date());
  money::SetProto({t.amount_minor, kCurrency}, p.mutable_amount());
  p.set_department_id(t.department_id);
  p.set_set_by(t.set_by);
  proto_time::SetTimestamp(t.updated_at, p.mutable_update_time());
  return p;
}

SalesTarget FromProto(const v1::SalesTarget& p, Violations& v) {
  SalesTarget t;
  t.subject = FromProto(p.subject());
  t.subject_id = p.subject_id();
  t.unit = FromProto(p.unit());
  auto day = proto_time::DayOf(p.start_date(), "target.start_date", v);
  if (!day && !v.Has("target.start_date")) v.Add("target.start_date", "is required");
  if (day) t.start = *day;
  auto amount = money::FromProto(p.amount(), p.has_amount(), "target.amount", v);
  if (!amount && !v.Has("target.amount")) v.Add("target.amount", "is required");
  if (amount) {
    if (amount->currency != kCurrency) v.Add("target.amount", "must be in CNY");
    t.amount_minor = amount->minor;
  }
  return t;
}

std::string CsvHeader(const Table& t) {
  std::string out = "\xEF\xBB\xBF";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i > 0) out += ",";
    out += CsvField(t.columns[i].title, ColumnKind::kText);
  }
  out += "\r\n";
  return out;
}

std::string CsvRows(const Table& t, size_t from, size_t to) {
  std::string out;
  for (size_t r = from; r < to && r < t.rows.size(); ++r) {
    const Row& row = t.rows[r];
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += ",";
      out += CsvField(row[i], t.columns[i].kind);
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace crm::analytics
