#include "services/auth/src/sessions.h"

#include "absl/strings/str_cat.h"
#include "crm/auth/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/proto_time/proto_time.h"
#include "libs/status/field_violations.h"
#include "libs/validation/text.h"
#include "services/auth/src/convert.h"
#include "services/auth/src/repository.h"

namespace crm::auth_service {
namespace {

// The one answer to a sign-in that is refused before the password is known to be right: an
// unknown user, a wrong password and a locked account look the same, so the answers do not tell
// which usernames exist.
constexpr char kBadCredentials[] =
    "invalid username or password, or too many failed sign-ins: try again later";
// Service accounts are never locked.
constexpr char kBadClientCredentials[] = "invalid client id or secret";

// A failed step that must still commit what it recorded (failure counts, audit events).
template <typename T>
struct Outcome {
  absl::Status denial;
  T value{};
};

}  // namespace

absl::Status Sessions::ValidateLogin(absl::string_view username, absl::string_view password,
                                     absl::string_view username_field,
                                     absl::string_view password_field) {
  Violations v;
  if (validation::Required(v, username_field, username)) {
    validation::MaxChars(v, username_field, username, 64);
  }
  if (password.empty()) {
    v.Add(std::string(password_field), "is required");
  } else if (password.size() > 1024) {
    v.Add(std::string(password_field), "must be at most 1024 bytes");
  }
  return v.ToStatus();
}

void Sessions::CountAttempt(db::Tx& tx, LoginAttempt& attempt, const RequestMeta& meta) const {
  // A service account's secret is random (256 bits), so guessing it is hopeless; locking it
  // would only let a stranger's five wrong secrets stop a consumer. The per-peer sign-in limit
  // bounds the attempts instead.
  if (!attempt.credentials || attempt.credentials->service_account) return;
  const std::string& user_id = attempt.credentials->user_id;
  std::optional<FailedLogin> counted =
      Repository::CountAttempt(tx, user_id, config_.max_failed_logins, config_.lockout);
  if (!counted) {
    attempt.locked = true;
    attempt.attempts = attempt.credentials->failed_logins;
    return;
  }
  attempt.attempts = counted->failed_logins;
  if (counted->just_locked) {
    v1::UserLocked e;
    e.set_user_id(user_id);
    if (counted->locked_until) {
      proto_time::SetTimestamp(*counted->locked_until, e.mutable_lock_expire_time());
    }
    outbox_->Append(tx, {"auth.user.locked", "user", user_id, &e, meta.actor_id, meta.request_id});
  }
}

absl::StatusOr<LoginAttempt> Sessions::BeginLogin(db::Conn& conn, const std::string& username,
                                                  const RequestMeta& meta) const {
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<LoginAttempt> {
    LoginAttempt attempt;
    attempt.username = username;
    attempt.credentials = Repository::FindCredentialsByName(tx, username);
    CountAttempt(tx, attempt, meta);
    return attempt;
  });
}

PasswordCheck Sessions::CheckPassword(const LoginAttempt& attempt,
                                      absl::string_view password) const {
  PasswordCheck check;
  if (attempt.locked || !attempt.credentials) {
    // Same work as for an account that may sign in, so response time does not tell whether it
    // exists or is locked.
    VerifyPassword(password, DummyHash(config_.password));
    return check;
  }
  check.verified_hash = attempt.credentials->password_hash;
  check.ok = VerifyPassword(password, check.verified_hash);
  if (check.ok && NeedsRehash(check.verified_hash, config_.password)) {
    auto rehashed = HashPassword(password, config_.password);
    if (rehashed.ok()) check.new_hash = *rehashed;
  }
  return check;
}

absl::StatusOr<LoginResult> Sessions::FinishLogin(db::Conn& conn, const LoginAttempt& attempt,
                                                  const PasswordCheck& check, LoginKind kind,
                                                  const RequestMeta& meta) const {
  const bool want_service = kind == LoginKind::kServiceAccount;
  const char* const refused = want_service ? kBadClientCredentials : kBadCredentials;
  auto outcome = conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Outcome<LoginResult>> {
    Outcome<LoginResult> out;
    auto fail = [&](const std::string& reason, const std::string& user_id, int failures,
                    absl::Status denial) {
      v1::LoginFailed e;
      e.set_username(attempt.username);
      e.set_user_id(user_id);
      e.set_reason(reason);
      e.set_peer(meta.peer);
      e.set_consecutive_failures(failures);
      outbox_->Append(
          tx, {"auth.login.failed", "user", user_id.empty() ? attempt.username : user_id, &e,
               meta.actor_id, meta.request_id});
      out.denial = std::move(denial);
      return out;
    };
    const auto& c = attempt.credentials;
    if (!c || c->service_account != want_service) {
      return fail("unknown_user", "", 0, absl::UnauthenticatedError(refused));
    }
    if (attempt.locked) {
      return fail("locked", c->user_id, attempt.attempts, absl::UnauthenticatedError(refused));
    }
    if (!check.ok) {
      // Already counted (and the account locked at the limit) by BeginLogin.
      return fail("bad_credentials", c->user_id, attempt.attempts,
                  absl::UnauthenticatedError(refused));
    }
    if (!c->active) {
      return fail("disabled", c->user_id, attempt.attempts,
                  absl::UnauthenticatedError("account is disabled"));
    }
    if (!Repository::RecordSuccessfulLogin(tx, c->user_id, check.verified_hash, check.new_hash)) {
      // The password changed between reading and now; the one checked is no longer valid.
      return fail("bad_credentials", c->user_id, attempt.attempts,
                  absl::UnauthenticatedError(refused));
    }
    std::optional<User> user = Repository::FindUser(tx, c->user_id);  // under the row lock
    if (!user) return absl::InternalError("user vanished during sign-in");
    if (!user->active) {  // disabled while the password was checked
      return fail("disabled", c->user_id, attempt.attempts,
                  absl::UnauthenticatedError("account is disabled"));
    }
    if (want_service) {
      auto tokens = IssueAccessToken(tx, user->id, user->username, true);
      if (!tokens.ok()) return tokens.status();
      out.value.tokens = *std::move(tokens);
      v1::ServiceTokenIssued e;
      e.set_user_id(user->id);
      e.set_client_id(user->username);
      outbox_->Append(tx, {"auth.service_account.token_issued", "user", user->id, &e, user->id,
                           meta.request_id});
    } else {
      auto tokens = IssueTokens(tx, *user, ids::NewUuidV7());
      if (!tokens.ok()) return tokens.status();
      out.value.tokens = *std::move(tokens);
      v1::LoginSucceeded e;
      e.set_user_id(user->id);
      e.set_username(user->username);
      e.set_peer(meta.peer);
      outbox_->Append(tx,
                      {"auth.login.succeeded", "user", user->id, &e, user->id, meta.request_id});
    }
    out.value.user = *std::move(user);
    return out;
  });
  if (!outcome.ok()) return outcome.status();
  if (!outcome->denial.ok()) return outcome->denial;
  return std::move(outcome->value);
}

absl::StatusOr<LoginResult> Sessions::Login(db::Conn& conn, const std::string& username,
                                            absl::string_view password, LoginKind kind,
                                            const RequestMeta& meta) const {
  auto attempt = BeginLogin(conn, username, meta);
  if (!attempt.ok()) return attempt.status();
  return FinishLogin(conn, *attempt, CheckPassword(*attempt, password), kind, meta);
}

absl::StatusOr<TokenPair> Sessions::IssueAccessToken(db::Tx& tx, const std::string& user_id,
                                                     const std::string& username,
                                                     bool service_account) const {
  Grants grants = Repository::LoadGrants(tx, user_id);
  auth::Principal p;
  p.user_id = user_id;
  p.username = username;
  p.service_account = service_account;
  p.roles = std::move(grants.roles);
  p.permissions = std::move(grants.permissions);
  p.department_id = std::move(grants.department_id);
  p.scope = grants.scope;
  p.department_tree = std::move(grants.department_tree);
  p.token_id = ids::NewUuidV7();
  p.issued_at = absl::Now();
  p.expires_at = p.issued_at + config_.access_ttl;
  auto token = signer_->Sign(p);
  if (!token.ok()) return token.status();
  TokenPair out;
  out.access_token = *std::move(token);
  out.access_expires_at = p.expires_at;
  return out;
}

absl::StatusOr<TokenPair> Sessions::IssueTokens(db::Tx& tx, const User& user,
                                                const std::string& family_id) const {
  auto out = IssueAccessToken(tx, user.id, user.username, user.service_account);
  if (!out.ok()) return out;
  out->refresh_token = RandomToken();
  out->refresh_expires_at = absl::Now() + config_.refresh_ttl;
  Repository::InsertRefreshToken(tx, ids::NewUuidV7(), family_id, user.id,
                                 TokenHash(out->refresh_token), out->refresh_expires_at);
  return out;
}

absl::StatusOr<TokenPair> Sessions::Refresh(db::Conn& conn, absl::string_view refresh_token,
                                            const RequestMeta& meta) const {
  if (refresh_token.empty()) return InvalidField("refresh_token", "is required");
  if (refresh_token.size() > 256) return InvalidField("refresh_token", "is malformed");
  const std::string hash = TokenHash(refresh_token);
  auto outcome = conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Outcome<TokenPair>> {
    Outcome<TokenPair> out;
    std::optional<RefreshTokenRow> row = Repository::LockRefreshToken(tx, hash);
    if (!row) {
      out.denial = absl::UnauthenticatedError("invalid refresh token");
      return out;
    }
    auto revoke = [&](const std::string& reason) {
      Repository::RevokeFamily(tx, row->family_id, reason);
      v1::SessionRevoked e;
      e.set_user_id(row->user_id);
      e.set_reason(reason);
      outbox_->Append(
          tx, {"auth.session.revoked", "user", row->user_id, &e, row->user_id, meta.request_id});
    };
    if (row->revoked) {
      out.denial = absl::UnauthenticatedError("refresh token revoked; sign in again");
      return out;
    }
    if (row->used) {
      // Someone presents a token that was already exchanged: either it was stolen or the
      // client is confused. Either way the session is no longer trustworthy.
      revoke("refresh_reuse");
      out.denial = absl::UnauthenticatedError("refresh token already used; sign in again");
      return out;
    }
    if (row->expires_at <= absl::Now()) {
      out.denial = absl::UnauthenticatedError("refresh token expired; sign in again");
      return out;
    }
    std::optional<User> user = Repository::FindUser(tx, row->user_id);
    if (!user || !user->active) {
      revoke("user_disabled");
      out.denial = absl::UnauthenticatedError("account is disabled");
      return out;
    }
    Repository::MarkRefreshTokenUsed(tx, row->id);
    auto tokens = IssueTokens(tx, *user, row->family_id);
    if (!tokens.ok()) return tokens.status();
    out.value = *std::move(tokens);
    return out;
  });
  if (!outcome.ok()) return outcome.status();
  if (!outcome->denial.ok()) return outcome->denial;
  return std::move(outcome->value);
}

absl::Status Sessions::Logout(db::Conn& conn, absl::string_view refresh_token,
                              const RequestMeta& meta) const {
  if (refresh_token.empty()) return InvalidField("refresh_token", "is required");
  if (refresh_token.size() > 256) return InvalidField("refresh_token", "is malformed");
  const std::string hash = TokenHash(refresh_token);
  return conn.Transact([&](db::Tx& tx) -> absl::Status {
    std::optional<RefreshTokenRow> row = Repository::LockRefreshToken(tx, hash);
    if (!row || row->revoked) return absl::OkStatus();
    Repository::RevokeFamily(tx, row->family_id, "logout");
    v1::SessionRevoked e;
    e.set_user_id(row->user_id);
    e.set_reason("logout");
    outbox_->Append(
        tx, {"auth.session.revoked", "user", row->user_id, &e, row->user_id, meta.request_id});
    return absl::OkStatus();
  });
}

absl::Status Sessions::ValidatePasswordChange(absl::string_view current, absl::string_view next,
                                              absl::string_view username) {
  Violations v;
  if (current.empty()) v.Add("current_password", "is required");
  if (current.size() > 1024) v.Add("current_password", "must be at most 1024 bytes");
  if (std::string problem = PasswordProblem(next, username); !problem.empty()) {
    v.Add("new_password", problem);
  } else if (next == current) {
    v.Add("new_password", "must differ from the current password");
  }
  return v.ToStatus();
}

absl::StatusOr<LoginAttempt> Sessions::BeginPasswordChange(db::Conn& conn,
                                                           const std::string& user_id,
                                                           const RequestMeta& meta) const {
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<LoginAttempt> {
    LoginAttempt attempt;
    attempt.credentials = Repository::FindCredentialsById(tx, user_id);
    if (!attempt.credentials) return absl::NotFoundError("user not found");
    attempt.username = attempt.credentials->username;
    // Wrong current passwords count towards the lockout like failed sign-ins.
    CountAttempt(tx, attempt, meta);
    return attempt;
  });
}

PasswordCheck Sessions::CheckPasswordChange(const LoginAttempt& attempt, absl::string_view current,
                                            absl::string_view next) const {
  PasswordCheck check = CheckPassword(attempt, current);
  check.new_hash.clear();
  if (check.ok) {
    auto hashed = HashPassword(next, config_.password);
    if (hashed.ok()) {
      check.new_hash = *hashed;
    } else {
      check.ok = false;
    }
  }
  return check;
}

absl::Status Sessions::FinishPasswordChange(db::Conn& conn, const LoginAttempt& attempt,
                                            const PasswordCheck& check,
                                            const RequestMeta& meta) const {
  const Credentials& c = *attempt.credentials;
  auto outcome = conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Outcome<bool>> {
    Outcome<bool> out;
    if (attempt.locked) {
      out.denial = absl::FailedPreconditionError(
          "account is locked after repeated failed sign-ins; try again later");
      return out;
    }
    if (!check.ok) {
      out.denial = InvalidField("current_password", "is not the current password");
      return out;
    }
    if (!Repository::SetPassword(tx, c.user_id, check.new_hash, check.verified_hash)) {
      return absl::AbortedError("the password was changed concurrently; retry");
    }
    Repository::RevokeUserSessions(tx, c.user_id, "password_changed");
    v1::PasswordChanged changed;
    changed.set_user_id(c.user_id);
    outbox_->Append(
        tx, {"auth.password.changed", "user", c.user_id, &changed, meta.actor_id, meta.request_id});
    v1::SessionRevoked revoked;
    revoked.set_user_id(c.user_id);
    revoked.set_reason("password_changed");
    outbox_->Append(
        tx, {"auth.session.revoked", "user", c.user_id, &revoked, meta.actor_id, meta.request_id});
    return out;
  });
  if (!outcome.ok()) return outcome.status();
  return outcome->denial;
}

}  // namespace crm::auth_service
