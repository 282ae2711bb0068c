#include "services/auth/src/config.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/auth/tokens.h"
#include "libs/config/flags.h"

namespace crm::auth_service {
namespace {

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "auth: invalid configuration: %s\n", message.c_str());
  std::exit(2);
}

std::string ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) Fail(absl::StrCat("cannot read ", what, " file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Config LoadConfig(int argc, char** argv) {
  config::Flags flags("crm-auth", "The CRM auth service: sign-in, tokens, users, roles.");
  service::CommonFlags common(flags, "auth", "CRM_AUTH_DB_URL", 50051, 9464,
                              /*with_public_keys=*/false);
  auto* cpu =
      flags.Int("cpu-threads", "CRM_AUTH_CPU_THREADS", 2, "threads for password hashing", 1, 64);
  auto* key_file = flags.String("jwt-private-key-file", "CRM_AUTH_JWT_PRIVATE_KEY_FILE", "",
                                "PEM file of the EC P-256 key that signs access tokens");
  auto* key_id = flags.String("jwt-key-id", "CRM_AUTH_JWT_KEY_ID", "auth-1",
                              "key id (kid) of the signing key");
  auto* extra_keys =
      flags.String("jwt-extra-public-keys", "CRM_AUTH_JWT_EXTRA_PUBLIC_KEYS", "",
                   "kid=path,… public keys of earlier signing keys still accepted (key rotation)");
  auto* dev = flags.Bool("dev", "CRM_DEV", false,
                         "development mode: without a key file, sign with a throw-away key");
  auto* access_ttl = flags.Duration("access-token-ttl", "CRM_AUTH_ACCESS_TOKEN_TTL",
                                    absl::Minutes(15), "access token lifetime");
  auto* refresh_ttl = flags.Duration("refresh-token-ttl", "CRM_AUTH_REFRESH_TOKEN_TTL",
                                     absl::Hours(24 * 14), "refresh token lifetime");
  auto* max_failures = flags.Int("max-failed-logins", "CRM_AUTH_MAX_FAILED_LOGINS", 5,
                                 "failed sign-ins in a row that lock an account", 1, 100);
  auto* lockout = flags.Duration("lockout", "CRM_AUTH_LOCKOUT", absl::Minutes(15),
                                 "how long a locked account stays locked");
  auto* sign_in_per_minute =
      flags.Int("sign-in-per-minute", "CRM_AUTH_SIGN_IN_PER_MINUTE", 60,
                "sign-ins (Login, IssueServiceToken) one peer address may make per minute, on "
                "average, per replica",
                1, 1000000);
  auto* sign_in_burst = flags.Int("sign-in-burst", "CRM_AUTH_SIGN_IN_BURST", 20,
                                  "sign-ins one peer address may make at once", 1, 1000000);
  auto* forwarded_for = flags.Bool(
      "trust-forwarded-for", "CRM_AUTH_TRUST_FORWARDED_FOR", false,
      "limit sign-ins by the x-forwarded-for address the gateway sends (only where nothing but "
      "the gateway and the services can reach this service)");
  auto* argon_ops = flags.Int("argon2-ops", "CRM_AUTH_ARGON2_OPS", 2, "argon2id iterations", 1, 10);
  auto* argon_mem = flags.Int("argon2-memory-kib", "CRM_AUTH_ARGON2_MEMORY_KIB", 19456,
                              "argon2id memory in KiB", 8, 4 * 1024 * 1024);
  auto* admin_user = flags.String("bootstrap-admin-username", "CRM_AUTH_BOOTSTRAP_ADMIN_USERNAME",
                                  "admin", "username of the first admin");
  auto* admin_password_file =
      flags.String("bootstrap-admin-password-file", "CRM_AUTH_BOOTSTRAP_ADMIN_PASSWORD_FILE", "",
                   "file holding the first admin's password (used only while no admin exists)");
  flags.ParseOrExit(argc, argv);

  Config c;
  auto resolved = common.Resolve();
  if (!resolved.ok()) Fail(std::string(resolved.status().message()));
  c.common = *std::move(resolved);
  c.cpu_threads = static_cast<int>(*cpu);
  c.jwt_key_id = *key_id;
  c.jwt_extra_public_keys = *extra_keys;
  c.dev = *dev;
  if (!key_file->empty()) {
    c.jwt_private_key_pem = ReadFile(*key_file, "signing key");
  } else if (!c.dev && !c.common.migrate_only) {
    Fail("--jwt-private-key-file is required (only --dev signs with a throw-away key)");
  }
  c.sessions.access_ttl = *access_ttl;
  c.sessions.refresh_ttl = *refresh_ttl;
  c.sessions.max_failed_logins = static_cast<int>(*max_failures);
  c.sessions.lockout = *lockout;
  c.sign_in_per_second = static_cast<double>(*sign_in_per_minute) / 60;
  c.sign_in_burst = static_cast<double>(*sign_in_burst);
  c.trust_forwarded_for = *forwarded_for;
  c.sessions.password.ops = static_cast<uint64_t>(*argon_ops);
  c.sessions.password.memory_bytes = static_cast<size_t>(*argon_mem) * 1024;
  if (c.sessions.access_ttl < absl::Seconds(1) || c.sessions.refresh_ttl < absl::Seconds(1)) {
    Fail("token lifetimes must be at least 1s");
  }
  c.bootstrap_admin_username = *admin_user;
  if (!admin_password_file->empty()) {
    c.bootstrap_admin_password = std::string(
        absl::StripTrailingAsciiWhitespace(ReadFile(*admin_password_file, "admin password")));
  } else if (const char* p = std::getenv("CRM_AUTH_BOOTSTRAP_ADMIN_PASSWORD"); p != nullptr) {
    c.bootstrap_admin_password = p;
  }
  return c;
}

}  // namespace crm::auth_service
