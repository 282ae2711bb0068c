#pragma once
// The name index kept current: loaded from the customers table in the background at start,
// then following the service's own outbox, every `interval` and whenever a search finds it
// behind. A search uses the index as it is and names the outbox position it reflects; the
// search statement returns nothing when customer events were committed after that position,
// and the search then catches the index up (one read of the outbox, shared by the searches
// waiting at that moment) and runs again. So a search sees every write that finished before
// it, made by this instance or another.
//
// Changes are read back from the customers table by id, so applying one twice, or out of
// order, leaves the index right; creations are not read back for customers the index already
// knows (this instance's own, applied as they commit, or loaded), since a creation is the
// oldest state of a customer and the index keeps what it knows of removed ones. The position only
// moves past events of transactions older than every running one; a catch-up for a search also
// applies the newer committed events (again at each catch-up, until the position passes them).
//
// Until the index is loaded, and whenever it cannot catch up (the database failing, or more
// than a batch of changes behind), searches are answered by the database alone.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/db/reader.h"
#include "services/customers/src/name_index.h"

namespace crm::customers_service {

class SearchIndex {
 public:
  struct Options {
    std::string db_url;
    // One-character queries over more customers are searched by the database.
    size_t max_scan = 200000;
    // Events read per catch-up step.
    int batch = 5000;
    // How often the index catches up when no search asks it to.
    absl::Duration interval = absl::Milliseconds(100);
  };
  // `reader` runs the catch-up reads; it must outlive Stop().
  SearchIndex(Options options, db::Reader* reader);
  ~SearchIndex();

  // Loads in the background, then follows.
  void Start();
  // Stops following and waits for a catch-up in progress. Call before the reader goes.
  void Stop();

  // The index and the outbox position it reflects; nullopt until loaded.
  struct View {
    const NameIndex* index;
    std::string after_xid;
    int64_t after_seq;
  };
  std::optional<View> Peek();
  // Loaded, or known not to load (this machine lacks the database's locale).
  bool Settled();

  // Catches up with every change committed so far, then runs done with the index, or with
  // nullptr when the database must answer.
  using Done = absl::AnyInvocable<void(const NameIndex*)>;
  void Refresh(Done done);
  // Refresh, waiting for it: the index, or nullptr when the database must answer.
  const NameIndex* Current();

  // Customers this instance has just created (committed), applied at once, so that following
  // their creation events needs no read of them. Anything newer known of one wins.
  void Created(const std::vector<const Customer*>& customers);

  // Loads the whole index now (the background start does this; tests call it directly).
  absl::Status Load();

 private:
  void Follow();
  // Catches up with the events of settled transactions, waiting for it; true when done.
  bool CatchUp();
  // Catches up (also with unsettled events when asked), waiting for it.
  const NameIndex* Wait(bool unsettled);
  void Refresh(Done done, bool unsettled);
  void Round();
  void OnEvents(absl::StatusOr<db::Rows> rows);
  void Finish(bool ok, const std::string& xid, int64_t seq, bool more);

  Options options_;
  db::Reader* reader_;
  std::thread follower_;

  std::mutex mu_;
  std::condition_variable idle_;
  std::unique_ptr<NameIndex> index_;  // set once loaded
  bool disabled_ = false;             // this machine lacks the database's locale
  std::string cursor_xid_;
  int64_t cursor_seq_ = 0;
  bool running_ = false;
  bool stopping_ = false;
  std::vector<Done> waiting_;       // for the next round
  bool waiting_unsettled_ = false;  // a search waits: apply committed events not yet settled
  std::vector<Done> current_;       // for the round in progress
};

}  // namespace crm::customers_service
