#pragma once
// A bounded cache whose entries expire: the least recently used entry makes room for a new
// one, and an entry older than the TTL is a miss. Thread-safe.

#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace crm::salesys {

template <typename V>
class TtlCache {
 public:
  TtlCache(size_t capacity, absl::Duration ttl) : capacity_(capacity), ttl_(ttl) {}

  std::optional<V> Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    if (absl::Now() - it->second->stored > ttl_) {
      entries_.erase(it->second);
      index_.erase(it);
      return std::nullopt;
    }
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->value;
  }

  void Put(const std::string& key, V value) {
    if (capacity_ == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      entries_.erase(it->second);
      index_.erase(it);
    }
    while (entries_.size() >= capacity_) {
      index_.erase(entries_.back().key);
      entries_.pop_back();
    }
    entries_.push_front({key, std::move(value), absl::Now()});
    index_[key] = entries_.begin();
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    std::string key;
    V value;
    absl::Time stored;
  };

  const size_t capacity_;
  const absl::Duration ttl_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
  absl::flat_hash_map<std::string, typename std::list<Entry>::iterator> index_;
};

}  // namespace crm::salesys
