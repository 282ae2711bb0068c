#pragma once
// NOTIFY on behalf of a process's committed transactions, from a session of its own.
//
// A transaction that writes events asks for `NOTIFY <channel>` after its commit
// (NotifyAfterCommit). Sent by every writer, each NOTIFY takes the database's notification lock
// and wakes every listening session: under a steady stream of writes the notifications, not
// the writes, became the limit (RecordPayment: 0.28 × pgbench with them, 0.39 without). A
// Conn given a Notifier hands the channels over instead; the notifier sends each poked channel
// once per round, at most once per `interval`, so a burst of commits costs one notification
// and writers neither wait for the lock nor send anything. A notification is a hint (listeners
// also poll), so one lost with a dying process costs only delay.

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/time/time.h"

namespace crm::db {

class Notifier {
 public:
  explicit Notifier(std::string conninfo, absl::Duration interval = absl::Milliseconds(5));
  // Sends what is pending, then stops.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Has `NOTIFY channel` sent soon (within about `interval`). Never blocks on the database.
  void Poke(const std::string& channel);

 private:
  void Run();

  const std::string conninfo_;
  const absl::Duration interval_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::set<std::string> pending_;  // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::thread thread_;
};

}  // namespace crm::db
