#pragma once
// Customers as they were last read whole, each with the stamp of the row version it was read
// from: the row's xmin and ctid. Every UPDATE, whichever statement makes it, writes a new row
// version with the writing transaction's id in a new place. GetCustomer asks PostgreSQL only
// for the stamp of a cached customer, with the same scope and liveness conditions as the whole
// read, and reads the row again only when the stamp differs: an answer from the cache is the
// row as of that read's snapshot, never an older state.
//
// A 32-bit xmin of a row left alone for 2^32 transactions could come round again; a false
// match would also need the new version in the cached one's place, within the entry's `ttl`.
// The oldest entries give way when a shard is full.

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "services/customers/src/model.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace crm::customers_service {

class CustomerCache {
 public:
  struct Options {
    // Customers at most (rounded down to a multiple of the shard count, at least one per
    // shard); 0 caches nothing.
    size_t capacity = 50000;
    absl::Duration ttl = absl::Minutes(10);
  };
  struct Entry {
    std::string stamp;
    std::shared_ptr<const Customer> customer;
  };

  // How a read went: answered from the cache, read again because the row changed, or read
  // because nothing was cached. (A cached customer the caller may not see, or that was
  // deleted, is none of these.)
  enum class Outcome { kHit, kStale, kMiss };

  // With a registry: crm_customer_cache_reads_total{outcome="hit"|"stale"|"miss"}.
  explicit CustomerCache(Options options, prometheus::Registry* registry = nullptr);

  // The customer with this id as last put, unless expired.
  std::optional<Entry> Find(const std::string& id) const;
  // Remembers `customer` as read from the row version `stamp`.
  void Put(std::string stamp, std::shared_ptr<const Customer> customer);
  size_t size() const;
  void Count(Outcome outcome) const;

 private:
  static constexpr size_t kShards = 16;
  struct Slot {
    Entry entry;
    absl::Time expires;
  };
  struct Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<std::string, Slot> slots;
    // Ids in the order they were first put: the oldest is evicted first.
    std::vector<std::string> ring;
    size_t next = 0;  // the ring's oldest position once it is full
  };
  Shard& ShardOf(const std::string& id) const;

  size_t per_shard_;
  absl::Duration ttl_;
  mutable std::vector<Shard> shards_;
  prometheus::Counter* reads_[3] = {nullptr, nullptr, nullptr};  // by Outcome
};

}  // namespace crm::customers_service
