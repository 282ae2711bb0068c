#pragma once
// Password hashing with argon2id (libsodium), and the password rules.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::auth_service {

struct PasswordParams {
  // argon2id cost: iterations and memory. The default is OWASP's recommended minimum
  // (t=2, m=19 MiB); tests lower it to keep suites fast.
  uint64_t ops = 2;
  size_t memory_bytes = 19 * 1024 * 1024;
};

// Starts libsodium; call once before any other function here.
absl::Status InitPasswords();

// A PHC-format argon2id hash with a random salt.
absl::StatusOr<std::string> HashPassword(absl::string_view password, const PasswordParams& params);
// Constant-time check of password against a hash produced by HashPassword.
bool VerifyPassword(absl::string_view password, const std::string& hash);
// Whether hash was made with other parameters than params (re-hash after a successful login).
bool NeedsRehash(const std::string& hash, const PasswordParams& params);
// A hash that matches no password, verified against when a user does not exist so that
// unknown and known usernames take the same time.
const std::string& DummyHash(const PasswordParams& params);

// The rules for a new password: 8 to 128 characters, not the username. Returns a
// description of what is wrong, or "" when it is acceptable.
std::string PasswordProblem(absl::string_view password, absl::string_view username);

// 32 random bytes in unpadded base64url (refresh tokens, client secrets).
std::string RandomToken();
// SHA-256 of a token, as stored.
std::string TokenHash(absl::string_view token);

}  // namespace crm::auth_service
