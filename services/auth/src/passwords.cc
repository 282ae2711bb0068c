#include "services/auth/src/passwords.h"

#include <sodium.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "libs/validation/text.h"

namespace crm::auth_service {

absl::Status InitPasswords() {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  return absl::OkStatus();
}

absl::StatusOr<std::string> HashPassword(absl::string_view password, const PasswordParams& params) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.ops, params.memory_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("password hashing ran out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(absl::string_view password, const std::string& hash) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool NeedsRehash(const std::string& hash, const PasswordParams& params) {
  return crypto_pwhash_str_needs_rehash(hash.c_str(), params.ops, params.memory_bytes) != 0;
}

const std::string& DummyHash(const PasswordParams& params) {
  static std::once_flag once;
  static std::string* hash = nullptr;
  std::call_once(once, [&] { hash = new std::string(*HashPassword(RandomToken(), params)); });
  return *hash;
}

std::string PasswordProblem(absl::string_view password, absl::string_view username) {
  if (!validation::IsValidUtf8(password)) return "must be valid UTF-8";
  const size_t chars = validation::Utf8Length(password);
  if (chars < 8) return "must be at least 8 characters";
  if (chars > 128) return "must be at most 128 characters";
  if (!username.empty() && absl::EqualsIgnoreCase(password, username)) {
    return "must not be the username";
  }
  return "";
}

std::string RandomToken() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string TokenHash(absl::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace crm::auth_service
