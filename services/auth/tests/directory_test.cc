#include <future>
#include <map>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/src/passwords.h"
#include "services/auth/tests/fixture.h"

namespace crm::auth_service {
namespace {

using ::crm::test::HasFieldViolation;
using ::crm::test::IsOk;
using ::crm::test::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr absl::StatusCode kDenied = absl::StatusCode::kPermissionDenied;

class DirectoryTest : public AuthFixture {
 protected:
  // The principal a real sign-in gives this user.
  auth::Principal SignedIn(const User& u) {
    auto r = sessions_->Login(*conn_, u.username, "s3cret-pass", LoginKind::kHuman, meta_);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? PrincipalOf(r->tokens.access_token) : auth::Principal{};
  }
  std::vector<std::string> Usernames(const std::vector<User>& users) {
    std::vector<std::string> out;
    for (const auto& u : users) out.push_back(u.username);
    return out;
  }
  int CountRows(const std::string& sql) {
    return *conn_->Read(
        [&](db::Tx& tx) -> absl::StatusOr<int> { return tx.exec(sql)[0][0].as<int>(); });
  }
};

TEST_F(DirectoryTest, DepartmentTreeLifecycle) {
  Department root = MakeDepartment(Unique("营销中心"));
  Department sales = MakeDepartment("销售部", root.id);
  Department market = MakeDepartment("市场部", root.id);
  Department dup;
  dup.name = "销售部";
  dup.parent_id = root.id;
  EXPECT_THAT(directory_->CreateDepartment(*conn_, Admin(), meta_, "", dup),
              StatusIs(absl::StatusCode::kAlreadyExists));

  auto children = directory_->ListDepartments(*conn_, Admin(), root.id, 1, "");
  ASSERT_THAT(children, IsOk());
  ASSERT_EQ(children->items.size(), 1u);
  EXPECT_FALSE(children->next_page_token.empty());
  auto rest = directory_->ListDepartments(*conn_, Admin(), root.id, 1, children->next_page_token);
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_TRUE(rest->next_page_token.empty());
  EXPECT_NE(children->items[0].id, rest->items[0].id);
  // A token is bound to the filters it was issued for.
  EXPECT_THAT(directory_->ListDepartments(*conn_, Admin(), market.id, 1, children->next_page_token),
              HasFieldViolation("page_token"));

  // Moving a department under its own subtree is refused.
  Department move = root;
  move.parent_id = sales.id;
  EXPECT_THAT(directory_->UpdateDepartment(*conn_, Admin(), meta_, move, "", {"parent_id"}),
              HasFieldViolation("department.parent_id"));
  // Rename with the current etag, then a stale etag is ABORTED.
  Department rename = sales;
  rename.name = "销售一部";
  auto renamed = directory_->UpdateDepartment(*conn_, Admin(), meta_, rename,
                                              std::to_string(sales.version), {"name"});
  ASSERT_THAT(renamed, IsOk());
  EXPECT_EQ(renamed->name, "销售一部");
  EXPECT_EQ(renamed->version, sales.version + 1);
  EXPECT_THAT(directory_->UpdateDepartment(*conn_, Admin(), meta_, rename,
                                           std::to_string(sales.version), {"name"}),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(directory_->UpdateDepartment(*conn_, Admin(), meta_, rename, "", {"bogus"}),
              HasFieldViolation("update_mask"));

  // Only an empty department can go.
  EXPECT_THAT(directory_->DeleteDepartment(*conn_, Admin(), meta_, root.id, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(directory_->DeleteDepartment(*conn_, Admin(), meta_, market.id, ""), IsOk());
  EXPECT_THAT(directory_->GetDepartment(*conn_, Admin(), market.id),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(EventsSinceStart(), Contains("auth.department.deleted"));
  // The organisation tree is read with auth.departments.read.
  auth::Principal nobody;
  nobody.user_id = "00000000-0000-7000-8000-000000000002";
  EXPECT_THAT(directory_->GetDepartment(*conn_, nobody, root.id),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(directory_->ListDepartments(*conn_, nobody, "", 0, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(DirectoryTest, CreateDepartmentIsIdempotentByRequestId) {
  Department d;
  d.name = Unique("客服部");
  auto first = directory_->CreateDepartment(*conn_, Admin(), meta_, "req-dept-1", d);
  auto again = directory_->CreateDepartment(*conn_, Admin(), meta_, "req-dept-1", d);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->id, again->id);
  EXPECT_THAT(EventsSinceStart(), ElementsAre("auth.department.created"));
}

TEST_F(DirectoryTest, BadDepartmentInputNamesEachFieldAndWritesNothing) {
  const int before = CountRows("SELECT count(*) FROM auth.departments");
  Department d;
  d.name = "  ";
  d.parent_id = "not-a-uuid";
  absl::Status s = directory_->CreateDepartment(*conn_, Admin(), meta_, "bad id", d).status();
  EXPECT_THAT(s, HasFieldViolation("department.name"));
  EXPECT_THAT(s, HasFieldViolation("department.parent_id"));
  EXPECT_THAT(s, HasFieldViolation("request_id"));
  d.name = "ok";
  d.parent_id = "0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";  // well-formed, does not exist
  EXPECT_THAT(directory_->CreateDepartment(*conn_, Admin(), meta_, "", d),
              HasFieldViolation("department.parent_id"));
  EXPECT_EQ(CountRows("SELECT count(*) FROM auth.departments"), before);
  EXPECT_TRUE(EventsSinceStart().empty());
}

TEST_F(DirectoryTest, RolesWithoutThePermissionAreDeniedBeforeExistenceIsChecked) {
  User rep = MakeUser(Unique("rep"), "s3cret-pass", {"account_manager"});
  auth::Principal p = SignedIn(rep);
  const std::string missing = "0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  Department d;
  d.name = "x";
  EXPECT_THAT(directory_->CreateDepartment(*conn_, p, meta_, "", d), StatusIs(kDenied));
  EXPECT_THAT(directory_->DeleteDepartment(*conn_, p, meta_, missing, ""), StatusIs(kDenied));
  EXPECT_THAT(directory_->ValidateCreateUser(p, "", rep, "s3cret-pass-2"), StatusIs(kDenied));
  EXPECT_THAT(directory_->UnlockUser(*conn_, p, meta_, missing), StatusIs(kDenied));
  EXPECT_THAT(directory_->SetUserRoles(*conn_, p, meta_, rep.id, {"admin"}, ""), StatusIs(kDenied));
  EXPECT_THAT(directory_->ListRoles(*conn_, p, 0, ""), StatusIs(kDenied));
  // Own record: always; others: only within scope, and a missing id looks the same.
  EXPECT_THAT(GetUser(p, rep.id), IsOk());
  User other = MakeUser(Unique("other-rep"), "s3cret-pass", {"account_manager"});
  EXPECT_THAT(GetUser(p, other.id), StatusIs(kDenied));
  EXPECT_THAT(GetUser(p, missing), StatusIs(kDenied));
  // Service agents lack auth.users.read altogether.
  User agent = MakeUser(Unique("agent"), "s3cret-pass", {"service_agent"});
  EXPECT_THAT(directory_->ListUsers(*conn_, SignedIn(agent), {}), StatusIs(kDenied));
}

// Names are shown for any user a caller's records mention, whatever the caller's directory
// scope; nothing else about them is.
TEST_F(DirectoryTest, AnyoneSignedInLooksUpNames) {
  Department north = MakeDepartment(Unique("华北区"));
  Department south = MakeDepartment(Unique("华南区"));
  User rep = MakeUser(Unique("rep"), "s3cret-pass", {"account_manager"}, north.id);
  User other = MakeUser(Unique("agent"), "s3cret-pass", {"service_agent"}, south.id);
  // Any signed-in caller may: the glue checks the token, the lookup nothing more.
  auto lookup = [&](const std::vector<std::string>& ids) {
    std::promise<absl::StatusOr<std::vector<UserName>>> result;
    directory_->LookupUserNames(*reader_, ids, [&](absl::StatusOr<std::vector<UserName>> r) {
      result.set_value(std::move(r));
    });
    return result.get_future().get();
  };
  const std::string missing = "0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  EXPECT_THAT(GetUser(SignedIn(rep), other.id), StatusIs(kDenied));
  auto names = lookup({other.id, missing, rep.id});
  ASSERT_THAT(names, IsOk());
  std::map<std::string, std::string> by_id;
  for (const auto& n : *names) by_id[n.id] = n.display_name;
  EXPECT_EQ(by_id, (std::map<std::string, std::string>{{other.id, other.display_name},
                                                       {rep.id, rep.display_name}}));
  auto none = lookup({});
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, IsEmpty());
  EXPECT_THAT(lookup({rep.id, "not-an-id"}), HasFieldViolation("ids[1]"));
  EXPECT_THAT(lookup(std::vector<std::string>(101, rep.id)), HasFieldViolation("ids"));
}

TEST_F(DirectoryTest, ManagersSeeTheirDepartmentSubtreeOnly) {
  Department north = MakeDepartment(Unique("华北区"));
  Department beijing = MakeDepartment("北京", north.id);
  Department south = MakeDepartment(Unique("华南区"));
  User boss = MakeUser(Unique("boss"), "s3cret-pass", {"sales_manager"}, north.id);
  User a = MakeUser(Unique("bj-rep"), "s3cret-pass", {"account_manager"}, beijing.id);
  User b = MakeUser(Unique("gz-rep"), "s3cret-pass", {"account_manager"}, south.id);
  auth::Principal p = SignedIn(boss);
  EXPECT_THAT(GetUser(p, a.id), IsOk());
  EXPECT_THAT(GetUser(p, b.id), StatusIs(kDenied));
  auto listed = directory_->ListUsers(*conn_, p, {});
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(Usernames(listed->items), UnorderedElementsAre(boss.username, a.username));
  // An account manager lists only themselves; an admin everyone.
  auto own = directory_->ListUsers(*conn_, SignedIn(a), {});
  ASSERT_THAT(own, IsOk());
  EXPECT_THAT(Usernames(own->items), ElementsAre(a.username));
  UserQuery in_south;
  in_south.department_id = south.id;
  auto admin_view = directory_->ListUsers(*conn_, Admin(), in_south);
  ASSERT_THAT(admin_view, IsOk());
  EXPECT_THAT(Usernames(admin_view->items), ElementsAre(b.username));
}

TEST_F(DirectoryTest, ListUsersFiltersAndPages) {
  Department d = MakeDepartment(Unique("研发部"));
  Department sub = MakeDepartment("测试组", d.id);
  User x = MakeUser(Unique("li.xiaolong"), "s3cret-pass", {"account_manager"}, d.id);
  User y = MakeUser(Unique("li.lianjie"), "s3cret-pass", {"sales_manager"}, sub.id);
  User z = MakeUser(Unique("cheng.long"), "s3cret-pass", {"account_manager"}, sub.id);
  UserQuery q;
  q.department_id = d.id;
  EXPECT_THAT(Usernames(directory_->ListUsers(*conn_, Admin(), q)->items), ElementsAre(x.username));
  q.include_subdepartments = true;
  EXPECT_THAT(Usernames(directory_->ListUsers(*conn_, Admin(), q)->items),
              ElementsAre(x.username, y.username, z.username));
  q.role = "account_manager";
  EXPECT_THAT(Usernames(directory_->ListUsers(*conn_, Admin(), q)->items),
              ElementsAre(x.username, z.username));
  q.role = "";
  q.query = "LI.";  // case-insensitive, and "." is literal
  EXPECT_THAT(Usernames(directory_->ListUsers(*conn_, Admin(), q)->items),
              ElementsAre(x.username, y.username));
  q.query = "的名字";  // display names are "<username> 的名字"
  q.page_size = 2;
  auto page1 = directory_->ListUsers(*conn_, Admin(), q);
  ASSERT_THAT(page1, IsOk());
  EXPECT_EQ(page1->items.size(), 2u);
  q.page_token = page1->next_page_token;
  auto page2 = directory_->ListUsers(*conn_, Admin(), q);
  ASSERT_THAT(page2, IsOk());
  EXPECT_THAT(Usernames(page2->items), ElementsAre(z.username));
  EXPECT_TRUE(page2->next_page_token.empty());
  q.page_size = -1;
  EXPECT_THAT(directory_->ListUsers(*conn_, Admin(), q), HasFieldViolation("page_size"));
}

TEST_F(DirectoryTest, CreateUserValidatesEveryFieldAndWritesNothing) {
  const int before = CountRows("SELECT count(*) FROM auth.users");
  User u;
  u.username = "bad name!";
  u.email = "not-an-email";
  u.phone = "call me";
  u.department_id = "42";
  absl::Status s = directory_->ValidateCreateUser(Admin(), "", u, "short");
  EXPECT_THAT(s, HasFieldViolation("user.username"));
  EXPECT_THAT(s, HasFieldViolation("user.email"));
  EXPECT_THAT(s, HasFieldViolation("user.phone"));
  EXPECT_THAT(s, HasFieldViolation("user.department_id"));
  EXPECT_THAT(s, HasFieldViolation("initial_password"));
  // References are checked in the transaction.
  User v;
  v.username = Unique("valid");
  v.roles = {"account_manager", "emperor"};
  v.department_id = "0189a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  s = directory_->CreateUser(*conn_, Admin(), meta_, "", v, "hash").status();
  EXPECT_THAT(s, HasFieldViolation("user.department_id"));
  v.department_id.clear();
  EXPECT_THAT(directory_->CreateUser(*conn_, Admin(), meta_, "", v, "hash"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown role \"emperor\"")));
  EXPECT_EQ(CountRows("SELECT count(*) FROM auth.users"), before);
  EXPECT_TRUE(EventsSinceStart().empty());
}

TEST_F(DirectoryTest, UsernamesAreUniqueAndCreateIsIdempotent) {
  User u;
  u.username = Unique("Zhang.San");
  auto first = directory_->CreateUser(*conn_, Admin(), meta_, "req-u-1", u, "h");
  auto again = directory_->CreateUser(*conn_, Admin(), meta_, "req-u-1", u, "h");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->id, again->id);
  u.username = absl::AsciiStrToLower(u.username);
  EXPECT_THAT(directory_->CreateUser(*conn_, Admin(), meta_, "req-u-2", u, "h"),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(DirectoryTest, UpdateUserUsesMaskAndEtag) {
  Department d = MakeDepartment(Unique("财务部"));
  User u = MakeUser(Unique("qian.cai"), "s3cret-pass", {"finance"});
  User patch = u;
  patch.display_name = "钱财";
  patch.email = "qian@example.cn";
  patch.department_id = d.id;
  patch.phone = "+86 10 1234-5678";
  auto updated = directory_->UpdateUser(*conn_, Admin(), meta_, patch, std::to_string(u.version),
                                        {"display_name", "department_id"});
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->display_name, "钱财");
  EXPECT_EQ(updated->department_id, d.id);
  EXPECT_EQ(updated->email, "");  // not in the mask
  EXPECT_THAT(
      directory_->UpdateUser(*conn_, Admin(), meta_, patch, std::to_string(u.version), {"email"}),
      StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(directory_->UpdateUser(*conn_, Admin(), meta_, patch, "v1", {"email"}),
              HasFieldViolation("user.etag"));
  patch.manager_id = u.id;
  EXPECT_THAT(directory_->UpdateUser(*conn_, Admin(), meta_, patch, "", {"manager_id"}),
              HasFieldViolation("user.manager_id"));
}

TEST_F(DirectoryTest, RolesAreGivenWithinWhatTheCallerMayGrant) {
  User u = MakeUser(Unique("clerk"), "s3cret-pass", {"account_manager"});
  // auth.users.write alone does not make an administrator, nor change one's own roles.
  auth::Principal clerk = Admin();
  clerk.user_id = u.id;
  clerk.permissions = {"auth.users.read", "auth.users.write"};
  User other = MakeUser(Unique("target"), "s3cret-pass", {"account_manager"});
  EXPECT_THAT(directory_->SetUserRoles(*conn_, clerk, meta_, other.id, {"admin"}, ""),
              StatusIs(kDenied, HasSubstr("auth.roles.write")));
  EXPECT_THAT(directory_->SetUserRoles(*conn_, clerk, meta_, other.id, {"executive"}, ""), IsOk());
  EXPECT_THAT(directory_->SetUserRoles(*conn_, clerk, meta_, u.id, {"executive"}, ""),
              StatusIs(kDenied));
  // Roles of different record scopes are not combined: one token carries one scope.
  EXPECT_THAT(directory_->SetUserRoles(*conn_, Admin(), meta_, other.id,
                                       {"account_manager", "service_agent"}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("see different records")));
  EXPECT_THAT(
      directory_->SetUserRoles(*conn_, Admin(), meta_, other.id, {"account_manager", "admin"}, ""),
      IsOk());
}

TEST_F(DirectoryTest, TheLastAdminCannotBeRemovedOrDisabled) {
  // Other tests may have created admins; strip them all but one.
  auto admins =
      directory_->ListUsers(*conn_, Admin(), {"", false, "admin", "active", "", 1000, ""});
  ASSERT_THAT(admins, IsOk());
  User keeper = MakeUser(Unique("root"), "s3cret-pass", {"admin"});
  for (const auto& a : admins->items) {
    ASSERT_THAT(directory_->SetUserRoles(*conn_, Admin(), meta_, a.id, {}, ""), IsOk());
  }
  EXPECT_THAT(directory_->SetUserRoles(*conn_, Admin(), meta_, keeper.id, {"executive"}, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("admin")));
  User off = keeper;
  off.active = false;
  EXPECT_THAT(directory_->UpdateUser(*conn_, Admin(), meta_, off, "", {"state"}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  User second = MakeUser(Unique("root2"), "s3cret-pass", {"admin"});
  EXPECT_THAT(directory_->SetUserRoles(*conn_, Admin(), meta_, keeper.id, {"executive"}, ""),
              IsOk());
  EXPECT_THAT(EventsSinceStart(), Contains("auth.user.roles_changed"));
  (void)second;
}

TEST_F(DirectoryTest, RolesAreDataAnAdminEdits) {
  Role r;
  r.name = Unique("regional_auditor");
  std::replace(r.name.begin(), r.name.end(), '-', '_');
  r.display_name = "区域审计";
  r.data_scope = auth::DataScope::kDepartment;
  r.permissions = {"customers.read", "contracts.read", "customers.read"};
  auto created = directory_->CreateRole(*conn_, Admin(), meta_, "", r);
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(created->permissions, ElementsAre("contracts.read", "customers.read"));
  EXPECT_FALSE(created->builtin);

  Role patch = *created;
  patch.permissions = {"customers.read", "no.such.permission"};
  EXPECT_THAT(directory_->UpdateRole(*conn_, Admin(), meta_, patch, "", {"permissions"}),
              HasFieldViolation("role.permissions"));
  patch.permissions = {"payments.read"};
  auto updated = directory_->UpdateRole(*conn_, Admin(), meta_, patch,
                                        std::to_string(created->version), {"permissions"});
  ASSERT_THAT(updated, IsOk());
  EXPECT_THAT(updated->permissions, ElementsAre("payments.read"));

  // A user holding it gets its permissions; while held it cannot be deleted.
  User u = MakeUser(Unique("auditor"), "s3cret-pass", {r.name});
  EXPECT_TRUE(SignedIn(u).Can("payments.read"));
  EXPECT_THAT(directory_->DeleteRole(*conn_, Admin(), meta_, r.name, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(directory_->SetUserRoles(*conn_, Admin(), meta_, u.id, {}, ""), IsOk());
  EXPECT_THAT(directory_->DeleteRole(*conn_, Admin(), meta_, r.name, ""), IsOk());
  EXPECT_THAT(directory_->DeleteRole(*conn_, Admin(), meta_, "executive", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("built-in")));

  Role admin_patch;
  admin_patch.name = "admin";
  admin_patch.permissions = {"auth.roles.write"};
  EXPECT_THAT(directory_->UpdateRole(*conn_, Admin(), meta_, admin_patch, "", {"permissions"}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("auth.users.write")));
  Role bad;
  bad.name = "Bad Name";
  bad.display_name = "";
  absl::Status s = directory_->CreateRole(*conn_, Admin(), meta_, "", bad).status();
  EXPECT_THAT(s, HasFieldViolation("role.name"));
  EXPECT_THAT(s, HasFieldViolation("role.display_name"));
}

TEST_F(DirectoryTest, BuiltinRolesAndCatalogueAreSeeded) {
  auto roles = directory_->ListRoles(*conn_, Admin(), 100, "");
  ASSERT_THAT(roles, IsOk());
  std::vector<std::string> names;
  for (const auto& r : roles->items) names.push_back(r.name);
  EXPECT_THAT(names, testing::IsSupersetOf({"admin", "executive", "sales_manager",
                                            "account_manager", "service_agent", "finance"}));
  auto perms = directory_->ListPermissions(*conn_, Admin());
  ASSERT_THAT(perms, IsOk());
  EXPECT_GT(perms->size(), 20u);
}

TEST_F(DirectoryTest, ResetPasswordEndsSessionsAndServiceSecretsRotate) {
  User u = MakeUser(Unique("forgetful"), "s3cret-pass", {"account_manager"});
  auto login = sessions_->Login(*conn_, u.username, "s3cret-pass", LoginKind::kHuman, meta_);
  ASSERT_THAT(login, IsOk());
  EXPECT_THAT(directory_->ValidateResetPassword(Admin(), u.id, "short"),
              HasFieldViolation("new_password"));
  EXPECT_THAT(directory_->ResetUserPassword(*conn_, Admin(), meta_, u.id, u.username + "-2026",
                                            *HashPassword(u.username + "-2026", config_.password)),
              HasFieldViolation("new_password"));
  ASSERT_THAT(directory_->ResetUserPassword(*conn_, Admin(), meta_, u.id, "brand-new-pass",
                                            *HashPassword("brand-new-pass", config_.password)),
              IsOk());
  EXPECT_THAT(sessions_->Refresh(*conn_, login->tokens.refresh_token, meta_),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(sessions_->Login(*conn_, u.username, "brand-new-pass", LoginKind::kHuman, meta_),
              IsOk());

  User account;
  account.username = Unique("importer");
  auto created = directory_->CreateServiceAccount(*conn_, Admin(), meta_, "req-sa-1", account,
                                                  *HashPassword("secret-one", config_.password));
  ASSERT_THAT(created, IsOk());
  // A retry returns the same account and makes the retry's secret the valid one.
  auto retried = directory_->CreateServiceAccount(*conn_, Admin(), meta_, "req-sa-1", account,
                                                  *HashPassword("secret-two", config_.password));
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->id, created->id);
  EXPECT_THAT(
      sessions_->Login(*conn_, account.username, "secret-two", LoginKind::kServiceAccount, meta_),
      IsOk());
  EXPECT_THAT(
      sessions_->Login(*conn_, account.username, "secret-one", LoginKind::kServiceAccount, meta_),
      StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(directory_->RotateServiceAccountSecret(*conn_, Admin(), meta_, u.id, "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace crm::auth_service
