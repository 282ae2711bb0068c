#pragma once
// gRPC glue of crm.auth.v1.DirectoryService.

#include "crm/auth/v1/directory_service.grpc.pb.h"
#include "libs/rpc/call.h"
#include "services/auth/src/directory.h"
#include "services/auth/src/sessions.h"

namespace crm::auth_service {

class DirectoryServiceImpl : public v1::DirectoryService::CallbackService {
 public:
  DirectoryServiceImpl(const rpc::Calls* calls, const Directory* directory,
                       const PasswordParams* password_params)
      : calls_(calls->ForService(v1::DirectoryService::service_full_name())),
        directory_(directory),
        password_params_(password_params) {}

  grpc::ServerUnaryReactor* CreateDepartment(grpc::CallbackServerContext* ctx,
                                             const v1::CreateDepartmentRequest* req,
                                             v1::Department* resp) override;
  grpc::ServerUnaryReactor* GetDepartment(grpc::CallbackServerContext* ctx,
                                          const v1::GetDepartmentRequest* req,
                                          v1::Department* resp) override;
  grpc::ServerUnaryReactor* ListDepartments(grpc::CallbackServerContext* ctx,
                                            const v1::ListDepartmentsRequest* req,
                                            v1::ListDepartmentsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateDepartment(grpc::CallbackServerContext* ctx,
                                             const v1::UpdateDepartmentRequest* req,
                                             v1::Department* resp) override;
  grpc::ServerUnaryReactor* DeleteDepartment(grpc::CallbackServerContext* ctx,
                                             const v1::DeleteDepartmentRequest* req,
                                             v1::DeleteDepartmentResponse* resp) override;
  grpc::ServerUnaryReactor* CreateUser(grpc::CallbackServerContext* ctx,
                                       const v1::CreateUserRequest* req, v1::User* resp) override;
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* ctx, const v1::GetUserRequest* req,
                                    v1::User* resp) override;
  grpc::ServerUnaryReactor* ListUsers(grpc::CallbackServerContext* ctx,
                                      const v1::ListUsersRequest* req,
                                      v1::ListUsersResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateUser(grpc::CallbackServerContext* ctx,
                                       const v1::UpdateUserRequest* req, v1::User* resp) override;
  grpc::ServerUnaryReactor* SetUserRoles(grpc::CallbackServerContext* ctx,
                                         const v1::SetUserRolesRequest* req,
                                         v1::User* resp) override;
  grpc::ServerUnaryReactor* ResetUserPassword(grpc::CallbackServerContext* ctx,
                                              const v1::ResetUserPasswordRequest* req,
                                              v1::User* resp) override;
  grpc::ServerUnaryReactor* UnlockUser(grpc::CallbackServerContext* ctx,
                                       const v1::UnlockUserRequest* req, v1::User* resp) override;
  grpc::ServerUnaryReactor* CreateServiceAccount(grpc::CallbackServerContext* ctx,
                                                 const v1::CreateServiceAccountRequest* req,
                                                 v1::CreateServiceAccountResponse* resp) override;
  grpc::ServerUnaryReactor* RotateServiceAccountSecret(
      grpc::CallbackServerContext* ctx, const v1::RotateServiceAccountSecretRequest* req,
      v1::RotateServiceAccountSecretResponse* resp) override;
  grpc::ServerUnaryReactor* CreateRole(grpc::CallbackServerContext* ctx,
                                       const v1::CreateRoleRequest* req, v1::Role* resp) override;
  grpc::ServerUnaryReactor* GetRole(grpc::CallbackServerContext* ctx, const v1::GetRoleRequest* req,
                                    v1::Role* resp) override;
  grpc::ServerUnaryReactor* ListRoles(grpc::CallbackServerContext* ctx,
                                      const v1::ListRolesRequest* req,
                                      v1::ListRolesResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateRole(grpc::CallbackServerContext* ctx,
                                       const v1::UpdateRoleRequest* req, v1::Role* resp) override;
  grpc::ServerUnaryReactor* DeleteRole(grpc::CallbackServerContext* ctx,
                                       const v1::DeleteRoleRequest* req,
                                       v1::DeleteRoleResponse* resp) override;
  grpc::ServerUnaryReactor* ListPermissions(grpc::CallbackServerContext* ctx,
                                            const v1::ListPermissionsRequest* req,
                                            v1::ListPermissionsResponse* resp) override;

 private:
  // Validates on the gRPC thread, hashes `secret` on a CPU thread, then runs `write` with the
  // hash on a database session.
  template <typename Write>
  grpc::ServerUnaryReactor* WithHash(grpc::CallbackServerContext* ctx,
                                     std::function<absl::Status(const rpc::Call&)> validate,
                                     std::string secret, Write write);

  const rpc::Calls calls_;  // bound to this service
  const Directory* directory_;
  const PasswordParams* password_params_;
};

}  // namespace crm::auth_service
