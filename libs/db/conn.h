#pragma once
// One PostgreSQL session, owned by one thread at a time, with transactions that retry on
// serialization failures and map every libpqxx error to absl::Status.

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include "absl/strings/string_view.h"

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/db/errors.h"
#include "libs/db/pqxx_traits.h"

namespace crm::db {

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

  // Opens the session if needed (first use, or after it was lost). UNAVAILABLE on failure.
  absl::Status EnsureOpen();
  bool is_open() const;
  // Drops the session; the next use opens a new one.
  void Reset();
  // The open session; call EnsureOpen first.
  pqxx::connection& raw() { return *conn_; }

  // Runs fn(Tx&), which returns absl::Status or absl::StatusOr<T>, in a transaction:
  // committed when fn returns OK, rolled back otherwise. The whole of fn is run again on a
  // serialization failure or deadlock, so fn must not have effects outside the database.
  template <typename Fn>
  auto Transact(Fn&& fn, Isolation isolation = Isolation::kReadCommitted)
      -> decltype(fn(std::declval<Tx&>()));

  // Runs fn(Tx&) without a transaction block: each statement commits on its own. For
  // single-statement reads, where BEGIN/COMMIT would only add round trips.
  template <typename Fn>
  auto Read(Fn&& fn) -> decltype(fn(std::declval<Tx&>()));

 private:
  std::unique_ptr<Tx> Begin(Isolation isolation);
  // Maps an exception, dropping the session when it is lost.
  absl::Status Fail(const std::exception& e);
  void BackOff(int attempt);

  std::string url_;
  int max_attempts_;
  std::unique_ptr<pqxx::connection> conn_;
};

template <typename Fn>
auto Conn::Transact(Fn&& fn, Isolation isolation) -> decltype(fn(std::declval<Tx&>())) {
  using Result = decltype(fn(std::declval<Tx&>()));
  for (int attempt = 1;; ++attempt) {
    if (absl::Status s = EnsureOpen(); !s.ok()) return Result(s);
    try {
      std::unique_ptr<Tx> tx = Begin(isolation);
      Result result = fn(*tx);
      if (result.ok()) {
        tx->commit();
      } else {
        tx->abort();
      }
      return result;
    } catch (const std::exception& e) {
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
