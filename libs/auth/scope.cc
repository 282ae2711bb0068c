#include "libs/auth/scope.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "libs/db/pqxx_traits.h"

namespace crm::auth {

absl::string_view DataScopeName(DataScope scope) {
  switch (scope) {
    case DataScope::kOwn:
      return "own";
    case DataScope::kDepartment:
      return "department";
    case DataScope::kAll:
      return "all";
    case DataScope::kNone:
      break;
  }
  return "none";
}

bool ParseDataScope(absl::string_view name, DataScope* scope) {
  for (DataScope s : {DataScope::kNone, DataScope::kOwn, DataScope::kDepartment, DataScope::kAll}) {
    if (DataScopeName(s) == name) {
      *scope = s;
      return true;
    }
  }
  return false;
}

std::string ScopeParam(const Principal& principal) {
  switch (principal.scope) {
    case DataScope::kOwn:
      return principal.user_id;
    case DataScope::kDepartment:
      return db::TextArray(principal.department_tree);
    default:
      return "";
  }
}

std::string ScopePredicate(DataScope scope, absl::string_view owner_column,
                           absl::string_view department_column, int param) {
  return ScopePredicate(scope, std::vector<std::string>{std::string(owner_column)},
                        std::vector<std::string>{std::string(department_column)}, param);
}

std::string ScopePredicate(DataScope scope, const std::vector<std::string>& owner_columns,
                           const std::vector<std::string>& department_columns, int param) {
  std::vector<std::string> any;
  switch (scope) {
    case DataScope::kOwn:
      for (const auto& c : owner_columns) any.push_back(absl::StrCat(c, " = $", param, "::uuid"));
      return absl::StrCat("(", absl::StrJoin(any, " OR "), ")");
    case DataScope::kDepartment:
      for (const auto& c : department_columns) {
        any.push_back(absl::StrCat(c, " = ANY($", param, "::uuid[])"));
      }
      return absl::StrCat("(", absl::StrJoin(any, " OR "), ")");
    case DataScope::kAll:
      return absl::StrCat("($", param, "::text IS NULL OR TRUE)");
    case DataScope::kNone:
      break;
  }
  return absl::StrCat("($", param, "::text IS NULL AND FALSE)");
}

ScopedStatement::ScopedStatement(absl::string_view name, absl::string_view sql,
                                 absl::string_view owner_column,
                                 absl::string_view department_column, int param)
    : ScopedStatement(name, sql, std::vector<std::string>{std::string(owner_column)},
                      std::vector<std::string>{std::string(department_column)}, param) {}

ScopedStatement::ScopedStatement(absl::string_view name, absl::string_view sql,
                                 const std::vector<std::string>& owner_columns,
                                 const std::vector<std::string>& department_columns, int param) {
  for (DataScope s : {DataScope::kNone, DataScope::kOwn, DataScope::kDepartment, DataScope::kAll}) {
    const int i = static_cast<int>(s);
    names_[i] = absl::StrCat(name, ".", DataScopeName(s));
    sqls_[i] = absl::StrReplaceAll(
        sql, {{"{scope}", ScopePredicate(s, owner_columns, department_columns, param)}});
  }
}

ScopedStatement::ScopedStatement(absl::string_view name,
                                 absl::FunctionRef<std::string(DataScope)> sql_for) {
  for (DataScope s : {DataScope::kNone, DataScope::kOwn, DataScope::kDepartment, DataScope::kAll}) {
    const int i = static_cast<int>(s);
    names_[i] = absl::StrCat(name, ".", DataScopeName(s));
    sqls_[i] = sql_for(s);
  }
}

db::Statement ScopedStatement::For(DataScope scope) const {
  const int i = static_cast<int>(scope);
  return {names_[i], sqls_[i]};
}

absl::Status Require(const Principal& principal, absl::string_view permission) {
  if (principal.Can(permission)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("requires permission ", permission));
}

absl::Status NotVisible(DataScope scope, absl::string_view what, absl::string_view id) {
  if (scope == DataScope::kAll) {
    return absl::NotFoundError(absl::StrCat(what, " ", id, " not found"));
  }
  return absl::PermissionDeniedError(
      absl::StrCat(what, " ", id, " does not exist or is outside your record scope"));
}

CustomerListStatements::CustomerListStatements(absl::string_view name,
                                               absl::FunctionRef<std::string(bool)> sql,
                                               const std::vector<std::string>& owner_columns,
                                               const std::vector<std::string>& department_columns,
                                               int param)
    : others_(name, sql(false), owner_columns, department_columns, param),
      by_customer_(absl::StrCat(name, "_by_customer"), sql(true), owner_columns, department_columns,
                   param) {}

}  // namespace crm::auth
