#include "services/auth/src/auth_service.h"

#include "libs/status/field_violations.h"
#include "services/auth/src/convert.h"

namespace crm::auth_service {
namespace {

using rpc::Call;

std::vector<std::string> MaskOf(const google::protobuf::FieldMask& mask) {
  return {mask.paths().begin(), mask.paths().end()};
}

// AIP-134: without an update_mask, the fields the request sets are the ones to update.
void ImplyField(std::vector<std::string>& mask, bool set, const char* name) {
  if (set) mask.push_back(name);
}

Department DepartmentOf(const v1::Department& p) {
  Department d;
  d.id = p.id();
  d.name = p.name();
  d.parent_id = p.parent_id();
  d.manager_id = p.manager_id();
  return d;
}

User UserOf(const v1::User& p) {
  User u;
  u.id = p.id();
  u.username = p.username();
  u.display_name = p.display_name();
  u.email = p.email();
  u.phone = p.phone();
  u.department_id = p.department_id();
  u.manager_id = p.manager_id();
  u.roles = {p.roles().begin(), p.roles().end()};
  u.active = p.state() != v1::USER_STATE_DISABLED;
  return u;
}

Role RoleOf(const v1::Role& p) {
  Role r;
  r.name = p.name();
  r.display_name = p.display_name();
  r.description = p.description();
  r.data_scope = FromProto(p.data_scope());
  r.permissions = {p.permissions().begin(), p.permissions().end()};
  return r;
}

absl::Status CheckDataScope(v1::DataScope s) {
  if (s == v1::DATA_SCOPE_NONE || s == v1::DATA_SCOPE_OWN || s == v1::DATA_SCOPE_DEPARTMENT ||
      s == v1::DATA_SCOPE_ALL) {
    return absl::OkStatus();
  }
  return InvalidField("role.data_scope", "must be NONE, OWN, DEPARTMENT or ALL");
}

class DirectoryServiceImpl final : public v1::DirectoryService::CallbackService,
                                   private rpc::Glue<Parts> {
 public:
  explicit DirectoryServiceImpl(const Parts& parts)
      : Glue(parts, v1::DirectoryService::service_full_name()) {}

  Unary* CreateDepartment(Context* ctx, const v1::CreateDepartmentRequest* req,
                          v1::Department* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      return rpc::Respond(
          directory->CreateDepartment(conn, call.principal(), MetaOf(call), req->request_id(),
                                      DepartmentOf(req->department())),
          resp);
    });
  }

  Unary* GetDepartment(Context* ctx, const v1::GetDepartmentRequest* req,
                       v1::Department* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      return rpc::Respond(directory->GetDepartment(conn, call.principal(), req->id()), resp);
    });
  }

  Unary* ListDepartments(Context* ctx, const v1::ListDepartmentsRequest* req,
                         v1::ListDepartmentsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      return rpc::RespondPage(directory->ListDepartments(conn, call.principal(), req->parent_id(),
                                                         req->page_size(), req->page_token()),
                              resp->mutable_departments(), resp);
    });
  }

  Unary* UpdateDepartment(Context* ctx, const v1::UpdateDepartmentRequest* req,
                          v1::Department* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      const v1::Department& d = req->department();
      std::vector<std::string> mask = MaskOf(req->update_mask());
      if (mask.empty()) {
        ImplyField(mask, !d.name().empty(), "name");
        ImplyField(mask, !d.parent_id().empty(), "parent_id");
        ImplyField(mask, !d.manager_id().empty(), "manager_id");
      }
      return rpc::Respond(directory->UpdateDepartment(conn, call.principal(), MetaOf(call),
                                                      DepartmentOf(d), d.etag(), mask),
                          resp);
    });
  }

  Unary* DeleteDepartment(Context* ctx, const v1::DeleteDepartmentRequest* req,
                          v1::DeleteDepartmentResponse*) override {
    return calls_.Unary(ctx, __func__, [this, req](Call& call, db::Conn& conn) {
      return directory->DeleteDepartment(conn, call.principal(), MetaOf(call), req->id(),
                                         req->etag());
    });
  }

  Unary* CreateUser(Context* ctx, const v1::CreateUserRequest* req, v1::User* resp) override {
    return WithHash(
        ctx, __func__,
        [this, req](const Call& call) {
          return directory->ValidateCreateUser(call.principal(), req->request_id(),
                                               UserOf(req->user()), req->initial_password());
        },
        req->initial_password(),
        [this, req, resp](Call& call, db::Conn& conn, const std::string& hash) -> absl::Status {
          return rpc::Respond(directory->CreateUser(conn, call.principal(), MetaOf(call),
                                                    req->request_id(), UserOf(req->user()), hash),
                              resp);
        });
  }

  Unary* GetUser(Context* ctx, const v1::GetUserRequest* req, v1::User* resp) override {
    return calls_.Async(ctx, __func__, [this, req, resp](std::shared_ptr<Call> call) {
      const auth::Principal& caller = call->principal();
      directory->GetUser(
          calls_.reader(), caller, req->id(),
          rpc::Reply<User>(std::move(call), [resp](const User& u) { *resp = ToProto(u); }));
    });
  }

  Unary* LookupUserNames(Context* ctx, const v1::LookupUserNamesRequest* req,
                         v1::LookupUserNamesResponse* resp) override {
    return calls_.Async(ctx, __func__, [this, req, resp](std::shared_ptr<Call> call) {
      directory->LookupUserNames(
          calls_.reader(), {req->ids().begin(), req->ids().end()},
          rpc::Reply<std::vector<UserName>>(std::move(call), [resp](const auto& names) {
            for (const UserName& n : names) {
              v1::UserName* p = resp->add_users();
              p->set_id(n.id);
              p->set_display_name(n.display_name);
              p->set_state(n.active ? v1::USER_STATE_ACTIVE : v1::USER_STATE_DISABLED);
            }
          }));
    });
  }

  Unary* ListUsers(Context* ctx, const v1::ListUsersRequest* req,
                   v1::ListUsersResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      UserQuery q;
      q.department_id = req->department_id();
      q.include_subdepartments = req->include_subdepartments();
      q.role = req->role();
      switch (req->state()) {
        case v1::USER_STATE_UNSPECIFIED:
          break;
        case v1::USER_STATE_ACTIVE:
          q.state = "active";
          break;
        case v1::USER_STATE_DISABLED:
          q.state = "disabled";
          break;
        default:
          return InvalidField("state", "is not a user state");
      }
      q.query = req->query();
      q.page_size = req->page_size();
      q.page_token = req->page_token();
      return rpc::RespondPage(directory->ListUsers(conn, call.principal(), q),
                              resp->mutable_users(), resp);
    });
  }

  Unary* UpdateUser(Context* ctx, const v1::UpdateUserRequest* req, v1::User* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      const v1::User& u = req->user();
      std::vector<std::string> mask = MaskOf(req->update_mask());
      if (mask.empty()) {
        ImplyField(mask, !u.display_name().empty(), "display_name");
        ImplyField(mask, !u.email().empty(), "email");
        ImplyField(mask, !u.phone().empty(), "phone");
        ImplyField(mask, !u.department_id().empty(), "department_id");
        ImplyField(mask, !u.manager_id().empty(), "manager_id");
        ImplyField(mask, u.state() != v1::USER_STATE_UNSPECIFIED, "state");
      }
      if (std::find(mask.begin(), mask.end(), "state") != mask.end() &&
          u.state() != v1::USER_STATE_ACTIVE && u.state() != v1::USER_STATE_DISABLED) {
        return InvalidField("user.state", "must be ACTIVE or DISABLED");
      }
      return rpc::Respond(
          directory->UpdateUser(conn, call.principal(), MetaOf(call), UserOf(u), u.etag(), mask),
          resp);
    });
  }

  Unary* SetUserRoles(Context* ctx, const v1::SetUserRolesRequest* req, v1::User* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      return rpc::Respond(
          directory->SetUserRoles(conn, call.principal(), MetaOf(call), req->user_id(),
                                  {req->roles().begin(), req->roles().end()}, req->etag()),
          resp);
    });
  }

  Unary* ResetUserPassword(Context* ctx, const v1::ResetUserPasswordRequest* req,
                           v1::User* resp) override {
    return WithHash(
        ctx, __func__,
        [this, req](const Call& call) {
          return directory->ValidateResetPassword(call.principal(), req->user_id(),
                                                  req->new_password());
        },
        req->new_password(),
        [this, req, resp](Call& call, db::Conn& conn, const std::string& hash) -> absl::Status {
          return rpc::Respond(
              directory->ResetUserPassword(conn, call.principal(), MetaOf(call), req->user_id(),
                                           req->new_password(), hash),
              resp);
        });
  }

  Unary* UnlockUser(Context* ctx, const v1::UnlockUserRequest* req, v1::User* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      return rpc::Respond(
          directory->UnlockUser(conn, call.principal(), MetaOf(call), req->user_id()), resp);
    });
  }

  Unary* CreateServiceAccount(Context* ctx, const v1::CreateServiceAccountRequest* req,
                              v1::CreateServiceAccountResponse* resp) override {
    std::string secret = RandomToken();
    return WithHash(
        ctx, __func__,
        [this, req](const Call& call) {
          return directory->ValidateCreateServiceAccount(call.principal(), req->request_id(),
                                                         UserOf(req->service_account()));
        },
        secret,
        [this, req, resp, secret](Call& call, db::Conn& conn,
                                  const std::string& hash) -> absl::Status {
          auto u = directory->CreateServiceAccount(conn, call.principal(), MetaOf(call),
                                                   req->request_id(),
                                                   UserOf(req->service_account()), hash);
          if (!u.ok()) return u.status();
          *resp->mutable_service_account() = ToProto(*u);
          resp->set_client_secret(secret);
          return absl::OkStatus();
        });
  }

  Unary* RotateServiceAccountSecret(Context* ctx, const v1::RotateServiceAccountSecretRequest* req,
                                    v1::RotateServiceAccountSecretResponse* resp) override {
    std::string secret = RandomToken();
    return WithHash(
        ctx, __func__,
        [this, req](const Call& call) {
          return directory->ValidateRotateSecret(call.principal(), req->user_id());
        },
        secret,
        [this, req, resp, secret](Call& call, db::Conn& conn,
                                  const std::string& hash) -> absl::Status {
          absl::Status s = directory->RotateServiceAccountSecret(
              conn, call.principal(), MetaOf(call), req->user_id(), hash);
          if (s.ok()) resp->set_client_secret(secret);
          return s;
        });
  }

  Unary* CreateRole(Context* ctx, const v1::CreateRoleRequest* req, v1::Role* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      if (!call.principal().Can("auth.roles.write")) {
        return absl::PermissionDeniedError("requires permission auth.roles.write");
      }
      if (req->role().data_scope() == v1::DATA_SCOPE_UNSPECIFIED) {
        return InvalidField("role.data_scope", "is required");
      }
      if (absl::Status s = CheckDataScope(req->role().data_scope()); !s.ok()) return s;
      return rpc::Respond(directory->CreateRole(conn, call.principal(), MetaOf(call),
                                                req->request_id(), RoleOf(req->role())),
                          resp);
    });
  }

  Unary* GetRole(Context* ctx, const v1::GetRoleRequest* req, v1::Role* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      return rpc::Respond(directory->GetRole(conn, call.principal(), req->name()), resp);
    });
  }

  Unary* ListRoles(Context* ctx, const v1::ListRolesRequest* req,
                   v1::ListRolesResponse* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      return rpc::RespondPage(
          directory->ListRoles(conn, call.principal(), req->page_size(), req->page_token()),
          resp->mutable_roles(), resp);
    });
  }

  Unary* UpdateRole(Context* ctx, const v1::UpdateRoleRequest* req, v1::Role* resp) override {
    return calls_.Unary(ctx, __func__, [=](Call& call, db::Conn& conn) {
      const v1::Role& r = req->role();
      std::vector<std::string> mask = MaskOf(req->update_mask());
      if (mask.empty()) {
        ImplyField(mask, !r.display_name().empty(), "display_name");
        ImplyField(mask, !r.description().empty(), "description");
        ImplyField(mask, r.data_scope() != v1::DATA_SCOPE_UNSPECIFIED, "data_scope");
        ImplyField(mask, r.permissions_size() > 0, "permissions");
      }
      if (std::find(mask.begin(), mask.end(), "data_scope") != mask.end()) {
        if (absl::Status s = CheckDataScope(r.data_scope()); !s.ok()) return s;
      }
      return rpc::Respond(
          directory->UpdateRole(conn, call.principal(), MetaOf(call), RoleOf(r), r.etag(), mask),
          resp);
    });
  }

  Unary* DeleteRole(Context* ctx, const v1::DeleteRoleRequest* req,
                    v1::DeleteRoleResponse*) override {
    return calls_.Unary(ctx, __func__, [this, req](Call& call, db::Conn& conn) {
      return directory->DeleteRole(conn, call.principal(), MetaOf(call), req->name(), req->etag());
    });
  }

  Unary* ListPermissions(Context* ctx, const v1::ListPermissionsRequest*,
                         v1::ListPermissionsResponse* resp) override {
    return calls_.Unary(ctx, __func__, [this, resp](Call& call, db::Conn& conn) -> absl::Status {
      auto perms = directory->ListPermissions(conn, call.principal());
      if (!perms.ok()) return perms.status();
      for (const auto& p : *perms) {
        auto* out = resp->add_permissions();
        out->set_name(p.name);
        out->set_description(p.description);
      }
      return absl::OkStatus();
    });
  }

 private:
  // `method` (its caller's __func__, which names the RPC in metrics and logs): validates on the
  // gRPC thread, hashes `secret` on a CPU thread, then runs `write` with the hash on a database
  // session.
  template <typename Write>
  Unary* WithHash(Context* ctx, const char* method,
                  std::function<absl::Status(const Call&)> validate, std::string secret,
                  Write write) {
    auto call = calls_.Begin(ctx, method, rpc::Auth::kRequired);
    Unary* reactor = call->reactor();
    if (call->finished()) return reactor;
    if (absl::Status s = validate(*call); !s.ok()) {
      call->Finish(s);
      return reactor;
    }
    calls_.OnCpu(call, [this, call, secret = std::move(secret), write](Call& c) {
      auto hash = HashPassword(secret, *password_params);
      if (!hash.ok()) return c.Finish(hash.status());
      calls_.OnDb(call, [write, hash = *hash](Call& c, db::Conn& conn) -> absl::Status {
        return write(c, conn, hash);
      });
    });
    return reactor;
  }
};

}  // namespace

// ---------------------------------------------------------------- departments

// ---------------------------------------------------------------- users

// ---------------------------------------------------------------- service accounts

// ---------------------------------------------------------------- roles

std::unique_ptr<grpc::Service> NewDirectoryService(const Parts& parts) {
  return std::make_unique<DirectoryServiceImpl>(parts);
}

}  // namespace crm::auth_service
