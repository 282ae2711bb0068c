#include "services/auth/src/passwords.h"

#include <sodium.h>

#include <algorithm>
#include <mutex>

#include "absl/container/flat_hash_set.h"
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

namespace {

// Passwords of eight characters or more that lead the published lists of leaked passwords,
// Chinese sites' included (pinyin, QQ numbers, keyboard walks), lower-cased.
bool Common(absl::string_view password) {
  static const auto* common = new absl::flat_hash_set<std::string>{
      "12345678",    "123456789",  "1234567890", "123123123",  "11111111",  "00000000",
      "88888888",    "66666666",   "87654321",   "11223344",   "12341234",  "147258369",
      "123456abc",   "abc12345",   "abcd1234",   "a1234567",   "a12345678", "a123456789",
      "aa123456",    "qq123456",   "q1w2e3r4",   "1q2w3e4r",   "1qaz2wsx",  "qwertyui",
      "qwerty123",   "qwe123456",  "asdfghjk",   "zxcvbnm1",   "password",  "password1",
      "password123", "passw0rd",   "p@ssw0rd",   "admin123",   "admin1234", "administrator",
      "iloveyou",    "woaini1314", "woaini520",  "5201314520", "13145200",  "iloveyou1",
      "sunshine",    "princess",   "football",   "baseball",   "welcome1",  "letmein1",
      "trustno1",    "dragon123",  "monkey123",  "superman",   "changeme",  "default1",
      "qazwsxedc",   "zaq12wsx",   "!qaz2wsx",   "1q2w3e4r5t", "asdf1234",  "zhang123",
      "wang1234",    "li123456",   "huawei123",  "abc123456",  "aaaaaaaa",  "12qwaszx"};
  return common->contains(absl::AsciiStrToLower(password));
}

}  // namespace

std::string PasswordProblem(absl::string_view password, absl::string_view username) {
  if (!validation::IsValidUtf8(password)) return "must be valid UTF-8";
  const size_t chars = validation::Utf8Length(password);
  if (chars < 8) return "must be at least 8 characters";
  if (chars > 128) return "must be at most 128 characters";
  if (username.size() >= 3 &&
      absl::StrContains(absl::AsciiStrToLower(password), absl::AsciiStrToLower(username))) {
    return "must not contain the username";
  }
  if (Common(password)) return "is one of the most common passwords; choose another";
  // One character repeated: the text is its first character (of however many bytes) over
  // and over.
  const size_t first = password.size() / chars;
  bool repeated = password.size() % chars == 0;
  for (size_t i = first; repeated && i < password.size(); i += first) {
    repeated = password.substr(i, first) == password.substr(0, first);
  }
  if (repeated) return "must not be one character repeated";
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
