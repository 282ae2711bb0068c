// Access tokens as an attacker sends them: the verifier must refuse anything it did not sign,
// without crashing, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/auth/tokens.h"

namespace {

const crm::auth::TokenVerifier& Verifier() {
  static const auto* verifier = [] {
    auto signer =
        crm::auth::TokenSigner::Create("k1", *crm::auth::GenerateSigningKeyPem(), "iss", "aud");
    auto* v = new crm::auth::TokenVerifier({"iss", "aud", absl::Seconds(30), 0});
    (void)v->AddKey("k1", (*signer)->public_key_pem());
    return v;
  }();
  return *verifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  if (Verifier().Verify(input).ok()) __builtin_trap();  // only our key signs
  // The same bytes as the payload of a token with a well-formed header.
  const std::string token = absl::StrCat(
      absl::WebSafeBase64Escape(R"({"alg":"ES256","typ":"JWT","kid":"k1"})"), ".",
      absl::WebSafeBase64Escape(input), ".", absl::WebSafeBase64Escape(input.substr(0, 64)));
  if (Verifier().Verify(token).ok()) __builtin_trap();
  return 0;
}
