#pragma once
// The analytics service's domain types: report requests, report tables and sales targets.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace crm::analytics {

enum class ReportKind {
  kUnspecified,
  kCustomerContribution,
  kCustomerComposition,
  kServiceComposition,
  kCustomerChurn,
  kSalesPerformance,
  kPipelineFunnel,
  kReceivablesAging,
  kCustomerValue,
};

enum class PeriodUnit { kUnspecified, kDay, kWeek, kMonth, kQuarter, kYear };

// The first and last day of a period.
struct Period {
  PeriodUnit unit = PeriodUnit::kUnspecified;
  absl::CivilDay start;
  absl::CivilDay end;
};

// The period of `unit` that contains `day` (weeks start on Monday).
Period PeriodOf(PeriodUnit unit, absl::CivilDay day);

struct ReportFilter {
  std::string region;
  std::string industry;
  std::string level;
  std::string department_id;
  std::string owner_id;
  std::string product_line_id;
};

struct ReportRequest {
  ReportKind kind = ReportKind::kUnspecified;
  Period period;
  ReportFilter filter;
  std::string dimension;
};

enum class ColumnKind { kText, kInteger, kMoney, kRatio, kNumber };

struct Column {
  std::string key;
  std::string title;
  ColumnKind kind;
};

// Money cells are minor units of CNY.
struct Money {
  int64_t minor = 0;
  bool operator==(const Money& o) const { return minor == o.minor; }
};
using Cell = std::variant<std::monostate, std::string, int64_t, Money, double>;
using Row = std::vector<Cell>;

// The rows of a report that a page asks for: from row `offset` on, at most `limit` (0: every row).
struct RowWindow {
  int64_t offset = 0;
  int64_t limit = 0;
};

struct Table {
  std::string dimension;
  std::vector<Column> columns;
  // The rows of the window asked for, of total_rows in all.
  std::vector<Row> rows;
  int64_t total_rows = 0;
  std::vector<Column> total_columns;
  Row totals;
  // When the latest event of the sources was applied.
  std::optional<absl::Time> data_time;
};

// The currency reports count.
inline constexpr char kCurrency[] = "CNY";

enum class TargetSubject { kUnspecified, kUser, kDepartment };

struct SalesTarget {
  TargetSubject subject = TargetSubject::kUnspecified;
  std::string subject_id;
  PeriodUnit unit = PeriodUnit::kUnspecified;
  absl::CivilDay start;
  int64_t amount_minor = 0;
  std::string department_id;
  std::string set_by;
  absl::Time updated_at;
};

struct TargetFilter {
  TargetSubject subject = TargetSubject::kUnspecified;
  std::string subject_id;
  PeriodUnit unit = PeriodUnit::kUnspecified;
  int year = 0;
};

}  // namespace crm::analytics
