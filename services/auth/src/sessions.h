#pragma once
// Sign-in, token refresh, sign-out, password change and the client-credentials exchange.
//
// A sign-in has three steps so that the slow part, argon2id, runs on a CPU thread and holds
// no database session: read the account (database), check the password (CPU), record the
// outcome and issue tokens (database, one transaction). Login() runs all three in a row.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/tokens.h"
#include "libs/db/conn.h"
#include "libs/events/outbox.h"
#include "services/auth/src/model.h"
#include "services/auth/src/passwords.h"

namespace crm::auth_service {

struct SessionConfig {
  absl::Duration access_ttl = absl::Minutes(15);
  absl::Duration refresh_ttl = absl::Hours(24 * 14);
  int max_failed_logins = 5;
  absl::Duration lockout = absl::Minutes(15);
  PasswordParams password;
};

struct TokenPair {
  std::string access_token;
  absl::Time access_expires_at;
  // Empty for service accounts.
  std::string refresh_token;
  absl::Time refresh_expires_at;
};

struct LoginResult {
  User user;
  TokenPair tokens;
};

enum class LoginKind { kHuman, kServiceAccount };

// Step 1's result: the account, if any, as it was when read.
struct LoginAttempt {
  std::string username;
  std::optional<Credentials> credentials;
  // Locked right now: the password is not checked at all.
  bool locked = false;
  // Attempts since the last success, this one included (counted before the check).
  int attempts = 0;
};

// Step 2's result.
struct PasswordCheck {
  bool ok = false;
  // The hash the password was checked against; the sign-in only succeeds if it is unchanged.
  std::string verified_hash;
  // A new hash when the stored one used weaker parameters, or the new password's hash.
  std::string new_hash;
};

class Sessions {
 public:
  Sessions(const auth::TokenSigner* signer, const events::Outbox* outbox, SessionConfig config)
      : signer_(signer), outbox_(outbox), config_(std::move(config)) {}

  // INVALID_ARGUMENT for a malformed request; otherwise OK (the outcome comes later).
  static absl::Status ValidateLogin(absl::string_view username, absl::string_view password,
                                    absl::string_view username_field,
                                    absl::string_view password_field);

  // Step 1: finds the account and counts the attempt (locking it at the limit) in one atomic
  // statement, so a burst of parallel guesses gets no more checks than the limit allows.
  absl::StatusOr<LoginAttempt> BeginLogin(db::Conn& conn, const std::string& username,
                                          const RequestMeta& meta) const;
  PasswordCheck CheckPassword(const LoginAttempt& attempt, absl::string_view password) const;
  // Records the outcome (a success resets the count) with audit events, and issues tokens.
  // UNAUTHENTICATED for every kind of failure.
  absl::StatusOr<LoginResult> FinishLogin(db::Conn& conn, const LoginAttempt& attempt,
                                          const PasswordCheck& check, LoginKind kind,
                                          const RequestMeta& meta) const;
  absl::StatusOr<LoginResult> Login(db::Conn& conn, const std::string& username,
                                    absl::string_view password, LoginKind kind,
                                    const RequestMeta& meta) const;

  // Rotates a refresh token. A token that was already rotated revokes its whole session.
  absl::StatusOr<TokenPair> Refresh(db::Conn& conn, absl::string_view refresh_token,
                                    const RequestMeta& meta) const;
  // Revokes the session of a refresh token. Unknown or already revoked tokens are fine.
  absl::Status Logout(db::Conn& conn, absl::string_view refresh_token,
                      const RequestMeta& meta) const;

  // Password change for the signed-in user: step 1 and 3; step 2 is CheckPasswordChange.
  static absl::Status ValidatePasswordChange(absl::string_view current, absl::string_view next,
                                             absl::string_view username);
  absl::StatusOr<LoginAttempt> BeginPasswordChange(db::Conn& conn, const std::string& user_id,
                                                   const RequestMeta& meta) const;
  PasswordCheck CheckPasswordChange(const LoginAttempt& attempt, absl::string_view current,
                                    absl::string_view next) const;
  absl::Status FinishPasswordChange(db::Conn& conn, const LoginAttempt& attempt,
                                    const PasswordCheck& check, const RequestMeta& meta) const;

  // A signed access token for the user's current roles and permissions.
  absl::StatusOr<TokenPair> IssueAccessToken(db::Tx& tx, const std::string& user_id,
                                             const std::string& username,
                                             bool service_account) const;

  const SessionConfig& config() const { return config_; }

 private:
  // Counts the attempt on a known account, or marks it locked (see Repository::CountAttempt).
  void CountAttempt(db::Tx& tx, LoginAttempt& attempt, const RequestMeta& meta) const;
  absl::StatusOr<TokenPair> IssueTokens(db::Tx& tx, const User& user,
                                        const std::string& family_id) const;

  const auth::TokenSigner* signer_;
  const events::Outbox* outbox_;
  SessionConfig config_;
};

}  // namespace crm::auth_service
