#include "libs/auth/scope.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crm::auth {
namespace {

TEST(ScopeTest, PredicatesPerScope) {
  EXPECT_EQ(ScopePredicate(DataScope::kOwn, "c.owner_id", "c.dept_id", 2),
            "(c.owner_id = $2::uuid)");
  EXPECT_EQ(ScopePredicate(DataScope::kDepartment, "c.owner_id", "c.dept_id", 2),
            "(c.dept_id = ANY($2::uuid[]))");
  EXPECT_EQ(ScopePredicate(DataScope::kAll, "c.owner_id", "c.dept_id", 3),
            "($3::text IS NULL OR TRUE)");
  EXPECT_EQ(ScopePredicate(DataScope::kNone, "c.owner_id", "c.dept_id", 3),
            "($3::text IS NULL AND FALSE)");
}

TEST(ScopeTest, SeveralOwningColumnsAreAlternatives) {
  const std::vector<std::string> owners = {"o.creator_id", "o.assignee_id"};
  const std::vector<std::string> departments = {"o.creator_dept", "o.assignee_dept"};
  EXPECT_EQ(ScopePredicate(DataScope::kOwn, owners, departments, 2),
            "(o.creator_id = $2::uuid OR o.assignee_id = $2::uuid)");
  EXPECT_EQ(ScopePredicate(DataScope::kDepartment, owners, departments, 2),
            "(o.creator_dept = ANY($2::uuid[]) OR o.assignee_dept = ANY($2::uuid[]))");
  EXPECT_EQ(ScopePredicate(DataScope::kAll, owners, departments, 2),
            ScopePredicate(DataScope::kAll, "x", "y", 2));
}

TEST(ScopeTest, ParamPerScope) {
  Principal p;
  p.user_id = "u1";
  p.department_tree = {"d1", "d2"};
  p.scope = DataScope::kOwn;
  EXPECT_EQ(ScopeParam(p), "u1");
  p.scope = DataScope::kDepartment;
  EXPECT_EQ(ScopeParam(p), "{\"d1\",\"d2\"}");
  p.scope = DataScope::kAll;
  EXPECT_EQ(ScopeParam(p), "");
}

TEST(ScopeTest, ScopedStatementHasOneStatementPerScope) {
  ScopedStatement s("x.get", "SELECT 1 FROM t WHERE id = $1 AND {scope}", "t.owner", "t.dept", 2);
  EXPECT_EQ(s.For(DataScope::kOwn).name, "x.get.own");
  EXPECT_EQ(s.For(DataScope::kOwn).sql, "SELECT 1 FROM t WHERE id = $1 AND (t.owner = $2::uuid)");
  EXPECT_EQ(s.For(DataScope::kAll).name, "x.get.all");
  EXPECT_NE(s.For(DataScope::kDepartment).sql, s.For(DataScope::kAll).sql);
}

TEST(ScopeTest, DataScopeNames) {
  DataScope s;
  EXPECT_TRUE(ParseDataScope("department", &s));
  EXPECT_EQ(s, DataScope::kDepartment);
  EXPECT_FALSE(ParseDataScope("everything", &s));
}

TEST(PrincipalTest, CanUsesSortedPermissions) {
  Principal p;
  p.permissions = {"a.read", "b.write", "c.read"};
  EXPECT_TRUE(p.Can("b.write"));
  EXPECT_FALSE(p.Can("b.read"));
}

}  // namespace
}  // namespace crm::auth
