// crm-auth: sign-in, tokens, users, departments, roles.

#include "libs/auth/tokens.h"
#include "libs/service/runtime.h"
#include "services/auth/src/auth_service.h"
#include "services/auth/src/bootstrap.h"
#include "services/auth/src/config.h"
#include "services/auth/src/directory.h"
#include "services/auth/src/migrations.h"
#include "services/auth/src/passwords.h"
#include "services/auth/src/repository.h"
#include "services/auth/src/sessions.h"

namespace crm::auth_service {
namespace {

using service::Fatal;

int Main(int argc, char** argv) {
  Config config = LoadConfig(argc, argv);
  service::ExitAfterMigrationsIfAsked(config.common, "auth", AllMigrations());
  log::Configure("auth", config.common.log_level);
  if (absl::Status s = InitPasswords(); !s.ok()) return Fatal("startup failed", s);

  std::string key_pem = config.jwt_private_key_pem;
  if (key_pem.empty()) {
    key_pem = *auth::GenerateSigningKeyPem();
    log::Warn("development mode: signing with a throw-away key; tokens die with this process");
  }
  auto signer = auth::TokenSigner::Create(config.jwt_key_id, key_pem, config.common.tokens.issuer,
                                          config.common.tokens.audience);
  if (!signer.ok()) return Fatal("bad signing key", signer.status());
  // The auth service trusts its own signing key, and earlier ones during a rotation.
  auth::TokenVerifier verifier(config.common.tokens);
  if (absl::Status s = verifier.AddKey(config.jwt_key_id, (*signer)->public_key_pem()); !s.ok()) {
    return Fatal("bad signing key", s);
  }
  if (absl::Status s = verifier.AddKeysFromSpec(config.jwt_extra_public_keys); !s.ok()) {
    return Fatal("bad --jwt-extra-public-keys", s);
  }

  auto runtime = service::Runtime::Start(config.common, "auth", AllMigrations(), &verifier,
                                         config.cpu_threads);
  if (!runtime.ok()) return Fatal("startup failed", runtime.status());
  service::Runtime& rt = **runtime;
  {
    db::Conn conn(config.common.db_url);
    if (absl::Status s = BootstrapAdmin(conn, rt.outbox(), config.bootstrap_admin_username,
                                        config.bootstrap_admin_password, config.sessions.password);
        !s.ok()) {
      return Fatal("bootstrap admin failed", s);
    }
  }
  Sessions sessions(signer->get(), &rt.outbox(), config.sessions);
  Directory directory(&rt.outbox(), &rt.request_log());
  rt.AddRetention(Repository::RefreshTokenRetention());
  rpc::RateLimiter sign_in_limit(config.sign_in_per_second, config.sign_in_burst);
  const Parts parts{&rt.calls(),
                    &sessions,
                    &directory,
                    signer->get(),
                    &rt.events(),
                    &sign_in_limit,
                    config.trust_forwarded_for,
                    &config.sessions.password};
  auto auth_service = NewAuthService(parts);
  auto directory_service = NewDirectoryService(parts);
  rt.server().AddService(auth_service.get());
  rt.server().AddService(directory_service.get());
  return rt.Run();
}

}  // namespace
}  // namespace crm::auth_service

int main(int argc, char** argv) { return crm::auth_service::Main(argc, argv); }
