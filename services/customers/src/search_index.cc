#include "services/customers/src/search_index.h"

#include <algorithm>
#include <future>

#include "absl/strings/str_cat.h"
#include "libs/log/log.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

constexpr int kLoadPage = 20000;

}  // namespace

SearchIndex::SearchIndex(Options options, db::Reader* reader)
    : options_(std::move(options)), reader_(reader) {}

SearchIndex::~SearchIndex() { Stop(); }

void SearchIndex::Start() {
  follower_ = std::thread([this] { Follow(); });
}

void SearchIndex::Stop() {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  idle_.notify_all();
  idle_.wait(lock, [this] { return !running_; });
  lock.unlock();
  if (follower_.joinable()) follower_.join();
}

// Loads (retrying while the database is unavailable), then catches up every interval.
void SearchIndex::Follow() {
  absl::Duration wait = absl::ZeroDuration();
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      idle_.wait_for(lock, absl::ToChronoNanoseconds(wait), [this] { return stopping_; });
      if (stopping_ || disabled_) return;
    }
    wait = options_.interval;
    bool loaded;
    {
      std::lock_guard<std::mutex> lock(mu_);
      loaded = index_ != nullptr;
    }
    if (!loaded) {
      if (absl::Status s = Load(); !s.ok()) {
        log::Warn("name index not loaded; searches use the database").Str("status", s.ToString());
        wait = absl::Seconds(5);
      }
      continue;
    }
    CatchUp();
  }
}

absl::Status SearchIndex::Load() {
  const absl::Time start = absl::Now();
  db::Conn conn(options_.db_url);
  std::unique_ptr<NameIndex> index;
  std::string xmin;
  absl::Status s = conn.Transact(
      [&](db::Tx& tx) -> absl::Status {
        auto [oldest, lc_ctype] = Repository::IndexStart(tx);
        auto rules = TextRules::ForLocale(lc_ctype);
        if (rules == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              "the database's character type ", lc_ctype, " is not a locale of this machine"));
        }
        index = std::make_unique<NameIndex>(std::move(rules), options_.max_scan);
        xmin = oldest;
        std::string after = "00000000-0000-0000-0000-000000000000";
        while (true) {
          std::vector<IndexedCustomer> page = Repository::IndexPage(tx, after, kLoadPage);
          for (const auto& c : page) index->Put(c.id, c.owner_id, c.owner_department_id, c.name);
          if (page.size() < kLoadPage) break;
          after = page.back().id;
        }
        return absl::OkStatus();
      },
      db::Isolation::kRepeatableRead);
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::IsFailedPrecondition(s)) disabled_ = true;
  if (!s.ok()) return s;
  log::Info("name index loaded")
      .Int("customers", static_cast<int64_t>(index->size()))
      .Double("seconds", absl::ToDoubleSeconds(absl::Now() - start));
  index_ = std::move(index);
  // Transactions older than the snapshot's oldest running one are all in what was loaded;
  // from there on, every event is applied (again, harmlessly, if it was).
  cursor_xid_ = xmin;
  cursor_seq_ = 0;
  return absl::OkStatus();
}

void SearchIndex::Created(const std::vector<const Customer*>& customers) {
  NameIndex* index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    index = index_.get();
  }
  if (index == nullptr) return;  // the load reads them, or their events do
  for (const Customer* c : customers) {
    index->PutNew(c->id, c->owner_id, c->owner_department_id, c->name);
  }
}

std::optional<SearchIndex::View> SearchIndex::Peek() {
  std::lock_guard<std::mutex> lock(mu_);
  if (index_ == nullptr) return std::nullopt;
  return View{index_.get(), cursor_xid_, cursor_seq_};
}

bool SearchIndex::Settled() {
  std::lock_guard<std::mutex> lock(mu_);
  return index_ != nullptr || disabled_;
}

void SearchIndex::Refresh(Done done) { Refresh(std::move(done), /*unsettled=*/true); }

void SearchIndex::Refresh(Done done, bool unsettled) {
  std::unique_lock<std::mutex> lock(mu_);
  if (index_ == nullptr || stopping_) {
    lock.unlock();
    done(nullptr);
    return;
  }
  waiting_.push_back(std::move(done));
  waiting_unsettled_ = waiting_unsettled_ || unsettled;
  if (running_) return;  // the next round takes it
  running_ = true;
  lock.unlock();
  Round();
}

const NameIndex* SearchIndex::Current() { return Wait(/*unsettled=*/true); }

bool SearchIndex::CatchUp() { return Wait(/*unsettled=*/false) != nullptr; }

const NameIndex* SearchIndex::Wait(bool unsettled) {
  std::promise<const NameIndex*> current;
  std::future<const NameIndex*> result = current.get_future();
  Refresh([&current](const NameIndex* index) { current.set_value(index); }, unsettled);
  return result.get();
}

void SearchIndex::Round() {
  std::string xid;
  int64_t seq;
  bool unsettled;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(waiting_);
    waiting_.clear();
    unsettled = waiting_unsettled_;
    waiting_unsettled_ = false;
    xid = cursor_xid_;
    seq = cursor_seq_;
  }
  reader_->Submit(Repository::IndexEvents(xid, seq, options_.batch, unsettled),
                  [this](absl::StatusOr<db::Rows> rows) { OnEvents(std::move(rows)); });
}

void SearchIndex::OnEvents(absl::StatusOr<db::Rows> rows) {
  if (!rows.ok()) {
    log::Warn("name index could not read the outbox").Str("status", rows.status().ToString());
    return Finish(false, "", -1, false);
  }
  // The cursor moves to the last event whose transaction is older than every running one.
  std::string xid;
  int64_t seq = -1;
  std::vector<std::string> ids, survivors;
  for (const auto& row : *rows) {
    if (row[2].as<bool>()) {
      xid = row[0].as<std::string>();
      seq = row[1].as<int64_t>();
    }
    std::string id = row[3].as<std::string>();
    if (id.empty()) continue;
    // A creation says nothing new of a customer the index knows: what it knows is as new or
    // newer. (This instance's own creations are known as soon as they commit.)
    if (row[5].as<bool>() && index_->Knows(id)) continue;
    if (row[4].as<bool>()) survivors.push_back(id);
    ids.push_back(std::move(id));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const bool more = rows->size() >= options_.batch;
  if (ids.empty()) return Finish(true, xid, seq, more);
  reader_->Submit(Repository::IndexRows(ids, survivors), [this, xid, seq,
                                                          more](absl::StatusOr<db::Rows> found) {
    if (!found.ok()) {
      log::Warn("name index could not read customers").Str("status", found.status().ToString());
      return Finish(false, "", -1, false);
    }
    NameIndex* index = index_.get();  // set before any round, never replaced
    for (const auto& c : Repository::IndexedCustomersOf(*found)) {
      if (c.live) {
        index->Put(c.id, c.owner_id, c.owner_department_id, c.name);
      } else {
        index->Remove(c.id);
      }
    }
    Finish(true, xid, seq, more);
  });
}

// Answers the round's waiters (with the index when it is current) and starts the next round
// when searches arrived meanwhile or more events wait.
void SearchIndex::Finish(bool ok, const std::string& xid, int64_t seq, bool more) {
  std::vector<Done> done;
  bool again;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ok && seq >= 0) {
      cursor_xid_ = xid;
      cursor_seq_ = seq;
    }
    done = std::move(current_);
    current_.clear();
    // Stopping, or the read failed (a full reader queue fails it at once, on this thread):
    // the searches waiting for the next round use the database too, rather than another try.
    if (stopping_ || !ok) {
      for (auto& d : waiting_) done.push_back(std::move(d));
      waiting_.clear();
    }
    again = !stopping_ && (!waiting_.empty() || (ok && more));
    if (!again) {
      running_ = false;
      idle_.notify_all();
    }
  }
  const NameIndex* index = ok && !more ? index_.get() : nullptr;
  for (auto& d : done) d(index);
  if (again) Round();
}

}  // namespace crm::customers_service
