#pragma once
// Access tokens: JWTs signed with ES256 (ECDSA P-256, SHA-256).
//
// The auth service signs with its private key; every other service verifies with public keys
// only. Several public keys may be trusted at once, told apart by the "kid" header, so keys
// can be rotated without downtime.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/principal.h"

namespace crm::auth {

// A new P-256 private key in PKCS#8 PEM (for tests and explicit dev mode only).
absl::StatusOr<std::string> GenerateSigningKeyPem();
// The SubjectPublicKeyInfo PEM of a private key PEM.
absl::StatusOr<std::string> PublicKeyPemOf(absl::string_view private_key_pem);

class TokenSigner {
 public:
  static absl::StatusOr<std::unique_ptr<TokenSigner>> Create(std::string key_id,
                                                             absl::string_view private_key_pem,
                                                             std::string issuer,
                                                             std::string audience);
  ~TokenSigner();

  // A token carrying the principal's claims, valid from principal.issued_at until
  // principal.expires_at, with jti principal.token_id.
  absl::StatusOr<std::string> Sign(const Principal& principal) const;
  const std::string& key_id() const { return key_id_; }
  const std::string& public_key_pem() const { return public_key_pem_; }

 private:
  struct Key;
  TokenSigner() = default;
  std::string key_id_;
  std::string issuer_;
  std::string audience_;
  std::string public_key_pem_;
  std::unique_ptr<Key> key_;
};

class TokenVerifier {
 public:
  struct Options {
    std::string issuer;
    std::string audience;
    // Tolerated clock difference between the signer and us.
    absl::Duration leeway = absl::Seconds(30);
    // Verified tokens remembered so a repeated token costs a hash lookup, not an ECDSA
    // verification (tens of microseconds). 0 disables the cache.
    size_t cache_size = 100000;
  };

  explicit TokenVerifier(Options options);
  ~TokenVerifier();

  // Trusts tokens whose "kid" is key_id and whose signature checks with this public key.
  absl::Status AddKey(const std::string& key_id, absl::string_view public_key_pem);
  // Loads "kid=path,kid=path" or a single "path" (kid taken from the file name without
  // extension) of PEM files.
  absl::Status AddKeysFromSpec(absl::string_view spec);
  size_t key_count() const;

  // The principal of a valid token, or UNAUTHENTICATED saying what is wrong with it.
  absl::StatusOr<std::shared_ptr<const Principal>> Verify(absl::string_view token) const;
  absl::StatusOr<std::shared_ptr<const Principal>> Verify(absl::string_view token,
                                                          absl::Time now) const;

 private:
  struct Key;
  absl::StatusOr<std::shared_ptr<const Principal>> VerifyUncached(absl::string_view token,
                                                                  absl::Time now) const;
  Options options_;
  std::map<std::string, std::unique_ptr<Key>> keys_;

  static constexpr int kShards = 16;
  struct Shard {
    std::mutex mu;
    absl::flat_hash_map<std::string, std::shared_ptr<const Principal>> entries;
  };
  mutable Shard shards_[kShards];
};

}  // namespace crm::auth
