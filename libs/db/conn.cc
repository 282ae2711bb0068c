#include "libs/db/conn.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/db/notifier.h"
#include "libs/log/log.h"

namespace crm::db {

std::string WithConnectOption(absl::string_view url, absl::string_view key,
                              absl::string_view value) {
  if (absl::StrContains(url, absl::StrCat(key, "="))) return std::string(url);  // the caller's wins
  const bool uri = absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://");
  if (!uri) {
    // Keyword/value form: single-quoted, with \ and ' escaped.
    std::string quoted = "'";
    for (char c : value) {
      if (c == '\\' || c == '\'') quoted.push_back('\\');
      quoted.push_back(c);
    }
    quoted.push_back('\'');
    return absl::StrCat(url, " ", key, "=", quoted);
  }
  // URI form: percent-encoded.
  std::string encoded;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&encoded, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return absl::StrCat(url, url.find('?') == absl::string_view::npos ? "?" : "&", key, "=", encoded);
}

bool IdleSessionUsable(int socket, absl::FunctionRef<bool()> consume) {
  // The goodbye is an error message and then the end of the stream, which libpq may take in
  // two reads; a bound, in case a setting report keeps arriving.
  for (int reads = 0; reads < 4; ++reads) {
    pollfd p{socket, POLLIN, 0};
    if (socket < 0 || poll(&p, 1, 0) <= 0) return true;
    if (!consume()) return false;
  }
  return true;
}

namespace {

thread_local Conn* transacting = nullptr;
thread_local absl::Time request_deadline = absl::InfiniteFuture();

// The services' roles default to this statement_timeout (deploy/sql/provision-service.sql); a
// deadline further away than that leaves the default alone.
constexpr absl::Duration kRoleStatementTimeout = absl::Seconds(30);

}  // namespace

Conn::Transacting::Transacting(Conn* conn) : previous_(transacting) {
  conn->notify_.clear();
  transacting = conn;
}

Conn::Transacting::~Transacting() { transacting = previous_; }

void NotifyAfterCommit(Tx& tx, const std::string& channel) {
  Conn* c = transacting;
  if (c != nullptr && c->conn_ != nullptr && &tx.conn() == c->conn_.get()) {
    if (std::find(c->notify_.begin(), c->notify_.end(), channel) == c->notify_.end()) {
      c->notify_.push_back(channel);
    }
    return;
  }
  tx.exec("NOTIFY " + tx.quote_name(channel));
}

ScopedDeadline::ScopedDeadline(absl::Time deadline) : previous_(request_deadline) {
  request_deadline = deadline;
}

ScopedDeadline::~ScopedDeadline() { request_deadline = previous_; }

std::string Conn::BeginCommand(Isolation isolation) {
  std::string begin = "BEGIN";
  switch (isolation) {
    case Isolation::kSerializable:
      begin = "BEGIN ISOLATION LEVEL SERIALIZABLE";
      break;
    case Isolation::kRepeatableRead:
      begin = "BEGIN ISOLATION LEVEL REPEATABLE READ";
      break;
    case Isolation::kReadCommitted:
      break;
  }
  const absl::Duration left = request_deadline - absl::Now();
  if (left < kRoleStatementTimeout) {
    // In the same message as BEGIN: no round trip of its own.
    absl::StrAppend(&begin, "; SET LOCAL statement_timeout = ",
                    std::max<int64_t>(1, absl::ToInt64Milliseconds(left)));
  }
  return begin;
}

std::string Conn::CommitCommand(Tx& tx) {
  std::string sql = "COMMIT";
  if (notifier_ != nullptr) return sql;  // HandOverNotifications
  for (const auto& channel : notify_) absl::StrAppend(&sql, "; NOTIFY ", tx.quote_name(channel));
  notify_.clear();
  return sql;
}

void Conn::HandOverNotifications() {
  if (notifier_ != nullptr) {
    for (const auto& channel : notify_) notifier_->Poke(channel);
  }
  notify_.clear();
}

bool Conn::NotificationRefused(const std::exception& e) {
  // program_limit_exceeded: "too many notifications in the NOTIFY queue", raised by the NOTIFY's
  // own transaction; a COMMIT does not raise it.
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  if (sql == nullptr || sql->sqlstate() != "54000") return false;
  log::Warn("notification after commit not sent").Str("error", e.what());
  return true;
}

void Conn::RollBack() {
  notify_.clear();
  if (!is_open()) return;
  try {
    pqxx::nontransaction n(*conn_);
    n.exec("ROLLBACK");
  } catch (const std::exception& e) {
    if (IsConnectionLost(e)) conn_.reset();
  }
}

Conn::Conn(std::string url, int max_attempts) : url_(std::move(url)), max_attempts_(max_attempts) {}

Conn::~Conn() = default;

bool Conn::is_open() const { return conn_ != nullptr && conn_->is_open(); }

void Conn::Reset() { conn_.reset(); }

absl::Status Conn::EnsureOpen() {
  if (is_open() && !IdleSessionUsable(conn_->sock(), [&] {
        try {
          conn_->get_notifs();  // reads what arrived; throws when it was the session's end
          return conn_->is_open();
        } catch (const std::exception&) {
          return false;
        }
      })) {
    log::Info("database session closed by the server; reconnecting");
    conn_.reset();
  }
  if (is_open()) return absl::OkStatus();
  conn_.reset();
  try {
    conn_ = std::make_unique<pqxx::connection>(url_);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    log::Warn("database connect failed").Str("error", e.what());
    return absl::UnavailableError("database unavailable");
  }
}

absl::Status Conn::Fail(const std::exception& e) {
  if (IsConnectionLost(e) || (conn_ && !conn_->is_open())) conn_.reset();
  return StatusFromException(e);
}

void Conn::BackOff(int attempt) {
  thread_local absl::BitGen gen;
  const int max_ms = 2 << attempt;  // 4, 8, 16 … ms, randomised so retries spread out
  std::this_thread::sleep_for(std::chrono::milliseconds(absl::Uniform(gen, 1, max_ms)));
}

}  // namespace crm::db
