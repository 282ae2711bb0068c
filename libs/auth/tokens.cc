#include "libs/auth/tokens.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace crm::auth {
namespace {

using Json = nlohmann::json;

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid access token: ", why));
}

PkeyPtr ReadPrivateKey(absl::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return PkeyPtr(key);
}

PkeyPtr ReadPublicKey(absl::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return PkeyPtr(key);
}

bool IsP256(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64];
  size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len)) return false;
  return absl::string_view(group, len) == "prime256v1";
}

std::string PemOfPublicKey(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string B64(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

Json StringArray(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

// Reads an array of strings claim; false if present but not an array of strings.
bool ReadStrings(const Json& payload, const char* name, std::vector<std::string>* out) {
  auto it = payload.find(name);
  if (it == payload.end()) return true;
  if (!it->is_array()) return false;
  for (const auto& v : *it) {
    if (!v.is_string()) return false;
    out->push_back(v.get<std::string>());
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> GenerateSigningKeyPem() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return absl::InternalError("EC key generation failed");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

absl::StatusOr<std::string> PublicKeyPemOf(absl::string_view private_key_pem) {
  PkeyPtr key = ReadPrivateKey(private_key_pem);
  if (!key) return absl::InvalidArgumentError("not a PEM private key");
  return PemOfPublicKey(key.get());
}

struct TokenSigner::Key {
  PkeyPtr pkey;
};

TokenSigner::~TokenSigner() = default;

absl::StatusOr<std::unique_ptr<TokenSigner>> TokenSigner::Create(std::string key_id,
                                                                 absl::string_view private_key_pem,
                                                                 std::string issuer,
                                                                 std::string audience) {
  PkeyPtr pkey = ReadPrivateKey(private_key_pem);
  if (!pkey) return absl::InvalidArgumentError("signing key is not a PEM private key");
  if (!IsP256(pkey.get())) {
    return absl::InvalidArgumentError("signing key must be an EC P-256 key (ES256)");
  }
  if (key_id.empty()) return absl::InvalidArgumentError("signing key id is empty");
  std::unique_ptr<TokenSigner> signer(new TokenSigner());
  signer->key_id_ = std::move(key_id);
  signer->issuer_ = std::move(issuer);
  signer->audience_ = std::move(audience);
  signer->public_key_pem_ = PemOfPublicKey(pkey.get());
  signer->key_ = std::make_unique<Key>(Key{std::move(pkey)});
  return signer;
}

absl::StatusOr<std::string> TokenSigner::Sign(const Principal& p) const {
  Json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"kid", key_id_}};
  Json payload = {
      {"iss", issuer_},
      {"aud", audience_},
      {"sub", p.user_id},
      {"iat", absl::ToUnixSeconds(p.issued_at)},
      {"exp", absl::ToUnixSeconds(p.expires_at)},
      {"jti", p.token_id},
      {"name", p.username},
      {"kind", p.service_account ? "service" : "human"},
      {"roles", StringArray(p.roles)},
      {"perms", StringArray(p.permissions)},
      {"dept", p.department_id},
      {"scope", std::string(DataScopeName(p.scope))},
  };
  if (p.scope == DataScope::kDepartment) payload["dept_tree"] = StringArray(p.department_tree);
  const std::string signing_input = B64(header.dump()) + "." + B64(payload.dump());

  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  size_t der_len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return absl::InternalError("token signing failed");
  }
  std::string der(der_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return absl::InternalError("token signing failed");
  }
  // JWS wants the raw 64-byte r||s, not OpenSSL's DER encoding.
  const unsigned char* p_der = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p_der, static_cast<long>(der_len));
  if (sig == nullptr) return absl::InternalError("token signing failed");
  unsigned char raw[64];
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32);
  ECDSA_SIG_free(sig);
  return signing_input + "." + B64(absl::string_view(reinterpret_cast<char*>(raw), 64));
}

struct TokenVerifier::Key {
  PkeyPtr pkey;
};

TokenVerifier::TokenVerifier(Options options) : options_(std::move(options)) {}
TokenVerifier::~TokenVerifier() = default;

absl::Status TokenVerifier::AddKey(const std::string& key_id, absl::string_view public_key_pem) {
  PkeyPtr pkey = ReadPublicKey(public_key_pem);
  if (!pkey) {
    // Accept a private key file too, using only its public half.
    PkeyPtr priv = ReadPrivateKey(public_key_pem);
    if (priv) pkey = ReadPublicKey(PemOfPublicKey(priv.get()));
  }
  if (!pkey) return absl::InvalidArgumentError(absl::StrCat("key ", key_id, " is not a PEM key"));
  if (!IsP256(pkey.get())) {
    return absl::InvalidArgumentError(absl::StrCat("key ", key_id, " is not an EC P-256 key"));
  }
  keys_[key_id] = std::make_unique<Key>(Key{std::move(pkey)});
  return absl::OkStatus();
}

absl::Status TokenVerifier::AddKeysFromSpec(absl::string_view spec) {
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    std::string key_id;
    std::string path;
    if (size_t eq = item.find('='); eq != absl::string_view::npos) {
      key_id = std::string(item.substr(0, eq));
      path = std::string(item.substr(eq + 1));
    } else {
      path = std::string(item);
      absl::string_view base = path;
      if (size_t slash = base.rfind('/'); slash != absl::string_view::npos) {
        base = base.substr(slash + 1);
      }
      key_id = std::string(base.substr(0, base.find('.')));
    }
    std::ifstream in(path);
    if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read key file ", path));
    std::stringstream pem;
    pem << in.rdbuf();
    if (absl::Status s = AddKey(key_id, pem.str()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

size_t TokenVerifier::key_count() const { return keys_.size(); }

absl::StatusOr<std::shared_ptr<const Principal>> TokenVerifier::Verify(
    absl::string_view token) const {
  return Verify(token, absl::Now());
}

absl::StatusOr<std::shared_ptr<const Principal>> TokenVerifier::Verify(absl::string_view token,
                                                                       absl::Time now) const {
  if (options_.cache_size == 0) return VerifyUncached(token, now);
  Shard& shard = shards_[absl::Hash<absl::string_view>()(token) % kShards];
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.entries.find(token);
    if (it != shard.entries.end()) {
      if (now <= it->second->expires_at + options_.leeway) return it->second;
      shard.entries.erase(it);
      return Unauthenticated("expired");
    }
  }
  auto verified = VerifyUncached(token, now);
  if (!verified.ok()) return verified;
  std::lock_guard<std::mutex> lock(shard.mu);
  // A full shard starts over: cheap, and tokens in use come back on their next call.
  if (shard.entries.size() >= options_.cache_size / kShards + 1) shard.entries.clear();
  shard.entries.emplace(std::string(token), *verified);
  return verified;
}

absl::StatusOr<std::shared_ptr<const Principal>> TokenVerifier::VerifyUncached(
    absl::string_view token, absl::Time now) const {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Unauthenticated("malformed");
  std::string header_json, payload_json, signature;
  if (!absl::WebSafeBase64Unescape(parts[0], &header_json) ||
      !absl::WebSafeBase64Unescape(parts[1], &payload_json) ||
      !absl::WebSafeBase64Unescape(parts[2], &signature)) {
    return Unauthenticated("malformed");
  }
  Json header = Json::parse(header_json, nullptr, /*allow_exceptions=*/false);
  Json payload = Json::parse(payload_json, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || !payload.is_object()) return Unauthenticated("malformed");
  // Only ES256: never "none", never an algorithm chosen by the token against our key type.
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || *alg != "ES256") {
    return Unauthenticated("unsupported algorithm");
  }
  const Key* key = nullptr;
  auto kid = header.find("kid");
  if (kid != header.end() && kid->is_string()) {
    auto it = keys_.find(kid->get<std::string>());
    if (it != keys_.end()) key = it->second.get();
  } else if (kid == header.end() && keys_.size() == 1) {
    key = keys_.begin()->second.get();
  }
  if (key == nullptr) return Unauthenticated("unknown signing key");
  if (signature.size() != 64) return Unauthenticated("bad signature");

  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()) + 32, 32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (der_len <= 0) return Unauthenticated("bad signature");
  const size_t signed_len = parts[0].size() + 1 + parts[1].size();
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  const bool valid =
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->pkey.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), der, static_cast<size_t>(der_len),
                       reinterpret_cast<const unsigned char*>(token.data()), signed_len) == 1;
  OPENSSL_free(der);
  if (!valid) return Unauthenticated("bad signature");

  auto str = [&](const char* name) -> std::string {
    auto it = payload.find(name);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto num = [&](const char* name, int64_t* out) {
    auto it = payload.find(name);
    if (it == payload.end() || !it->is_number()) return false;
    *out = it->get<int64_t>();
    return true;
  };
  if (str("iss") != options_.issuer) return Unauthenticated("wrong issuer");
  bool audience_ok = false;
  if (auto aud = payload.find("aud"); aud != payload.end()) {
    if (aud->is_string()) {
      audience_ok = *aud == options_.audience;
    } else if (aud->is_array()) {
      for (const auto& a : *aud) audience_ok |= a.is_string() && a == options_.audience;
    }
  }
  if (!audience_ok) return Unauthenticated("wrong audience");
  int64_t exp = 0, iat = 0, nbf = 0;
  if (!num("exp", &exp)) return Unauthenticated("no expiry");
  if (now > absl::FromUnixSeconds(exp) + options_.leeway) return Unauthenticated("expired");
  if (num("nbf", &nbf) && now + options_.leeway < absl::FromUnixSeconds(nbf)) {
    return Unauthenticated("not yet valid");
  }
  num("iat", &iat);

  auto p = std::make_shared<Principal>();
  p->user_id = str("sub");
  if (p->user_id.empty()) return Unauthenticated("no subject");
  p->username = str("name");
  p->service_account = str("kind") == "service";
  p->department_id = str("dept");
  p->token_id = str("jti");
  p->issued_at = absl::FromUnixSeconds(iat);
  p->expires_at = absl::FromUnixSeconds(exp);
  if (!ParseDataScope(str("scope"), &p->scope)) p->scope = DataScope::kNone;
  if (!ReadStrings(payload, "roles", &p->roles) ||
      !ReadStrings(payload, "perms", &p->permissions) ||
      !ReadStrings(payload, "dept_tree", &p->department_tree)) {
    return Unauthenticated("malformed claims");
  }
  std::sort(p->permissions.begin(), p->permissions.end());
  return std::shared_ptr<const Principal>(std::move(p));
}

}  // namespace crm::auth
