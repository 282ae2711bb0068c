#pragma once
// Every live customer's name, owner and department, in memory, answering the two name branches
// of SearchCustomers the way the SQL does (see Repository::Search):
//   contains — lower(name) contains lower(query); the shortest names first, then newest;
//   similar  — for Latin queries, names with an ASCII letter or digit that are word-similar
//              (pg_trgm's <%, word_similarity >= 0.6) to the query; most similar first.
// A scan of the caller's scope replaces PostgreSQL's index lookups and visits of every match,
// which were most of a search's cost; the database then reads only the rows returned.
// Scopes holding more than `max_scan` customers are left to the database.
//
// Thread-safe: finds share a lock; changes take it alone.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "libs/auth/principal.h"
#include "services/customers/src/model.h"
#include "services/customers/src/trigrams.h"

namespace crm::customers_service {

// pg_trgm.word_similarity_threshold's default, the threshold of <%.
inline constexpr float kWordSimilarityThreshold = 0.6f;

class NameIndex {
 public:
  NameIndex(std::unique_ptr<TextRules> rules, size_t max_scan);

  const TextRules& rules() const { return *rules_; }

  // Adds the customer or replaces what is known of it. Ids are canonical UUID text.
  void Put(const std::string& id, const std::string& owner_id,
           const std::string& owner_department_id, const std::string& name);
  void Remove(const std::string& id);
  size_t size() const;

  // Up to `limit` hits of each branch within the caller's scope, best first; nullopt when the
  // scope is too large to scan. `latin`: also look for similar names.
  std::optional<std::vector<NameHit>> Find(const auth::Principal& caller, const std::string& query,
                                           bool latin, int limit) const;

 private:
  using Id = std::array<char, 36>;
  struct Entry {
    Id id{};
    uint32_t owner = 0;
    uint32_t department = 0;  // 0: none
    uint32_t owner_pos = 0;
    uint32_t department_pos = 0;
    uint32_t chars = 0;
    bool live = false;
    std::string lower;
    // Names with an ASCII letter or digit: their trigrams in order, and sorted once each.
    std::vector<uint32_t> trigrams;
    std::vector<uint32_t> unique_trigrams;
  };

  uint32_t Intern(const std::string& key);  // "" → 0
  void Unlink(uint32_t slot);
  void Link(uint32_t slot);

  std::unique_ptr<TextRules> rules_;
  size_t max_scan_;
  mutable std::shared_mutex mu_;
  std::vector<Entry> slots_;
  std::vector<uint32_t> free_;
  absl::flat_hash_map<Id, uint32_t> by_id_;
  absl::flat_hash_map<std::string, uint32_t> keys_;  // owner and department ids → number
  std::vector<std::vector<uint32_t>> by_owner_;       // by number: slots
  std::vector<std::vector<uint32_t>> by_department_;  // by number: slots
  size_t live_ = 0;
};

}  // namespace crm::customers_service
