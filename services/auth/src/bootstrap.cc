#include "services/auth/src/bootstrap.h"

#include "absl/strings/str_cat.h"
#include "crm/auth/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/log/log.h"
#include "libs/status/status_macros.h"
#include "services/auth/src/convert.h"
#include "services/auth/src/repository.h"

namespace crm::auth_service {

absl::Status BootstrapAdmin(db::Conn& conn, const events::Outbox& outbox,
                            const std::string& username, const std::string& password,
                            const PasswordParams& params) {
  auto admins = conn.Read(
      [](db::Tx& tx) -> absl::StatusOr<int> { return Repository::CountActiveAdmins(tx); });
  if (!admins.ok()) return admins.status();
  if (*admins > 0) return absl::OkStatus();
  if (password.empty()) {
    log::Warn("no active admin exists and no bootstrap admin password is configured")
        .Str("hint", "set --bootstrap-admin-password-file or CRM_AUTH_BOOTSTRAP_ADMIN_PASSWORD");
    return absl::OkStatus();
  }
  if (std::string problem = PasswordProblem(password, username); !problem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("bootstrap admin password ", problem));
  }
  CRM_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, params));
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    // Replicas starting together: one creates, the others then see an admin.
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('auth.bootstrap_admin'))");
    if (Repository::CountActiveAdmins(tx) > 0) return absl::OkStatus();
    if (Repository::FindCredentialsByName(tx, username)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no active admin exists, and the bootstrap admin username \"", username,
          "\" belongs to an account that is not an active admin; fix it in the database or "
          "choose another --bootstrap-admin-username"));
    }
    User admin;
    admin.id = ids::NewUuidV7();
    admin.username = username;
    admin.display_name = "系统管理员";
    admin.roles = {"admin"};
    Repository::InsertUser(tx, admin, hash);
    auto created = Repository::FindUser(tx, admin.id);
    v1::UserChanged e;
    *e.mutable_user() = ToProto(*created);
    outbox.Append(tx, {"auth.user.created", "user", admin.id, &e, "bootstrap", ""});
    log::Info("bootstrap admin created").Str("username", username).Str("user_id", admin.id);
    return absl::OkStatus();
  });
}

}  // namespace crm::auth_service
