#include "services/customers/src/customer_cache.h"

#include <algorithm>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "absl/hash/hash.h"

namespace crm::customers_service {

CustomerCache::CustomerCache(Options options, prometheus::Registry* registry)
    : per_shard_(options.capacity == 0 ? 0 : std::max<size_t>(1, options.capacity / kShards)),
      ttl_(options.ttl),
      shards_(kShards) {
  if (registry == nullptr) return;
  auto& family = prometheus::BuildCounter()
                     .Name("crm_customer_cache_reads_total")
                     .Help("GetCustomer reads by how the customer cache answered them")
                     .Register(*registry);
  reads_[static_cast<int>(Outcome::kHit)] = &family.Add({{"outcome", "hit"}});
  reads_[static_cast<int>(Outcome::kStale)] = &family.Add({{"outcome", "stale"}});
  reads_[static_cast<int>(Outcome::kMiss)] = &family.Add({{"outcome", "miss"}});
}

void CustomerCache::Count(Outcome outcome) const {
  if (per_shard_ == 0) return;
  if (prometheus::Counter* c = reads_[static_cast<int>(outcome)]) c->Increment();
}

CustomerCache::Shard& CustomerCache::ShardOf(const std::string& id) const {
  // The hash's top bits: the shard's map uses the low ones, which would otherwise be the
  // same for every key of a shard.
  const uint64_t hash = absl::Hash<std::string>()(id);
  return shards_[(hash >> 60) % kShards];
}

std::optional<CustomerCache::Entry> CustomerCache::Find(const std::string& id) const {
  if (per_shard_ == 0) return std::nullopt;
  Shard& shard = ShardOf(id);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.slots.find(id);
  if (it == shard.slots.end() || it->second.expires < absl::Now()) return std::nullopt;
  return it->second.entry;
}

void CustomerCache::Put(std::string stamp, std::shared_ptr<const Customer> customer) {
  if (per_shard_ == 0) return;
  const std::string id = customer->id;
  Slot slot{{std::move(stamp), std::move(customer)}, absl::Now() + ttl_};
  Shard& shard = ShardOf(id);
  std::lock_guard<std::mutex> lock(shard.mu);
  if (auto it = shard.slots.find(id); it != shard.slots.end()) {
    it->second = std::move(slot);
    return;
  }
  if (shard.ring.size() < per_shard_) {
    shard.ring.push_back(id);
  } else {
    shard.slots.erase(shard.ring[shard.next]);
    shard.ring[shard.next] = id;
    shard.next = (shard.next + 1) % per_shard_;
  }
  shard.slots.emplace(id, std::move(slot));
}

size_t CustomerCache::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    n += shard.slots.size();
  }
  return n;
}

}  // namespace crm::customers_service
