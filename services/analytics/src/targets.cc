#include "absl/strings/str_cat.h"
#include "libs/auth/scope.h"
#include "libs/db/time_fields.h"
#include "libs/status/field_violations.h"
#include "libs/validation/text.h"
#include "services/analytics/src/reports.h"

namespace crm::analytics {
namespace {

using db::Exec;
using db::Statement;

std::string SubjectName(TargetSubject s) {
  return s == TargetSubject::kUser ? "user" : s == TargetSubject::kDepartment ? "department" : "";
}

PeriodUnit UnitOf(const std::string& name) {
  for (PeriodUnit u : {PeriodUnit::kYear, PeriodUnit::kQuarter, PeriodUnit::kMonth}) {
    if (UnitName(u) == name) return u;
  }
  return PeriodUnit::kUnspecified;
}

#define TARGET_COLUMNS                                                         \
  "t.subject, t.subject_id::text, t.unit, t.start_date::text, t.amount_minor," \
  " coalesce(t.department_id::text, ''), t.set_by::text, " CRM_SQL_MICROS("t.updated_at")

SalesTarget TargetOf(const pqxx::row& r) {
  SalesTarget t;
  t.subject = r[0].as<std::string>() == "user" ? TargetSubject::kUser : TargetSubject::kDepartment;
  t.subject_id = r[1].as<std::string>();
  t.unit = UnitOf(r[2].as<std::string>());
  absl::ParseCivilTime(r[3].as<std::string>(), &t.start);
  t.amount_minor = r[4].as<int64_t>();
  t.department_id = r[5].as<std::string>();
  t.set_by = r[6].as<std::string>();
  t.updated_at = db::TimeOf(r[7]);
  return t;
}

// A target is in scope through its department (a user target: the user's department, a
// department target: the department itself) or, for own scope, its user.
const auth::ScopedStatement& ListScoped() {
  static const auto* s = new auth::ScopedStatement(
      "analytics.list_targets",
      "SELECT " TARGET_COLUMNS
      " FROM analytics.sales_targets t"
      " WHERE ($2 = '' OR t.subject = $2) AND ($3 = '' OR t.subject_id = nullif($3, '')::uuid)"
      " AND ($4 = '' OR t.unit = $4)"
      " AND ($5::int = 0 OR extract(year FROM t.start_date) = $5::int) AND {scope}"
      " ORDER BY t.start_date, t.subject, t.subject_id, t.unit",
      "t.subject_id", "t.department_id", 1);
  return *s;
}

// $8: the caller's departments ('' for company-wide scope). A target stays in the department
// it was set in (a user target's, when the user has moved since): only a caller over that
// department replaces it (none returned otherwise) or deletes it.
constexpr Statement kUpsert{
    "analytics.upsert_target",
    "INSERT INTO analytics.sales_targets AS t (subject, subject_id, unit, start_date,"
    " amount_minor, department_id, set_by, updated_at)"
    " VALUES ($1, $2::uuid, $3, $4::date, $5::int8, $6::uuid, $7::uuid, now())"
    " ON CONFLICT (subject, subject_id, unit, start_date) DO UPDATE SET"
    " amount_minor = excluded.amount_minor, department_id = excluded.department_id,"
    " set_by = excluded.set_by, updated_at = now()"
    " WHERE $8 = '' OR t.department_id = ANY(nullif($8, '')::uuid[]) RETURNING " TARGET_COLUMNS};

constexpr Statement kDelete{
    "analytics.delete_target",
    "DELETE FROM analytics.sales_targets WHERE subject = $1 AND subject_id = $2::uuid"
    " AND unit = $3 AND start_date = $4::date"
    " AND ($5 = '' OR department_id = ANY(nullif($5, '')::uuid[])) RETURNING subject_id"};

// The departments a caller may write targets in, as kUpsert's and kDelete's last parameter.
std::string WritableDepartments(const auth::Principal& p) {
  return p.scope == auth::DataScope::kAll ? std::string() : db::TextArray(p.department_tree);
}

bool Allowed(const auth::Principal& p, const std::string& department_id) {
  switch (p.scope) {
    case auth::DataScope::kAll:
      return true;
    case auth::DataScope::kDepartment:
      return p.InDepartmentTree(department_id);
    default:
      return false;
  }
}

// The key's fields, named with `prefix` ("target." in SetSalesTarget).
void CheckKey(const SalesTarget& t, const std::string& prefix, Violations& v) {
  if (t.subject == TargetSubject::kUnspecified && !v.Has(prefix + "subject")) {
    v.Add(prefix + "subject", "is required");
  }
  validation::RequiredUuid(v, prefix + "subject_id", t.subject_id);
  if (t.unit != PeriodUnit::kYear && t.unit != PeriodUnit::kQuarter &&
      t.unit != PeriodUnit::kMonth && !v.Has(prefix + "unit")) {
    v.Add(prefix + "unit", "must be a year, a quarter or a month");
  }
}

}  // namespace

absl::StatusOr<std::vector<SalesTarget>> Targets::List(db::Conn& conn, const auth::Principal& p,
                                                       const TargetFilter& f,
                                                       Violations decoding) const {
  if (absl::Status s = Reports::CheckReader(p); !s.ok()) return s;
  Violations v = std::move(decoding);
  validation::OptionalUuid(v, "subject_id", f.subject_id);
  if (f.unit != PeriodUnit::kUnspecified && f.unit != PeriodUnit::kYear &&
      f.unit != PeriodUnit::kQuarter && f.unit != PeriodUnit::kMonth && !v.Has("unit")) {
    v.Add("unit", "must be a year, a quarter or a month");
  }
  if (f.year != 0 && (f.year < 1900 || f.year > 9999)) {
    v.Add("year", "must be between 1900 and 9999");
  }
  if (absl::Status s = v.ToStatus(); !s.ok()) return s;
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<SalesTarget>> {
    pqxx::result r = Exec(tx, ListScoped().For(p.scope), auth::ScopeParam(p),
                          SubjectName(f.subject), f.subject_id, UnitName(f.unit), f.year);
    std::vector<SalesTarget> out;
    for (const auto& row : r) out.push_back(TargetOf(row));
    return out;
  });
}

absl::Status Targets::CheckWriter(const auth::Principal& p) {
  if (!p.Can("analytics.targets.write")) {
    return absl::PermissionDeniedError("analytics.targets.write is required");
  }
  return absl::OkStatus();
}

absl::Status Targets::CheckSet(const auth::Principal& p, const SalesTarget& t,
                               Violations decoding) {
  if (absl::Status s = CheckWriter(p); !s.ok()) return s;
  Violations v = std::move(decoding);
  CheckKey(t, "target.", v);
  if (t.amount_minor < 0) v.Add("target.amount", "must not be negative");
  return v.ToStatus();
}

absl::StatusOr<SalesTarget> Targets::Set(db::Conn& conn, const auth::Principal& p,
                                         SalesTarget t) const {
  if (absl::Status s = CheckSet(p, t); !s.ok()) return s;
  if (t.subject == TargetSubject::kDepartment) t.department_id = t.subject_id;
  if (!Allowed(p, t.department_id)) {
    return absl::PermissionDeniedError(
        "the target's department is outside the caller's departments");
  }
  t.start = PeriodOf(t.unit, t.start).start;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<SalesTarget> {
    pqxx::result r = Exec(tx, kUpsert, SubjectName(t.subject), t.subject_id, UnitName(t.unit),
                          absl::FormatCivilTime(t.start), t.amount_minor,
                          db::NullIfEmpty(t.department_id), p.user_id, WritableDepartments(p));
    if (r.empty()) {
      return absl::PermissionDeniedError(
          "this target was set in a department outside the caller's departments");
    }
    return TargetOf(r[0]);
  });
}

absl::Status Targets::CheckDelete(const auth::Principal& p, const SalesTarget& key,
                                  Violations decoding) {
  if (absl::Status s = CheckWriter(p); !s.ok()) return s;
  Violations v = std::move(decoding);
  CheckKey(key, "", v);
  return v.ToStatus();
}

absl::Status Targets::Delete(db::Conn& conn, const auth::Principal& p,
                             const SalesTarget& key) const {
  if (absl::Status s = CheckDelete(p, key); !s.ok()) return s;
  // Scope first, from the subject (a user's department as looked up), so that a target
  // outside it is refused whether or not it exists.
  const std::string department =
      key.subject == TargetSubject::kDepartment ? key.subject_id : key.department_id;
  if (!Allowed(p, department)) {
    return absl::PermissionDeniedError(
        "the target's department is outside the caller's departments");
  }
  const absl::CivilDay start = PeriodOf(key.unit, key.start).start;
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    pqxx::result r = Exec(tx, kDelete, SubjectName(key.subject), key.subject_id, UnitName(key.unit),
                          absl::FormatCivilTime(start), WritableDepartments(p));
    if (r.empty()) return absl::NotFoundError("no such target");
    return absl::OkStatus();
  });
}

}  // namespace crm::analytics
