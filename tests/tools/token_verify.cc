// crm-token-verify: checks an access token with nothing but the auth service's public key,
// as every other service does. Prints the token's subject and permissions; exits 1 if invalid.
//
//   crm-token-verify --public-key=auth-1.pub.pem [--issuer=crm-auth] [--audience=crm] <token>

#include <cstdio>
#include <string>

#include "absl/strings/str_join.h"
#include "libs/auth/tokens.h"

int main(int argc, char** argv) {
  std::string keys, issuer = "crm-auth", audience = "crm", token;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--public-key=", 0) == 0) {
      keys = arg.substr(13);
    } else if (arg.rfind("--issuer=", 0) == 0) {
      issuer = arg.substr(9);
    } else if (arg.rfind("--audience=", 0) == 0) {
      audience = arg.substr(11);
    } else {
      token = arg;
    }
  }
  if (keys.empty() || token.empty()) {
    std::fputs("usage: crm-token-verify --public-key=[kid=]path[,…] <token>\n", stderr);
    return 2;
  }
  crm::auth::TokenVerifier verifier({issuer, audience, absl::Seconds(30), 0});
  if (auto s = verifier.AddKeysFromSpec(keys); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  auto principal = verifier.Verify(token);
  if (!principal.ok()) {
    std::fprintf(stderr, "%s\n", principal.status().ToString().c_str());
    return 1;
  }
  std::printf("valid: sub=%s name=%s scope=%s perms=%s\n", (*principal)->user_id.c_str(),
              (*principal)->username.c_str(),
              std::string(crm::auth::DataScopeName((*principal)->scope)).c_str(),
              absl::StrJoin((*principal)->permissions, ",").c_str());
  return 0;
}
