#pragma once
// One PostgreSQL session, owned by one thread at a time, with transactions that retry on
// serialization failures and map every libpqxx error to absl::Status.

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/db/errors.h"
#include "libs/db/pqxx_traits.h"

namespace crm::db {

class Notifier;

// What repository functions receive: any transaction (or autocommit session).
using Tx = pqxx::transaction_base;

enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

// A prepared statement: a stable name and its SQL. Define them as constants next to the
// repository code that uses them; they are prepared on a session the first time it runs them.
struct Statement {
  absl::string_view name;
  absl::string_view sql;
};

// Runs a prepared statement in tx.
template <typename... Args>
pqxx::result Exec(Tx& tx, const Statement& stmt, Args&&... args) {
  tx.conn().prepare(std::string(stmt.name), std::string(stmt.sql));
  return tx.exec_prepared(std::string(stmt.name), std::forward<Args>(args)...);
}

// Runs a statement unprepared, so that it is planned for its parameters every time: for
// lookups whose best plan depends on the values, or whose kept generic plan could be one made
// while the table was small. Parsed and planned each time, in the same single round trip.
template <typename... Args>
pqxx::result ExecPlanned(Tx& tx, const Statement& stmt, Args&&... args) {
  return tx.exec_params(std::string(stmt.sql), std::forward<Args>(args)...);
}

// Has `NOTIFY channel` sent once tx has committed: after the commit when tx is run by
// Conn::Transact on this thread, at once (inside tx) otherwise. A notification queued inside a
// transaction holds the database's notification lock from before the commit record until it is
// flushed, so transactions that notify would commit one at a time, each waiting for the disk.
// Sent after the commit, a notification can be lost (the session dies in between): it is a
// hint, and listeners must also poll.
void NotifyAfterCommit(Tx& tx, const std::string& channel);

// Whether an idle session (between statements) is still usable. The server only writes to an
// idle session to say goodbye (a restart, pg_terminate_backend, an idle timeout) or, rarely, to
// report a changed setting: while its socket has input, `consume` reads it (one libpq read)
// and returns false once the session is seen closed. A non-blocking poll when there is none.
bool IdleSessionUsable(int socket, absl::FunctionRef<bool()> consume);

// The deadline of the request this thread works for, while the object lives (rpc::Calls sets
// it around a request's database work). Conn::Transact bounds the statements of its
// transaction by what is left of it, so the database stops working for a client that has
// given up; without one, the role's statement_timeout applies.
class ScopedDeadline {
 public:
  explicit ScopedDeadline(absl::Time deadline);
  ~ScopedDeadline();
  ScopedDeadline(const ScopedDeadline&) = delete;
  ScopedDeadline& operator=(const ScopedDeadline&) = delete;

 private:
  absl::Time previous_;
};

// url with one more libpq connection option (keyword/value or URI form alike), unless the
// url already sets it.
std::string WithConnectOption(absl::string_view url, absl::string_view key,
                              absl::string_view value);

class Conn {
 public:
  explicit Conn(std::string url, int max_attempts = 5);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Opens the session if needed (first use, after it was lost, or after the server closed it
  // while idle, e.g. a PostgreSQL restart). UNAVAILABLE on failure.
  absl::Status EnsureOpen();
  bool is_open() const;
  // Drops the session; the next use opens a new one.
  void Reset();
  // The open session; call EnsureOpen first.
  pqxx::connection& raw() { return *conn_; }
  // Hands the notifications transactions ask for (NotifyAfterCommit) to `notifier` after
  // their commit instead of sending them with it (null: sent with it).
  void SetNotifier(Notifier* notifier) { notifier_ = notifier; }

  // Runs fn(Tx&), which returns absl::Status or absl::StatusOr<T>, in a transaction:
  // committed when fn returns OK, rolled back otherwise. The whole of fn is run again on a
  // serialization failure or deadlock, or on a new session when the session turns out lost at
  // BEGIN (before anything of fn was sent), so fn must not have effects outside the database.
  // The transaction block is the session's own (BEGIN … COMMIT sent by Transact), so that the
  // commit and the notifications it asked for (NotifyAfterCommit) go in one message: the
  // NOTIFY runs after the COMMIT, outside the transaction, without a round trip of its own.
  template <typename Fn>
  auto Transact(Fn&& fn, Isolation isolation = Isolation::kReadCommitted)
      -> decltype(fn(std::declval<Tx&>()));

  // Runs fn(Tx&) without a transaction block: each statement commits on its own. For
  // single-statement reads, where BEGIN/COMMIT would only add round trips.
  template <typename Fn>
  auto Read(Fn&& fn) -> decltype(fn(std::declval<Tx&>()));

 private:
  friend void NotifyAfterCommit(Tx& tx, const std::string& channel);
  // Marks this Conn as running a Transact body on this thread, for NotifyAfterCommit.
  class Transacting {
   public:
    explicit Transacting(Conn* conn);
    ~Transacting();

   private:
    Conn* previous_;
  };

  // BEGIN, and the statement timeout of the thread's deadline (ScopedDeadline).
  static std::string BeginCommand(Isolation isolation);
  // COMMIT, then the notifications the transaction asked for unless a notifier sends them.
  std::string CommitCommand(Tx& tx);
  // After the commit: hands the notifications to the notifier, if there is one.
  void HandOverNotifications();
  // Ends a transaction block that failed, if the session is still there.
  void RollBack();
  // Whether `e`, thrown by the commit message, is the NOTIFY after a COMMIT that went through
  // being refused (the notification queue is full): the transaction is committed, listeners
  // find its events when they next poll, and the failure is logged.
  static bool NotificationRefused(const std::exception& e);
  // Maps an exception, dropping the session when it is lost.
  absl::Status Fail(const std::exception& e);
  void BackOff(int attempt);

  std::string url_;
  int max_attempts_;
  std::unique_ptr<pqxx::connection> conn_;
  std::vector<std::string> notify_;  // channels, each once
  Notifier* notifier_ = nullptr;
};

template <typename Fn>
auto Conn::Transact(Fn&& fn, Isolation isolation) -> decltype(fn(std::declval<Tx&>())) {
  using Result = decltype(fn(std::declval<Tx&>()));
  for (int attempt = 1;; ++attempt) {
    if (absl::Status s = EnsureOpen(); !s.ok()) return Result(s);
    Transacting transacting(this);
    bool begun = false, committing = false;
    try {
      pqxx::nontransaction tx(*conn_);
      tx.exec(BeginCommand(isolation));
      begun = true;
      Result result = fn(tx);
      if (!result.ok()) {
        tx.exec("ROLLBACK");
        return result;
      }
      try {
        committing = true;
        tx.exec(CommitCommand(tx));
      } catch (const std::exception& e) {
        if (!NotificationRefused(e)) throw;
      }
      HandOverNotifications();
      return result;
    } catch (const std::exception& e) {
      RollBack();
      if (committing && IsConnectionLost(e)) {
        conn_.reset();
        return Result(CommitOutcomeUnknown(e));
      }
      if (!begun && IsConnectionLost(e) && attempt < max_attempts_) {
        conn_.reset();  // nothing of fn was sent: run it on a new session
        continue;
      }
      if (IsRetryable(e) && attempt < max_attempts_) {
        BackOff(attempt);
        continue;
      }
      return Result(Fail(e));
    }
  }
}

template <typename Fn>
auto Conn::Read(Fn&& fn) -> decltype(fn(std::declval<Tx&>())) {
  using Result = decltype(fn(std::declval<Tx&>()));
  if (absl::Status s = EnsureOpen(); !s.ok()) return Result(s);
  try {
    pqxx::nontransaction tx(*conn_);
    return fn(tx);
  } catch (const std::exception& e) {
    return Result(Fail(e));
  }
}

}  // namespace crm::db
