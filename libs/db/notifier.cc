#include "libs/db/notifier.h"

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/db/conn.h"
#include "libs/log/log.h"

namespace crm::db {

Notifier::Notifier(std::string conninfo, absl::Duration interval)
    : conninfo_(std::move(conninfo)), interval_(interval), thread_([this] { Run(); }) {}

Notifier::~Notifier() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Notifier::Poke(const std::string& channel) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pending_.insert(channel).second) return;
  }
  wake_.notify_one();
}

void Notifier::Run() {
  Conn conn(conninfo_);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, nothing left
    std::vector<std::string> channels(pending_.begin(), pending_.end());
    pending_.clear();
    const bool stopping = stopping_;
    lock.unlock();
    absl::Status sent = conn.Read([&](Tx& tx) -> absl::Status {
      std::string sql;
      for (const auto& c : channels) absl::StrAppend(&sql, "NOTIFY ", tx.quote_name(c), ";");
      tx.exec(sql);
      return absl::OkStatus();
    });
    if (!sent.ok()) log::Warn("notification not sent").Str("error", sent.ToString());
    lock.lock();
    if (stopping) continue;  // sends what came meanwhile, then returns
    // Commits of the next `interval` share one notification.
    wake_.wait_for(lock, absl::ToChronoNanoseconds(interval_), [this] { return stopping_; });
  }
}

}  // namespace crm::db
