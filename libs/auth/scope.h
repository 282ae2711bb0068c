#pragma once
// The caller's record scope as SQL. Scope is enforced in the query, never by filtering rows
// after the fact, and each scope kind gets its own prepared statement so PostgreSQL plans
// each one for what it is (an index lookup on the owner, on the department, or no filter).
//
//   static const auth::ScopedStatement kGetCustomer(
//       "customers.get", "SELECT … FROM customers.customers c WHERE c.id = $1 AND {scope}",
//       "c.owner_id", "c.owner_department_id", 2);
//   db::Exec(tx, kGetCustomer.For(p.scope), id, auth::ScopeParam(p));

#include <array>
#include <string>
#include <vector>
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

#include "libs/auth/principal.h"
#include "libs/db/conn.h"

namespace crm::auth {

// The value of the scope parameter: the caller's user id (own), their department subtree as
// a uuid[] literal (department), or nothing (all / none).
std::string ScopeParam(const Principal& principal);

// The predicate limiting rows to `scope`, over the owning user and owning department columns,
// using parameter $param (typed text for all/none, where it is folded away by the planner).
std::string ScopePredicate(DataScope scope, absl::string_view owner_column,
                           absl::string_view department_column, int param);
// The same over several owning columns: a row is visible through any of them (e.g. its
// creator or its assignee).
std::string ScopePredicate(DataScope scope, const std::vector<std::string>& owner_columns,
                           const std::vector<std::string>& department_columns, int param);

class ScopedStatement {
 public:
  // sql contains "{scope}" where the predicate goes.
  ScopedStatement(absl::string_view name, absl::string_view sql, absl::string_view owner_column,
                  absl::string_view department_column, int param);
  ScopedStatement(absl::string_view name, absl::string_view sql,
                  const std::vector<std::string>& owner_columns,
                  const std::vector<std::string>& department_columns, int param);
  // For a shape one predicate cannot express: `sql_for` writes each scope kind's statement.
  ScopedStatement(absl::string_view name, absl::FunctionRef<std::string(DataScope)> sql_for);
  db::Statement For(DataScope scope) const;

 private:
  std::array<std::string, 4> names_;
  std::array<std::string, 4> sqls_;
};

// A list whose customer filter makes a statement of its own (db::UuidFilter), so that a
// customer's list keeps a plan that walks the customer's index: `name` without the filter,
// `name`_by_customer with it. sql(by_customer) writes each, with "{scope}".
class CustomerListStatements {
 public:
  CustomerListStatements(absl::string_view name, absl::FunctionRef<std::string(bool)> sql,
                         const std::vector<std::string>& owner_columns,
                         const std::vector<std::string>& department_columns, int param);
  const ScopedStatement& For(bool by_customer) const {
    return by_customer ? by_customer_ : others_;
  }

 private:
  ScopedStatement others_;
  ScopedStatement by_customer_;
};

}  // namespace crm::auth
