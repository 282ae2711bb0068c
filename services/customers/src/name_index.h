#pragma once
// Every live customer's name, owner and department, in memory, answering the two name branches
// of SearchCustomers the way the SQL does (see Repository::Search):
//   contains — lower(name) contains lower(query); the shortest names first, then newest;
//   similar  — for Latin queries, names with an ASCII letter or digit that are word-similar
//              (pg_trgm's <%, word_similarity >= 0.6) to the query; most similar first.
// Customers are grouped by owner, and each group has an inverted index: the pairs of
// neighbouring characters of its lowered names and the trigrams of its Latin names. A search
// looks up the caller's group (a rep's own; every owner's for a manager or an executive, the
// manager's keeping names of their departments), checks the names listed under the query's
// rarest pair, and scores only the Latin names that share enough trigrams; the database then
// reads just the rows returned. One-character queries check every name in scope, up to
// `max_scan` names (beyond that the database answers).
//
// Thread-safe: finds share a lock; changes take it alone.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "libs/auth/principal.h"
#include "libs/ids/uuid.h"
#include "services/customers/src/model.h"
#include "services/customers/src/trigrams.h"

namespace crm::customers_service {

// pg_trgm.word_similarity_threshold's default, the threshold of <%.
inline constexpr float kWordSimilarityThreshold = 0.6f;

class NameIndex {
 public:
  NameIndex(std::unique_ptr<TextRules> rules, size_t max_scan);

  // Adds the customer or replaces what is known of it. Ids are canonical UUID text.
  void Put(const std::string& id, const std::string& owner_id,
           const std::string& owner_department_id, const std::string& name);
  // Adds a customer as it was created, unless anything is known of it: a state read since
  // (which is as new or newer) or its removal. Creations may be applied out of order.
  void PutNew(const std::string& id, const std::string& owner_id,
              const std::string& owner_department_id, const std::string& name);
  // Removes the customer, and remembers it (for the process's life, a few bytes per customer
  // deleted or merged away), so that a creation applied later does not bring it back.
  void Remove(const std::string& id);
  // Whether anything is known of the customer: a state, or its removal.
  bool Knows(const std::string& id) const;
  size_t size() const;

  // Up to `limit` hits of each branch within the caller's scope, best first; nullopt when the
  // scope is too large to scan. `latin`: also look for similar names.
  std::optional<std::vector<NameHit>> Find(const auth::Principal& caller, const std::string& query,
                                           bool latin, int limit) const;

  // The ids of every name within the caller's scope that contains `query` (as the contains
  // branch matches) and whose id is below `before_id` (any, when empty), newest first; nullopt
  // when more than `max` match or a one-character query would check more than `max_scan` names.
  std::optional<std::vector<std::string>> Containing(const auth::Principal& caller,
                                                     const std::string& query,
                                                     const std::string& before_id,
                                                     size_t max) const;

 private:
  struct Entry {
    ids::UuidBytes id{};  // compared as bytes, in the order of the text
    uint32_t owner = 0;
    uint32_t department = 0;  // 0: none
    uint32_t chars = 0;
    std::string lower;
    // Names with an ASCII letter or digit: their trigrams.
    std::unique_ptr<TextTrigrams> latin;
  };
  // The customers of one owner.
  struct Group {
    std::vector<uint32_t> slots;
    absl::flat_hash_map<uint64_t, std::vector<uint32_t>> by_pair;
    absl::flat_hash_map<uint32_t, std::vector<uint32_t>> by_trigram;
    void Add(uint32_t slot, const Entry& e);
    void Drop(uint32_t slot, const Entry& e);
  };
  struct Query;

  void Store(const std::string& id, const std::string& owner_id,
             const std::string& owner_department_id, const std::string& name, bool only_new);
  void Unlink(uint32_t slot);
  // The groups the caller may search (a manager's departments go into `q`) and how many names
  // they hold; false when the caller may see no customer. Call with the lock held.
  bool Scope(const auth::Principal& caller, Query* q, std::vector<const Group*>* groups,
             size_t* names) const;
  // Adds g's names containing the query to `contains` and, unless null, the Latin names
  // sharing enough trigrams to `similar`.
  void Search(const Group& g, const Query& q, std::vector<std::pair<uint32_t, uint32_t>>* contains,
              std::vector<std::pair<float, uint32_t>>* similar) const;

  std::unique_ptr<TextRules> rules_;
  size_t max_scan_;
  mutable std::shared_mutex mu_;
  std::deque<Entry> slots_;
  std::vector<uint32_t> free_;
  absl::flat_hash_map<ids::UuidBytes, uint32_t> by_id_;
  absl::flat_hash_set<ids::UuidBytes> removed_;
  absl::flat_hash_map<std::string, uint32_t> owner_numbers_;
  absl::flat_hash_map<std::string, uint32_t> department_numbers_;  // from 1
  std::vector<Group> owners_;                                      // by owner number
};

}  // namespace crm::customers_service
