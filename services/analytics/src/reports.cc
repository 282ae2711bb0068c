#include "services/analytics/src/reports.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libs/auth/scope.h"
#include "libs/db/time_fields.h"
#include "libs/status/field_violations.h"
#include "libs/validation/text.h"

namespace crm::analytics {
namespace {

// A statement written with named parameters, "@name", each declared once with its type:
// "@from_day" becomes "$2::date". Report statements are planned per call (their best plan
// depends on the period and filters), so nothing is prepared.
class Query {
 public:
  // `{scope:x}` in a statement is the caller's scope over x.owner_id and x.department_id; the
  // scope's value is the first parameter.
  explicit Query(const auth::Principal& p) : scope_(p.scope), scope_param_(auth::ScopeParam(p)) {}

  Query& Set(const std::string& name, const std::string& type, std::optional<std::string> v) {
    names_.push_back({name, type});
    values_.push_back(std::move(v));
    return *this;
  }
  auth::DataScope scope() const { return scope_; }
  pqxx::result Run(db::Tx& tx, std::string sql) const {
    // Only the parameters the statement uses are sent (PostgreSQL cannot type the others),
    // numbered in the order they were declared.
    for (;;) {
      const size_t at = sql.find("{scope:");
      if (at == std::string::npos) break;
      const size_t end = sql.find('}', at);
      const std::string alias = sql.substr(at + 7, end - at - 7);
      sql.replace(at, end - at + 1,
                  auth::ScopePredicate(scope_, alias + ".owner_id", alias + ".department_id", 1));
    }
    std::vector<std::optional<std::string>> params = {scope_param_};
    std::vector<std::pair<std::string, std::string>> replacements;
    for (size_t i = 0; i < names_.size(); ++i) {
      const std::string name = "@" + names_[i].first;
      if (!UsesName(sql, name)) continue;
      params.push_back(values_[i]);
      replacements.push_back({name, absl::StrCat("$", params.size(), "::", names_[i].second)});
    }
    // Longest names first, so that no name is taken for the start of a longer one.
    std::sort(replacements.begin(), replacements.end(),
              [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    for (const auto& [name, param] : replacements) absl::StrReplaceAll({{name, param}}, &sql);
    return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
  }

 private:
  // Whether `name` appears in sql as a whole name (not the start of a longer one).
  static bool UsesName(const std::string& sql, const std::string& name) {
    for (size_t at = sql.find(name); at != std::string::npos; at = sql.find(name, at + 1)) {
      const size_t end = at + name.size();
      if (end >= sql.size() ||
          !(std::isalnum(static_cast<unsigned char>(sql[end])) || sql[end] == '_')) {
        return true;
      }
    }
    return false;
  }

  std::vector<std::pair<std::string, std::string>> names_;
  std::vector<std::optional<std::string>> values_;
  auth::DataScope scope_;
  std::string scope_param_;
};

// The filters over a fact `f` (owner_id, department_id) and its customer `cu`.
#define CUSTOMER_FILTER(cu)                                               \
  " (@region = '' OR " cu ".region = @region) AND (@industry = '' OR " cu \
  ".industry = @industry) AND (@level = '' OR " cu ".level = @level) "
#define OWNER_FILTER(f)                                                                          \
  " (@departments IS NULL OR " f ".department_id = ANY(@departments)) AND (@owner IS NULL OR " f \
  ".owner_id = @owner) "

// Signed contracts in force, in the report's currency: their lines (of the product line, when
// the filter names one), with the contract's owner, department and customer, in scope and
// filters. `cond` limits the sign dates.
#define SIGNED_LINES(cond)                                                                       \
  " SELECT c.id AS contract_id, c.customer_id, c.owner_id, c.department_id, c.sign_date,"        \
  " l.position, l.product_id, l.product_name, l.product_line_id, l.quantity, l.amount_minor"     \
  " FROM analytics.contracts c JOIN analytics.contract_lines l ON l.contract_id = c.id"          \
  " LEFT JOIN analytics.customers cu ON cu.id = c.customer_id"                                   \
  " WHERE c.sign_date IS NOT NULL AND c.status <> 'terminated' AND c.currency = 'CNY' AND " cond \
  " AND {scope:c} AND " CUSTOMER_FILTER("cu") " AND " OWNER_FILTER(                              \
      "c") " AND (@line = '' OR l.product_line_id = @line) "

// Payments (net of reversals) in the period, in scope and filters.
#define PAYMENTS_IN_PERIOD                                                        \
  " SELECT pa.* FROM analytics.payments pa LEFT JOIN analytics.customers cu"      \
  " ON cu.id = pa.customer_id WHERE pa.receive_day BETWEEN @from_day AND @to_day" \
  " AND pa.currency = 'CNY' AND {scope:pa} AND " CUSTOMER_FILTER("cu") " AND " OWNER_FILTER("pa")

// Deliveries accepted in the period, valued at their line's price (of signed contracts in
// force, in scope and filters).
#define DELIVERED_IN_PERIOD                                                                     \
  " SELECT c.id AS contract_id, c.customer_id, c.owner_id, c.department_id, l.product_id,"      \
  " l.product_name, l.product_line_id, (d.quantity * l.amount_minor) / l.quantity AS delivered" \
  " FROM analytics.deliveries d JOIN analytics.contracts c ON c.id = d.contract_id"             \
  " JOIN analytics.contract_lines l ON l.contract_id = d.contract_id"                           \
  "   AND l.position = d.line_position"                                                         \
  " LEFT JOIN analytics.customers cu ON cu.id = c.customer_id"                                  \
  " WHERE d.accept_day BETWEEN @from_day AND @to_day AND c.sign_date IS NOT NULL"               \
  " AND c.status <> 'terminated' AND c.currency = 'CNY' AND {scope:c} AND " CUSTOMER_FILTER(    \
      "cu") " AND " OWNER_FILTER("c") " AND (@line = '' OR l.product_line_id = @line)"

int64_t Int(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int64_t>(); }
std::string Text(const pqxx::field& f) { return f.is_null() ? "" : f.as<std::string>(); }
Cell MoneyCell(const pqxx::field& f) { return Money{Int(f)}; }
Cell RatioOf(int64_t part, int64_t whole) {
  if (whole == 0) return std::monostate{};
  return static_cast<double>(part) / static_cast<double>(whole);
}

const std::map<std::string, std::string>& CompositionDimensions() {
  static const auto* d = new std::map<std::string, std::string>{
      {"level", "m.level"},
      {"region", "m.region"},
      {"industry", "m.industry"},
      {"credit", "m.credit::text"},
      {"satisfaction", "m.satisfaction::text"},
      {"source", "m.source"},
      {"status", "m.status"},
      {"owner", "m.owner_id::text"},
      {"department", "m.department_id::text"},
  };
  return *d;
}

// The sales report's dimensions: the key over SIGNED_LINES / payments, and whether payments
// can be split by it.
struct SalesDimension {
  std::string line_key;
  std::string payment_key;
  // The key over analytics.sales_periods s; empty: the rollup is not split by it.
  std::string rollup_key;
};
const std::map<std::string, SalesDimension>& SalesDimensions() {
  static const auto* d = new std::map<std::string, SalesDimension>{
      {"owner", {"owner_id::text", "pa.owner_id::text", "s.owner_id"}},
      {"department", {"department_id::text", "pa.department_id::text", "s.department_id"}},
      {"region", {"region", "cu.region", "coalesce(s.region, '')"}},
      {"product_line", {"product_line_id", "", "s.product_line_id"}},
      {"product", {"product_id", "", ""}},
  };
  return *d;
}

std::string DefaultDimension(ReportKind k) {
  switch (k) {
    case ReportKind::kCustomerComposition:
      return "level";
    case ReportKind::kSalesPerformance:
    case ReportKind::kReceivablesAging:
      return "owner";
    default:
      return "";
  }
}

std::string DayText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

}  // namespace

std::string UnitName(PeriodUnit u) {
  switch (u) {
    case PeriodUnit::kDay:
      return "day";
    case PeriodUnit::kWeek:
      return "week";
    case PeriodUnit::kMonth:
      return "month";
    case PeriodUnit::kQuarter:
      return "quarter";
    case PeriodUnit::kYear:
      return "year";
    case PeriodUnit::kUnspecified:
      break;
  }
  return "";
}

Period PeriodOf(PeriodUnit unit, absl::CivilDay day) {
  Period p{unit, day, day};
  switch (unit) {
    case PeriodUnit::kWeek: {
      const int back =
          (static_cast<int>(absl::GetWeekday(day)) + 7 - static_cast<int>(absl::Weekday::monday)) %
          7;
      p.start = day - back;
      p.end = p.start + 6;
      break;
    }
    case PeriodUnit::kMonth:
      p.start = absl::CivilDay(absl::CivilMonth(day));
      p.end = absl::CivilDay(absl::CivilMonth(day) + 1) - 1;
      break;
    case PeriodUnit::kQuarter: {
      const int first = (day.month() - 1) / 3 * 3 + 1;
      p.start = absl::CivilDay(day.year(), first, 1);
      p.end = absl::CivilDay(absl::CivilMonth(day.year(), first) + 3) - 1;
      break;
    }
    case PeriodUnit::kYear:
      p.start = absl::CivilDay(day.year(), 1, 1);
      p.end = absl::CivilDay(day.year(), 12, 31);
      break;
    default:
      break;
  }
  return p;
}

absl::Status Reports::CheckReader(const auth::Principal& p) {
  if (!p.Can("analytics.reports.read")) {
    return absl::PermissionDeniedError("analytics.reports.read is required");
  }
  return absl::OkStatus();
}

absl::Status Reports::Check(const auth::Principal& p, const ReportRequest& r, Violations decoding) {
  if (absl::Status s = CheckReader(p); !s.ok()) return s;
  Violations v = std::move(decoding);
  if (r.kind == ReportKind::kUnspecified && !v.Has("kind")) v.Add("kind", "is required");
  if (r.period.unit == PeriodUnit::kUnspecified && !v.Has("period.unit")) {
    v.Add("period.unit", "is required");
  }
  const std::string& d = r.dimension;
  switch (r.kind) {
    case ReportKind::kCustomerComposition:
      if (!d.empty() && !CompositionDimensions().count(d)) {
        v.Add("dimension",
              "must be one of level, region, industry, credit, satisfaction, "
              "source, status, owner, department");
      }
      break;
    case ReportKind::kSalesPerformance:
      if (!d.empty() && !SalesDimensions().count(d)) {
        v.Add("dimension", "must be one of owner, department, region, product_line, product");
      }
      break;
    case ReportKind::kReceivablesAging:
      if (!d.empty() && d != "owner" && d != "department") {
        v.Add("dimension", "must be owner or department");
      }
      break;
    default:
      if (!d.empty()) v.Add("dimension", "does not apply to this report");
  }
  const bool by_product =
      r.kind == ReportKind::kCustomerContribution || r.kind == ReportKind::kSalesPerformance;
  if (!r.filter.product_line_id.empty() && !by_product) {
    v.Add("filter.product_line_id", "does not apply to this report");
  }
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"filter.department_id", &r.filter.department_id},
        {"filter.owner_id", &r.filter.owner_id}}) {
    validation::OptionalUuid(v, field, *value);
  }
  return v.ToStatus();
}

namespace {

// What every report statement is given.
struct Context {
  const ReportRequest& r;
  // The rows asked for: a report that computes only those sets Table::total_rows; the others'
  // rows are cut to it afterwards.
  RowWindow window;
  Query q;
  absl::CivilDay as_of;  // aging: the period's end, or today
  absl::CivilDay today;
  absl::TimeZone zone;
  // A month, quarter or year: made of whole months, which the rollups answer.
  bool whole_months;
};

// The contribution report's table from rows (customer id, name, contracted, received, the
// contracted sum up to the row in rank order), ranked from `first_rank`, and its totals.
Table ContributionTable(const pqxx::result& rows, int64_t first_rank, int64_t customers,
                        int64_t total, int64_t received) {
  Table t;
  t.columns = {{"rank", "排名", ColumnKind::kInteger},
               {"customer_id", "客户ID", ColumnKind::kText},
               {"customer_name", "客户名称", ColumnKind::kText},
               {"contracted", "签约金额", ColumnKind::kMoney},
               {"received", "回款金额", ColumnKind::kMoney},
               {"share", "占比", ColumnKind::kRatio},
               {"cumulative_share", "累计占比", ColumnKind::kRatio},
               {"abc_class", "ABC分类", ColumnKind::kText}};
  int64_t rank = first_rank;
  for (const auto& row : rows) {
    const int64_t contracted = Int(row[2]);
    const int64_t running = Int(row[4]);
    const int64_t before = running - contracted;
    // A: the customers that make the first 80% of the total; B: the next 15%.
    std::string cls = "C";
    if (total > 0 && before * 100 < total * 80) {
      cls = "A";
    } else if (total > 0 && before * 100 < total * 95) {
      cls = "B";
    }
    t.rows.push_back({rank++, Text(row[0]), Text(row[1]), Money{contracted}, Money{Int(row[3])},
                      RatioOf(contracted, total), RatioOf(running, total), cls});
  }
  t.total_columns = {{"customers", "客户数", ColumnKind::kInteger},
                     {"contracted", "签约金额", ColumnKind::kMoney},
                     {"received", "回款金额", ColumnKind::kMoney}};
  t.totals = {customers, Money{total}, Money{received}};
  return t;
}

// Every record (an executive's scope) over a quarter or a year, without an owner, department or
// product-line filter: the period's customers come ranked out of customer_periods' index, and
// only the window's rows are read.
Table ContributionFromRollup(db::Tx& tx, Context& c) {
  c.q.Set("unit", "text", UnitName(c.r.period.unit));
  c.q.Set("offset", "int8", absl::StrCat(c.window.offset));
  c.q.Set("end", "int8",
          c.window.limit > 0
              ? std::optional<std::string>(absl::StrCat(c.window.offset + c.window.limit))
              : std::nullopt);
  // {scope:s} is an executive's: it reads no column.
#define CUSTOMERS_OF_PERIOD                                                              \
  " FROM analytics.customer_periods s WHERE s.unit = @unit AND s.start_date = @from_day" \
  " AND (s.contracted <> 0 OR s.received <> 0) AND {scope:s} AND " CUSTOMER_FILTER("s")
  pqxx::result totals = c.q.Run(tx,
                                "SELECT count(*), coalesce(sum(s.contracted), 0), "
                                "coalesce(sum(s.received), 0)" CUSTOMERS_OF_PERIOD);
  pqxx::result rows = c.q.Run(
      tx,
      "WITH ranked AS (SELECT s.customer_id, s.contracted, s.received,"
      "   sum(s.contracted) OVER (ORDER BY s.contracted DESC, s.received DESC, s.customer_id"
      "   ROWS UNBOUNDED PRECEDING) AS running" CUSTOMERS_OF_PERIOD
      "   ORDER BY s.contracted DESC, s.received DESC, s.customer_id LIMIT @end)"
      " SELECT r.customer_id::text, coalesce(cu.name, ''), r.contracted, r.received, r.running"
      " FROM ranked r LEFT JOIN analytics.customers cu ON cu.id = r.customer_id"
      " ORDER BY r.contracted DESC, r.received DESC, r.customer_id OFFSET @offset");
#undef CUSTOMERS_OF_PERIOD
  Table t = ContributionTable(rows, c.window.offset + 1, Int(totals[0][0]), Int(totals[0][1]),
                              Int(totals[0][2]));
  t.total_rows = Int(totals[0][0]);
  return t;
}

Table CustomerContribution(db::Tx& tx, Context& c) {
  const ReportFilter& f = c.r.filter;
  const PeriodUnit unit = c.r.period.unit;
  if ((unit == PeriodUnit::kQuarter || unit == PeriodUnit::kYear) &&
      c.q.scope() == auth::DataScope::kAll && f.department_id.empty() && f.owner_id.empty() &&
      f.product_line_id.empty()) {
    return ContributionFromRollup(tx, c);
  }
  // A contract's amount is the sum of its lines: its lines are read only for a product line.
  const std::string contracted =
      f.product_line_id.empty()
          ? "SELECT c.customer_id, sum(c.amount_minor) AS amount FROM analytics.contracts c"
            " LEFT JOIN analytics.customers cu ON cu.id = c.customer_id"
            " WHERE c.sign_date BETWEEN @from_day AND @to_day AND c.status <> 'terminated'"
            " AND c.currency = 'CNY' AND {scope:c} AND " CUSTOMER_FILTER("cu") " AND " OWNER_FILTER(
                "c") " GROUP BY 1"
          : "SELECT customer_id, sum(amount_minor) AS amount FROM (" SIGNED_LINES(
                "c.sign_date BETWEEN @from_day AND @to_day") ") s GROUP BY customer_id";
  pqxx::result rows = c.q.Run(
      tx,
      absl::StrCat(
          "WITH signed AS (", contracted,
          "),"
          " received AS (SELECT customer_id, sum(amount_minor) AS amount FROM (" PAYMENTS_IN_PERIOD
          ") p GROUP BY customer_id),"
          " joined AS (SELECT coalesce(s.customer_id, r.customer_id) AS customer_id,"
          "   coalesce(s.amount, 0) AS contracted, coalesce(r.amount, 0) AS received"
          "   FROM signed s FULL JOIN received r ON r.customer_id = s.customer_id)"
          " SELECT j.customer_id::text, coalesce(cu.name, ''), j.contracted, j.received,"
          " sum(j.contracted) OVER (ORDER BY j.contracted DESC, j.received DESC, j.customer_id"
          "   ROWS UNBOUNDED PRECEDING) AS running"
          " FROM joined j LEFT JOIN analytics.customers cu ON cu.id = j.customer_id"
          " WHERE j.contracted <> 0 OR j.received <> 0"
          " ORDER BY j.contracted DESC, j.received DESC, j.customer_id"));
  int64_t total = 0, received = 0;
  for (const auto& row : rows) {
    total += Int(row[2]);
    received += Int(row[3]);
  }
  return ContributionTable(rows, 1, static_cast<int64_t>(rows.size()), total, received);
}

Table CustomerComposition(db::Tx& tx, Context& c) {
  const std::string& d = c.r.dimension;
  const std::string key = CompositionDimensions().at(d);
  const std::string now_key = absl::StrReplaceAll(key, {{"m.", "n."}});
  std::string name = "''";
  if (d == "owner")
    name = "(SELECT display_name FROM analytics.users WHERE id = nullif(x.value, '')::uuid)";
  if (d == "department") {
    name = "(SELECT name FROM analytics.departments WHERE id = nullif(x.value, '')::uuid)";
  }
  pqxx::result rows;
  if (c.whole_months) {
    // The mix's changes by month, and the customers created in them.
    rows = c.q.Run(
        tx, absl::StrCat(
                "WITH x AS (SELECT coalesce(", key,
                ", '') AS value,"
                " coalesce(sum(m.delta) FILTER (WHERE m.month < @from_day), 0) AS at_start,"
                " coalesce(sum(m.delta), 0) AS at_end,"
                " coalesce(sum(m.created) FILTER (WHERE m.month >= @from_day), 0) AS fresh"
                " FROM analytics.mix_months m WHERE m.month <= @to_day AND {scope:m}"
                " AND " CUSTOMER_FILTER("m") " AND " OWNER_FILTER("m") " GROUP BY 1)"
                                                                       " SELECT x.value, coalesce(",
                name,
                ", ''), x.at_start, x.at_end, x.fresh FROM x"
                " WHERE x.at_start <> 0 OR x.at_end <> 0 OR x.fresh <> 0"
                " ORDER BY x.at_end DESC, x.value COLLATE \"C\""));
  } else {
    rows = c.q.Run(
        tx,
        absl::StrCat(
            "WITH mix AS (SELECT coalesce(", key,
            ", '') AS value, sum(m.delta) FILTER (WHERE m.day < @from_day) AS at_start,"
            " sum(m.delta) AS at_end FROM analytics.customer_mix m"
            " WHERE m.day <= @to_day AND {scope:m} AND " CUSTOMER_FILTER("m") " AND " OWNER_FILTER(
                "m") " GROUP BY 1),"
                     " fresh AS (SELECT coalesce(",
            now_key,
            ", '') AS value, count(*) AS n FROM analytics.customers n"
            " WHERE NOT n.deleted AND n.created_at >= @from_at AND n.created_at < @to_at"
            " AND {scope:n} AND " CUSTOMER_FILTER("n") " AND " OWNER_FILTER(
                "n") " GROUP BY 1),"
                     " x AS (SELECT coalesce(mix.value, fresh.value) AS value,"
                     " coalesce(mix.at_start, 0) AS at_start, coalesce(mix.at_end, 0) AS at_end,"
                     " coalesce(fresh.n, 0) AS fresh"
                     " FROM mix FULL JOIN fresh ON fresh.value = mix.value)"
                     " SELECT x.value, coalesce(",
            name,
            ", ''), x.at_start, x.at_end, x.fresh FROM x"
            " WHERE x.at_start <> 0 OR x.at_end <> 0 OR x.fresh <> 0"
            " ORDER BY x.at_end DESC, x.value COLLATE \"C\""));
  }
  Table t;
  t.columns = {{"value", "分类", ColumnKind::kText},
               {"name", "名称", ColumnKind::kText},
               {"start_count", "期初客户数", ColumnKind::kInteger},
               {"end_count", "期末客户数", ColumnKind::kInteger},
               {"change", "变化", ColumnKind::kInteger},
               {"new_count", "新增客户数", ColumnKind::kInteger},
               {"share", "期末占比", ColumnKind::kRatio}};
  int64_t start = 0, end = 0, fresh = 0;
  for (const auto& row : rows) {
    start += Int(row[2]);
    end += Int(row[3]);
    fresh += Int(row[4]);
  }
  for (const auto& row : rows) {
    t.rows.push_back({Text(row[0]), Text(row[1]), Int(row[2]), Int(row[3]),
                      Int(row[3]) - Int(row[2]), Int(row[4]), RatioOf(Int(row[3]), end)});
  }
  t.total_columns = {{"start_count", "期初客户数", ColumnKind::kInteger},
                     {"end_count", "期末客户数", ColumnKind::kInteger},
                     {"new_count", "新增客户数", ColumnKind::kInteger}};
  t.totals = {start, end, fresh};
  return t;
}

// Tickets in scope and filters (then more conditions).
#define TICKETS_IN_SCOPE                                                           \
  " analytics.tickets t LEFT JOIN analytics.customers cu ON cu.id = t.customer_id" \
  " WHERE {scope:t} AND " CUSTOMER_FILTER("cu") " AND " OWNER_FILTER("t")

Table ServiceComposition(db::Tx& tx, Context& c) {
  const bool by_day = !c.whole_months;
  c.q.Set("bucket", "text", by_day ? "YYYY-MM-DD" : "YYYY-MM");
  c.q.Set("zone", "text", c.zone.name());
  pqxx::result rows;
  if (!by_day) {
    // Whole months: their rollup.
    rows = c.q.Run(
        tx,
        "SELECT to_char(s.month::timestamp, 'YYYY-MM') AS b, s.type, sum(s.created),"
        " sum(s.archived), sum(s.rated_1), sum(s.rated_2), sum(s.rated_3), sum(s.rated_4),"
        " sum(s.rated_5), sum(s.response_seconds) / nullif(sum(s.responded), 0),"
        " sum(s.resolution_seconds) / nullif(sum(s.resolved), 0), sum(s.response_breaches),"
        " sum(s.resolution_breaches) FROM analytics.ticket_months s"
        " WHERE s.month BETWEEN @from_day AND @to_day AND {scope:s} AND " CUSTOMER_FILTER(
            "s") " AND " OWNER_FILTER("s") " GROUP BY s.month, s.type"
                                           " HAVING sum(s.created) <> 0 OR sum(s.archived) <> 0"
                                           " OR sum(s.rated_1 + s.rated_2 + s.rated_3 + s.rated_4"
                                           "   + s.rated_5) <> 0"
                                           " ORDER BY s.month, s.type COLLATE \"C\"");
  } else {
    // Days: the tickets created, archived and rated in the period.
    rows = c.q.Run(
        tx,
        "WITH made AS (SELECT to_char(t.created_at AT TIME ZONE @zone, @bucket) AS b, t.type,"
        "   count(*) AS n,"
        "   avg(extract(epoch FROM t.first_response_at - t.created_at)) AS response,"
        "   avg(extract(epoch FROM t.resolved_at - t.created_at)) AS resolution,"
        "   count(*) FILTER (WHERE t.response_breached) AS response_breaches,"
        "   count(*) FILTER (WHERE t.resolution_breached) AS resolution_breaches"
        "   FROM " TICKETS_IN_SCOPE
        " AND t.created_at >= @from_at AND t.created_at < @to_at"
        "   GROUP BY 1, 2),"
        " done AS (SELECT to_char(t.resolved_at AT TIME ZONE @zone, @bucket) AS b, t.type,"
        "   count(*) AS n FROM " TICKETS_IN_SCOPE
        " AND t.resolved_at >= @from_at"
        "   AND t.resolved_at < @to_at GROUP BY 1, 2),"
        " rated AS (SELECT to_char(f.at AT TIME ZONE @zone, @bucket) AS b, t.type,"
        "   count(*) FILTER (WHERE f.satisfaction = 1) AS s1,"
        "   count(*) FILTER (WHERE f.satisfaction = 2) AS s2,"
        "   count(*) FILTER (WHERE f.satisfaction = 3) AS s3,"
        "   count(*) FILTER (WHERE f.satisfaction = 4) AS s4,"
        "   count(*) FILTER (WHERE f.satisfaction = 5) AS s5"
        "   FROM analytics.ticket_feedback f, " TICKETS_IN_SCOPE
        " AND t.id = f.ticket_id"
        "   AND f.at >= @from_at AND f.at < @to_at GROUP BY 1, 2)"
        " SELECT b, type, made.n, done.n, rated.s1, rated.s2, rated.s3, rated.s4,"
        " rated.s5, made.response, made.resolution, made.response_breaches,"
        " made.resolution_breaches"
        " FROM made FULL JOIN done USING (b, type) FULL JOIN rated USING (b, type)"
        " ORDER BY b COLLATE \"C\", type COLLATE \"C\"");
  }
  Table t;
  t.columns = {{"bucket", by_day ? "日期" : "月份", ColumnKind::kText},
               {"type", "服务类型", ColumnKind::kText},
               {"created", "新建", ColumnKind::kInteger},
               {"archived", "归档", ColumnKind::kInteger},
               {"satisfaction_1", "满意度1", ColumnKind::kInteger},
               {"satisfaction_2", "满意度2", ColumnKind::kInteger},
               {"satisfaction_3", "满意度3", ColumnKind::kInteger},
               {"satisfaction_4", "满意度4", ColumnKind::kInteger},
               {"satisfaction_5", "满意度5", ColumnKind::kInteger},
               {"mean_response_seconds", "平均首次响应(秒)", ColumnKind::kNumber},
               {"mean_resolution_seconds", "平均解决(秒)", ColumnKind::kNumber},
               {"response_breaches", "响应超时", ColumnKind::kInteger},
               {"resolution_breaches", "解决超时", ColumnKind::kInteger}};
  std::vector<int64_t> sums(13, 0);
  for (const auto& row : rows) {
    Row out = {Text(row[0]), Text(row[1])};
    for (int k = 2; k <= 12; ++k) {
      if (k == 9 || k == 10) {
        out.push_back(row[k].is_null() ? Cell{} : Cell{row[k].as<double>()});
      } else {
        out.push_back(Int(row[k]));
        sums[k] += Int(row[k]);
      }
    }
    t.rows.push_back(std::move(out));
  }
  t.total_columns = {t.columns[2], t.columns[3], t.columns[4],  t.columns[5], t.columns[6],
                     t.columns[7], t.columns[8], t.columns[11], t.columns[12]};
  for (int k : {2, 3, 4, 5, 6, 7, 8, 11, 12}) t.totals.push_back(sums[k]);
  return t;
}

Table CustomerChurn(db::Tx& tx, Context& c) {
  pqxx::result rows = c.q.Run(
      tx,
      "WITH steps AS (SELECT l.* FROM analytics.losses l LEFT JOIN analytics.customers cu"
      "   ON cu.id = l.customer_id WHERE l.at >= @from_at AND l.at < @to_at AND {scope:l}"
      "   AND " CUSTOMER_FILTER("cu") " AND " OWNER_FILTER(
          "l") "),"
               " latest AS (SELECT DISTINCT ON (customer_id) customer_id, kind, note, at"
               "   FROM steps ORDER BY customer_id, at DESC, id DESC),"
               " kinds AS (SELECT customer_id,"
               "   bool_or(kind = 'warned') AS warned, bool_or(kind = 'delayed') AS delayed,"
               "   bool_or(kind = 'confirmed') AS confirmed,"
               "   bool_or(kind = 'recovered') AS recovered FROM steps GROUP BY 1),"
               " value AS (SELECT c.customer_id, sum(c.amount_minor) AS v"
               "   FROM analytics.contracts c JOIN latest USING (customer_id)"
               "   WHERE c.sign_date <= @to_day AND c.status <> 'terminated'"
               "   AND c.currency = 'CNY' AND {scope:c} GROUP BY 1)"
               " SELECT latest.customer_id::text, coalesce(cu.name, ''), latest.kind,"
               " " CRM_SQL_MICROS("latest.at") ", latest.note, coalesce(value.v, 0),"
               " k.warned, k.delayed, k.confirmed, k.recovered"
               " FROM latest JOIN kinds k USING (customer_id)"
               " LEFT JOIN value USING (customer_id)"
               " LEFT JOIN analytics.customers cu ON cu.id = latest.customer_id"
               " ORDER BY coalesce(value.v, 0) DESC, latest.customer_id");
  Table t;
  t.columns = {{"customer_id", "客户ID", ColumnKind::kText},
               {"customer_name", "客户名称", ColumnKind::kText},
               {"latest_step", "最新状态", ColumnKind::kText},
               {"step_date", "日期", ColumnKind::kText},
               {"reason", "原因", ColumnKind::kText},
               {"contract_value", "累计签约金额", ColumnKind::kMoney},
               {"warned", "预警", ColumnKind::kInteger},
               {"delayed", "暂缓", ColumnKind::kInteger},
               {"lost", "确认流失", ColumnKind::kInteger},
               {"recovered", "恢复", ColumnKind::kInteger}};
  int64_t warned = 0, delayed = 0, lost = 0, recovered = 0, lost_value = 0;
  for (const auto& row : rows) {
    const std::string kind = Text(row[2]);
    const absl::Time at = db::TimeOf(row[3]);
    const auto flag = [&](int k) { return static_cast<int64_t>(row[k].as<bool>() ? 1 : 0); };
    warned += flag(6);
    delayed += flag(7);
    lost += flag(8);
    recovered += flag(9);
    if (kind == "confirmed") lost_value += Int(row[5]);
    t.rows.push_back({Text(row[0]), Text(row[1]), kind, DayText(absl::ToCivilDay(at, c.zone)),
                      Text(row[4]), MoneyCell(row[5]), flag(6), flag(7), flag(8), flag(9)});
  }
  t.total_columns = {{"warned", "预警客户数", ColumnKind::kInteger},
                     {"delayed", "暂缓客户数", ColumnKind::kInteger},
                     {"lost", "流失客户数", ColumnKind::kInteger},
                     {"recovered", "恢复客户数", ColumnKind::kInteger},
                     {"lost_value", "流失客户签约金额", ColumnKind::kMoney}};
  t.totals = {warned, delayed, lost, recovered, Money{lost_value}};
  return t;
}

// The sales report from the facts themselves: for days and weeks, and by product.
pqxx::result SalesFromFacts(db::Tx& tx, Context& c, const SalesDimension& dim,
                            const std::string& name, const std::string& target) {
  const std::string& d = c.r.dimension;
  const std::string label = d == "product" ? "max(s.product_name)" : "NULL::text";
  const std::string region_join =
      d == "region" ? " LEFT JOIN analytics.customers cu2 ON cu2.id = s.customer_id" : "";
  const std::string line_key = d == "region" ? "coalesce(cu2.region, '')" : "s." + dim.line_key;
  const std::string received =
      dim.payment_key.empty()
          ? " received AS (SELECT NULL::text AS key, NULL::int8 AS amount WHERE false)"
          : absl::StrCat(" received AS (SELECT ", dim.payment_key,
                         " AS key, sum(pa.amount_minor) AS amount FROM (" PAYMENTS_IN_PERIOD
                         ") pa LEFT JOIN analytics.customers cu ON cu.id = pa.customer_id"
                         " GROUP BY 1)");
  return c.q.Run(
      tx,
      absl::StrCat(
          "WITH contracted AS (SELECT ", line_key, " AS key, sum(s.amount_minor) AS amount, ",
          label, " AS label FROM (" SIGNED_LINES("c.sign_date BETWEEN @from_day AND @to_day") ") s",
          region_join,
          " GROUP BY 1),"
          " delivered AS (SELECT ",
          line_key, " AS key, sum(s.delivered) AS amount, ", label,
          " AS label FROM (" DELIVERED_IN_PERIOD ") s", region_join, " GROUP BY 1),", received,
          ", k AS (SELECT key FROM contracted UNION SELECT key FROM delivered"
          "   UNION SELECT key FROM received)"
          " SELECT coalesce(k.key, ''), coalesce(",
          name, ", ''), contracted.amount, delivered.amount, received.amount, ", target,
          " FROM k LEFT JOIN contracted ON contracted.key IS NOT DISTINCT FROM k.key"
          " LEFT JOIN delivered ON delivered.key IS NOT DISTINCT FROM k.key"
          " LEFT JOIN received ON received.key IS NOT DISTINCT FROM k.key"
          " ORDER BY coalesce(contracted.amount, 0) DESC, k.key COLLATE \"C\""));
}

Table SalesTable(const pqxx::result& rows, const SalesDimension& dim) {
  Table t;
  t.columns = {{"key", "维度", ColumnKind::kText},
               {"name", "名称", ColumnKind::kText},
               {"contracted", "签约金额", ColumnKind::kMoney},
               {"delivered", "交付金额", ColumnKind::kMoney},
               {"received", "回款金额", ColumnKind::kMoney},
               {"target", "销售目标", ColumnKind::kMoney},
               {"attainment", "完成率", ColumnKind::kRatio}};
  int64_t contracted = 0, delivered = 0, received_total = 0;
  for (const auto& row : rows) {
    contracted += Int(row[2]);
    delivered += Int(row[3]);
    received_total += Int(row[4]);
    const bool has_target = !row[5].is_null();
    t.rows.push_back({Text(row[0]), Text(row[1]), Money{Int(row[2])}, Money{Int(row[3])},
                      dim.payment_key.empty() ? Cell{} : Cell{Money{Int(row[4])}},
                      has_target ? Cell{Money{Int(row[5])}} : Cell{},
                      has_target ? RatioOf(Int(row[2]), Int(row[5])) : Cell{}});
  }
  t.total_columns = {t.columns[2], t.columns[3], t.columns[4]};
  t.totals = {Money{contracted}, Money{delivered},
              dim.payment_key.empty() ? Cell{} : Cell{Money{received_total}}};
  return t;
}

Table SalesPerformance(db::Tx& tx, Context& c) {
  const std::string& d = c.r.dimension;
  const SalesDimension& dim = SalesDimensions().at(d);
  std::string name = "''";
  if (d == "owner")
    name = "(SELECT display_name FROM analytics.users WHERE id = nullif(k.key, '')::uuid)";
  if (d == "department") {
    name = "(SELECT name FROM analytics.departments WHERE id = nullif(k.key, '')::uuid)";
  }
  // A product's name: as its lines in the period have it.
  if (d == "product") name = "coalesce(contracted.label, delivered.label)";
  const std::string subject = d == "owner" ? "user" : d == "department" ? "department" : "";
  c.q.Set("subject", "text", subject);
  c.q.Set("unit", "text", UnitName(c.r.period.unit));
  const std::string target =
      "(SELECT amount_minor FROM analytics.sales_targets g WHERE g.subject = @subject"
      "   AND g.subject_id::text = k.key AND g.unit = @unit AND g.start_date = @from_day)";
  pqxx::result rows;
  if (!dim.rollup_key.empty() && c.whole_months) {
    // A month, quarter or year: its rows of the rollup (@grain). Payments have no product line:
    // the line filter keeps them, and a split by line leaves them out.
    rows = c.q.Run(
        tx,
        absl::StrCat(
            "WITH g AS (SELECT ", dim.rollup_key,
            " AS key, sum(s.contracted) AS contracted, sum(s.delivered) AS delivered,"
            " sum(s.received) AS received FROM analytics.sales_periods s"
            " WHERE s.unit = @grain AND s.start_date BETWEEN @from_day AND @to_day AND {scope:s}"
            " AND " CUSTOMER_FILTER("s") " AND " OWNER_FILTER(
                "s") " AND (@line = '' OR s.product_line_id IS NULL"
                     " OR s.product_line_id = @line)",
            dim.payment_key.empty() ? " AND s.product_line_id IS NOT NULL" : "",
            " GROUP BY 1 HAVING sum(s.contracted_n) > 0 OR sum(s.delivered_n) > 0",
            dim.payment_key.empty() ? "" : " OR sum(s.received_n) > 0",
            "), k AS (SELECT key::text AS key, contracted, delivered, received FROM g)"
            " SELECT coalesce(k.key, ''), coalesce(",
            name, ", ''), k.contracted, k.delivered, k.received, ", target,
            " FROM k ORDER BY k.contracted DESC, coalesce(k.key, '') COLLATE \"C\""));
  } else {
    rows = SalesFromFacts(tx, c, dim, name, target);
  }
  return SalesTable(rows, dim);
}

// An opportunity belongs to its assignee (its creator until assigned) and their department.
#define OPPORTUNITIES_IN_PERIOD \
  " SELECT o.*, coalesce(o.assignee_id, o.creator_id) AS owner_id, u.department_id"         \
  " FROM analytics.opportunities o"                                                         \
  " LEFT JOIN analytics.users u ON u.id = coalesce(o.assignee_id, o.creator_id)"             \
  " LEFT JOIN analytics.customers cu ON cu.id = o.customer_id"                              \
  " WHERE o.created_at >= @from_at AND o.created_at < @to_at AND " CUSTOMER_FILTER("cu")    \
  " AND (@departments IS NULL OR u.department_id = ANY(@departments))"                      \
  " AND (@owner IS NULL OR coalesce(o.assignee_id, o.creator_id) = @owner)"

// The funnel's rollup of the period, with each owner's department, in scope and filters.
#define FUNNEL_OF_PERIOD \
  " SELECT s.*, u.department_id FROM analytics.funnel_periods s"                                \
  " LEFT JOIN analytics.users u ON u.id = s.owner_id"                                           \
  " WHERE s.unit = @grain AND s.start_date BETWEEN @from_day AND @to_day"                     \
  " AND " CUSTOMER_FILTER("s")                                                                  \
  " AND (@departments IS NULL OR u.department_id = ANY(@departments))"                          \
  " AND (@owner IS NULL OR s.owner_id = @owner)"

Table PipelineFunnel(db::Tx& tx, Context& c) {
  pqxx::result rows, totals;
  if (c.whole_months) {
    // A month, quarter or year: its rows of the rollup (@grain).
    rows = c.q.Run(tx,
                   "WITH g AS (SELECT f.stage, sum(f.reached) AS reached, sum(f.open) AS open"
                   "   FROM (" FUNNEL_OF_PERIOD
                   ") f WHERE {scope:f} AND f.stage <> ''"
                   "   GROUP BY 1)"
                   " SELECT s.code, s.name, coalesce(g.reached, 0), coalesce(g.open, 0)"
                   " FROM analytics.stages s LEFT JOIN g ON g.stage = s.code"
                   " ORDER BY s.position, s.code COLLATE \"C\"");
    totals = c.q.Run(tx,
                     "SELECT sum(f.opportunities), sum(f.won), sum(f.lost),"
                     " sum(f.won_seconds) / 86400 / nullif(sum(f.won_timed), 0)"
                     " FROM (" FUNNEL_OF_PERIOD ") f WHERE {scope:f} AND f.stage = ''");
  } else {
    const std::string base = OPPORTUNITIES_IN_PERIOD;
    rows = c.q.Run(
        tx, absl::StrCat(
                "WITH f AS (SELECT * FROM (", base,
                ") o WHERE {scope:o}),"
                " reached AS (SELECT os.stage, count(*) AS n FROM analytics.opportunity_stages os"
                "   JOIN f ON f.id = os.opportunity_id GROUP BY 1),"
                " here AS (SELECT stage, count(*) AS n FROM f"
                "   WHERE status NOT IN ('won', 'lost') GROUP BY 1)"
                " SELECT s.code, s.name, coalesce(r.n, 0), coalesce(h.n, 0)"
                " FROM analytics.stages s LEFT JOIN reached r ON r.stage = s.code"
                " LEFT JOIN here h ON h.stage = s.code"
                " ORDER BY s.position, s.code COLLATE \"C\""));
    totals = c.q.Run(tx, absl::StrCat("SELECT count(*), count(*) FILTER (WHERE status = 'won'),"
                                      " count(*) FILTER (WHERE status = 'lost'),"
                                      " avg(extract(epoch FROM closed_at - created_at) / 86400)"
                                      "   FILTER (WHERE status = 'won')"
                                      " FROM (",
                                      base, ") o WHERE {scope:o}"));
  }
  Table t;
  t.columns = {{"stage", "阶段", ColumnKind::kText},
               {"name", "名称", ColumnKind::kText},
               {"reached", "到达数", ColumnKind::kInteger},
               {"current", "当前数", ColumnKind::kInteger},
               {"conversion", "阶段转化率", ColumnKind::kRatio}};
  std::optional<int64_t> previous;
  for (const auto& row : rows) {
    const int64_t reached = Int(row[2]);
    t.rows.push_back({Text(row[0]), Text(row[1]), reached, Int(row[3]),
                      previous ? RatioOf(reached, *previous) : Cell{}});
    previous = reached;
  }
  const auto& tr = totals[0];
  const int64_t created = Int(tr[0]), won = Int(tr[1]), lost = Int(tr[2]);
  t.total_columns = {{"created", "新建商机", ColumnKind::kInteger},
                     {"won", "成功", ColumnKind::kInteger},
                     {"lost", "失败", ColumnKind::kInteger},
                     {"win_rate", "赢单率", ColumnKind::kRatio},
                     {"conversion", "转化率", ColumnKind::kRatio},
                     {"mean_days_to_win", "平均赢单天数", ColumnKind::kNumber}};
  t.totals = {created,
              won,
              lost,
              RatioOf(won, won + lost),
              RatioOf(won, created),
              tr[3].is_null() ? Cell{} : Cell{tr[3].as<double>()}};
  return t;
}

Table ReceivablesAging(db::Tx& tx, Context& c) {
  const bool by_owner = c.r.dimension == "owner";
  const std::string key = by_owner ? "r.owner_id::text" : "r.department_id::text";
  const std::string name =
      by_owner ? "(SELECT display_name FROM analytics.users WHERE id = nullif(a.key, '')::uuid)"
               : "(SELECT name FROM analytics.departments WHERE id = nullif(a.key, '')::uuid)";
  c.q.Set("as_of", "date", DayText(c.as_of));
  c.q.Set("today", "date", DayText(c.today));
  pqxx::result rows = c.q.Run(
      tx,
      absl::StrCat(
          "WITH r AS (SELECT r.* FROM analytics.receivables r LEFT JOIN analytics.customers cu"
          "   ON cu.id = r.customer_id WHERE r.currency = 'CNY'"
          // Settled receivables owe nothing today; at an earlier day they may have, if signed
          // and paid after it.
          "   AND (r.status = 'open' OR (@as_of < @today AND r.status = 'settled'"
          "   AND (r.last_receive_day IS NULL OR r.last_receive_day > @as_of)))"
          "   AND (r.sign_date IS NULL OR r.sign_date <= @as_of)"
          "   AND {scope:r} AND " CUSTOMER_FILTER("cu") " AND " OWNER_FILTER(
              "r") "),"
                   " paid AS (SELECT p.contract_id, sum(p.amount_minor) AS amount"
                   "   FROM analytics.payments p JOIN r USING (contract_id)"
                   "   WHERE p.receive_day <= @as_of GROUP BY 1),"
                   " inst AS (SELECT i.contract_id, i.due_date, i.amount_minor, sum(i.amount_minor)"
                   "   OVER (PARTITION BY i.contract_id ORDER BY i.due_date, i.number) AS upto"
                   "   FROM analytics.installments i JOIN r USING (contract_id)),"
                   " open AS (SELECT inst.contract_id, inst.due_date, least(inst.amount_minor,"
                   "   greatest(0, inst.upto - coalesce(paid.amount, 0))) AS outstanding"
                   "   FROM inst LEFT JOIN paid USING (contract_id)),"
                   " a AS (SELECT ",
          key,
          " AS key,"
          "   sum(o.outstanding) FILTER (WHERE o.due_date >= @as_of) AS not_due,"
          "   sum(o.outstanding) FILTER (WHERE @as_of - o.due_date BETWEEN 1 AND 30) AS d30,"
          "   sum(o.outstanding) FILTER (WHERE @as_of - o.due_date BETWEEN 31 AND 60) AS d60,"
          "   sum(o.outstanding) FILTER (WHERE @as_of - o.due_date BETWEEN 61 AND 90) AS d90,"
          "   sum(o.outstanding) FILTER (WHERE @as_of - o.due_date > 90) AS older,"
          "   sum(o.outstanding) AS total"
          "   FROM open o JOIN r USING (contract_id) WHERE o.outstanding > 0 GROUP BY 1)"
          " SELECT coalesce(a.key, ''), coalesce(",
          name,
          ", ''), a.not_due, a.d30, a.d60, a.d90, a.older, a.total FROM a"
          " ORDER BY a.total DESC, a.key COLLATE \"C\""));
  Table t;
  t.columns = {{"key", by_owner ? "负责人ID" : "部门ID", ColumnKind::kText},
               {"name", "名称", ColumnKind::kText},
               {"not_due", "未到期", ColumnKind::kMoney},
               {"overdue_1_30", "逾期1-30天", ColumnKind::kMoney},
               {"overdue_31_60", "逾期31-60天", ColumnKind::kMoney},
               {"overdue_61_90", "逾期61-90天", ColumnKind::kMoney},
               {"overdue_over_90", "逾期90天以上", ColumnKind::kMoney},
               {"outstanding", "未收合计", ColumnKind::kMoney}};
  std::vector<int64_t> sums(8, 0);
  for (const auto& row : rows) {
    Row out = {Text(row[0]), Text(row[1])};
    for (int k = 2; k < 8; ++k) {
      out.push_back(Money{Int(row[k])});
      sums[k] += Int(row[k]);
    }
    t.rows.push_back(std::move(out));
  }
  t.total_columns.assign(t.columns.begin() + 2, t.columns.end());
  for (int k = 2; k < 8; ++k) t.totals.push_back(Money{sums[k]});
  return t;
}

// Quintile scores 1–5 of `values` (higher value, higher score; ties by position).
std::vector<int64_t> Quintiles(const std::vector<int64_t>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<int64_t> score(values.size());
  for (size_t i = 0; i < order.size(); ++i) {
    score[order[i]] = static_cast<int64_t>(i * 5 / order.size()) + 1;
  }
  return score;
}

Table CustomerValue(db::Tx& tx, Context& c) {
  pqxx::result rows = c.q.Run(
      tx,
      "WITH cs AS (SELECT cu.* FROM analytics.customers cu WHERE NOT cu.deleted"
      "   AND cu.created_at < @to_at AND {scope:cu} AND " CUSTOMER_FILTER("cu") " AND " OWNER_FILTER(
          "cu") "),"
                " k AS (SELECT c.customer_id, max(c.sign_date) AS last_day,"
                "   count(*) FILTER (WHERE c.sign_date >= @from_day) AS frequency,"
                "   coalesce(sum(c.amount_minor) FILTER (WHERE c.sign_date >= @from_day), 0)"
                "     AS monetary,"
                "   sum(c.amount_minor) AS lifetime"
                "   FROM analytics.contracts c JOIN cs ON cs.id = c.customer_id"
                "   WHERE c.sign_date <= @to_day AND c.status <> 'terminated'"
                "   AND c.currency = 'CNY' AND {scope:c} GROUP BY 1)"
                " SELECT cs.id::text, cs.name, cs.status, @to_day - k.last_day,"
                " coalesce(k.frequency, 0), coalesce(k.monetary, 0), coalesce(k.lifetime, 0)"
                " FROM cs LEFT JOIN k ON k.customer_id = cs.id"
                " ORDER BY coalesce(k.lifetime, 0) DESC, cs.id");
  Table t;
  t.columns = {{"customer_id", "客户ID", ColumnKind::kText},
               {"customer_name", "客户名称", ColumnKind::kText},
               {"recency_days", "最近签约(天)", ColumnKind::kInteger},
               {"frequency", "签约次数", ColumnKind::kInteger},
               {"monetary", "签约金额", ColumnKind::kMoney},
               {"r_score", "R", ColumnKind::kInteger},
               {"f_score", "F", ColumnKind::kInteger},
               {"m_score", "M", ColumnKind::kInteger},
               {"segment", "客户分类", ColumnKind::kText},
               {"lifetime_value", "累计签约金额", ColumnKind::kMoney}};
  // Scores among the customers that have signed: recency (fewer days, higher), frequency and
  // monetary value; the top fifth by lifetime value are the most valuable.
  std::vector<size_t> buyers;
  std::vector<int64_t> recency, frequency, monetary, lifetime;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (Int(rows[i][6]) <= 0) continue;
    buyers.push_back(i);
    recency.push_back(-Int(rows[i][3]));
    frequency.push_back(Int(rows[i][4]));
    monetary.push_back(Int(rows[i][5]));
    lifetime.push_back(Int(rows[i][6]));
  }
  const auto r = Quintiles(recency), f = Quintiles(frequency), m = Quintiles(monetary),
             l = Quintiles(lifetime);
  std::vector<int> at(rows.size(), -1);
  for (size_t b = 0; b < buyers.size(); ++b) at[buyers[b]] = static_cast<int>(b);
  std::map<std::string, int64_t> segments;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const int b = at[i];
    std::string segment = "潜在客户";
    if (b >= 0) {
      const std::string status = Text(row[2]);
      const bool lost = status == "lost" || status == "loss_warning" || status == "loss_delayed";
      segment = l[b] == 5 ? (lost ? "流失的最有价值客户" : "最有价值客户") : "一般客户";
    }
    ++segments[segment];
    t.rows.push_back({Text(row[0]), Text(row[1]), b >= 0 ? Cell{Int(row[3])} : Cell{}, Int(row[4]),
                      Money{Int(row[5])}, b >= 0 ? Cell{r[b]} : Cell{},
                      b >= 0 ? Cell{f[b]} : Cell{}, b >= 0 ? Cell{m[b]} : Cell{}, segment,
                      Money{Int(row[6])}});
  }
  t.total_columns = {{"most_valuable", "最有价值客户", ColumnKind::kInteger},
                     {"ordinary", "一般客户", ColumnKind::kInteger},
                     {"lost_most_valuable", "流失的最有价值客户", ColumnKind::kInteger},
                     {"potential", "潜在客户", ColumnKind::kInteger}};
  t.totals = {segments["最有价值客户"], segments["一般客户"], segments["流失的最有价值客户"],
              segments["潜在客户"]};
  return t;
}

}  // namespace

absl::StatusOr<Table> Reports::Run(db::Conn& conn, const auth::Principal& p, const ReportRequest& r,
                                   RowWindow window) const {
  return Run(conn, p, r, absl::ToCivilDay(absl::Now(), zone_), window);
}

absl::StatusOr<Table> Reports::Run(db::Conn& conn, const auth::Principal& p,
                                   const ReportRequest& request, absl::CivilDay today,
                                   RowWindow window) const {
  if (absl::Status s = Check(p, request); !s.ok()) return s;
  ReportRequest r = request;
  if (r.dimension.empty()) r.dimension = DefaultDimension(r.kind);
  return conn.Transact(
      [&](db::Tx& tx) -> absl::StatusOr<Table> {
        std::optional<std::string> departments;
        if (!r.filter.department_id.empty()) {
          pqxx::result tree = tx.exec_params(
              "WITH RECURSIVE t AS (SELECT $1::uuid AS id UNION SELECT d.id"
              " FROM analytics.departments d JOIN t ON d.parent_id = t.id)"
              " SELECT array_agg(id)::text FROM t",
              r.filter.department_id);
          departments = tree[0][0].as<std::string>();
        }
        Context c{r,
                  window,
                  Query(p),
                  std::min(r.period.end, today),
                  today,
                  zone_,
                  r.period.unit != PeriodUnit::kDay && r.period.unit != PeriodUnit::kWeek};
        const auto instant = [&](absl::CivilDay d) {
          return absl::FormatTime(absl::RFC3339_full, absl::FromCivil(d, zone_),
                                  absl::UTCTimeZone());
        };
        c.q.Set("from_day", "date", DayText(r.period.start))
            .Set("to_day", "date", DayText(r.period.end))
            .Set("from_at", "timestamptz", instant(r.period.start))
            .Set("to_at", "timestamptz", instant(r.period.end + 1))
            .Set("region", "text", r.filter.region)
            .Set("industry", "text", r.filter.industry)
            .Set("level", "text", r.filter.level)
            .Set("departments", "uuid[]", departments)
            .Set("owner", "uuid", db::NullIfEmpty(r.filter.owner_id))
            .Set("line", "text", r.filter.product_line_id)
            // The rollups' rows a month, quarter or year is made of.
            .Set("grain", "text", r.period.unit == PeriodUnit::kYear ? "year" : "month");
        Table t;
        switch (r.kind) {
          case ReportKind::kCustomerContribution:
            t = CustomerContribution(tx, c);
            break;
          case ReportKind::kCustomerComposition:
            t = CustomerComposition(tx, c);
            break;
          case ReportKind::kServiceComposition:
            t = ServiceComposition(tx, c);
            break;
          case ReportKind::kCustomerChurn:
            t = CustomerChurn(tx, c);
            break;
          case ReportKind::kSalesPerformance:
            t = SalesPerformance(tx, c);
            break;
          case ReportKind::kPipelineFunnel:
            t = PipelineFunnel(tx, c);
            break;
          case ReportKind::kReceivablesAging:
            t = ReceivablesAging(tx, c);
            break;
          case ReportKind::kCustomerValue:
            t = CustomerValue(tx, c);
            break;
          case ReportKind::kUnspecified:
            return absl::InvalidArgumentError("kind: is required");
        }
        if (t.total_rows == 0 && !t.rows.empty()) {
          // Computed in full: cut to the window.
          t.total_rows = static_cast<int64_t>(t.rows.size());
          const int64_t from = std::min(window.offset, t.total_rows);
          const int64_t to =
              window.limit > 0 ? std::min(from + window.limit, t.total_rows) : t.total_rows;
          t.rows.erase(t.rows.begin() + to, t.rows.end());
          t.rows.erase(t.rows.begin(), t.rows.begin() + from);
        }
        t.dimension = r.dimension;
        pqxx::result progress = tx.exec(
            "SELECT " CRM_SQL_MICROS("max(last_apply_time)") " FROM analytics.source_progress");
        if (!progress[0][0].is_null()) t.data_time = db::TimeOf(progress[0][0]);
        return t;
      },
      db::Isolation::kRepeatableRead);
}

namespace {

std::string Fingerprint(const ReportRequest& r) {
  return absl::StrCat(static_cast<int>(r.kind), "|", static_cast<int>(r.period.unit), "|",
                      DayText(r.period.start), "|", r.filter.region, "|", r.filter.industry, "|",
                      r.filter.level, "|", r.filter.department_id, "|", r.filter.owner_id, "|",
                      r.filter.product_line_id, "|", r.dimension);
}

}  // namespace

absl::StatusOr<RowWindow> Reports::PageWindow(const ReportRequest& r, int32_t page_size,
                                              const std::string& page_token) {
  auto size = validation::PageSize(page_size);
  if (!size.ok()) return size.status();
  auto keys = validation::DecodePageToken(page_token, Fingerprint(r), 1);
  if (!keys.ok()) return keys.status();
  RowWindow w{0, *size};
  if (!keys->empty() && (!absl::SimpleAtoi((*keys)[0], &w.offset) || w.offset < 0)) {
    return InvalidField("page_token", "is not a token of this report");
  }
  return w;
}

std::string Reports::NextPageToken(const ReportRequest& r, const RowWindow& window,
                                   int64_t total_rows) {
  const int64_t next = window.offset + window.limit;
  if (window.limit <= 0 || next >= total_rows) return "";
  return validation::EncodePageToken({absl::StrCat(next)}, Fingerprint(r));
}

}  // namespace crm::analytics
