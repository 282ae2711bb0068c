#include "services/customers/src/name_index.h"

#include <string.h>

#include <algorithm>
#include <mutex>

namespace crm::customers_service {

NameIndex::NameIndex(std::unique_ptr<TextRules> rules, size_t max_scan)
    : rules_(std::move(rules)), max_scan_(max_scan) {
  keys_.emplace("", 0);
  by_owner_.emplace_back();
  by_department_.emplace_back();
}

uint32_t NameIndex::Intern(const std::string& key) {
  auto [it, fresh] = keys_.emplace(key, static_cast<uint32_t>(by_owner_.size()));
  if (fresh) {
    by_owner_.emplace_back();
    by_department_.emplace_back();
  }
  return it->second;
}

void NameIndex::Link(uint32_t slot) {
  Entry& e = slots_[slot];
  auto& owned = by_owner_[e.owner];
  e.owner_pos = static_cast<uint32_t>(owned.size());
  owned.push_back(slot);
  if (e.department != 0) {
    auto& in_department = by_department_[e.department];
    e.department_pos = static_cast<uint32_t>(in_department.size());
    in_department.push_back(slot);
  }
}

void NameIndex::Unlink(uint32_t slot) {
  Entry& e = slots_[slot];
  auto& owned = by_owner_[e.owner];
  const uint32_t moved = owned.back();
  owned[e.owner_pos] = moved;
  slots_[moved].owner_pos = e.owner_pos;
  owned.pop_back();
  if (e.department != 0) {
    auto& in_department = by_department_[e.department];
    const uint32_t m = in_department.back();
    in_department[e.department_pos] = m;
    slots_[m].department_pos = e.department_pos;
    in_department.pop_back();
  }
}

void NameIndex::Put(const std::string& id, const std::string& owner_id,
                    const std::string& owner_department_id, const std::string& name) {
  Id key{};
  if (id.size() != key.size()) return;
  std::copy(id.begin(), id.end(), key.begin());
  // The text work outside the lock.
  std::string lower = rules_->Lower(name);
  uint32_t chars = 0;
  bool latin = false;
  for (unsigned char ch : name) {
    if ((ch & 0xC0) != 0x80) ++chars;
    latin = latin || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
  }
  std::vector<uint32_t> trigrams, unique;
  if (latin) {
    trigrams = rules_->Trigrams(name);
    unique = UniqueTrigrams(trigrams);
  }

  std::unique_lock<std::shared_mutex> lock(mu_);
  uint32_t slot;
  auto it = by_id_.find(key);
  if (it != by_id_.end()) {
    slot = it->second;
    Unlink(slot);
  } else {
    if (free_.empty()) {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    } else {
      slot = free_.back();
      free_.pop_back();
    }
    by_id_.emplace(key, slot);
    ++live_;
  }
  Entry& e = slots_[slot];
  e.id = key;
  e.owner = Intern(owner_id);
  e.department = owner_department_id.empty() ? 0 : Intern(owner_department_id);
  e.chars = chars;
  e.live = true;
  e.lower = std::move(lower);
  e.trigrams = std::move(trigrams);
  e.unique_trigrams = std::move(unique);
  Link(slot);
}

void NameIndex::Remove(const std::string& id) {
  Id key{};
  if (id.size() != key.size()) return;
  std::copy(id.begin(), id.end(), key.begin());
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto it = by_id_.find(key);
  if (it == by_id_.end()) return;
  const uint32_t slot = it->second;
  Unlink(slot);
  by_id_.erase(it);
  Entry& e = slots_[slot];
  e = Entry();
  free_.push_back(slot);
  --live_;
}

size_t NameIndex::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return live_;
}

std::optional<std::vector<NameHit>> NameIndex::Find(const auth::Principal& caller,
                                                    const std::string& query, bool latin,
                                                    int limit) const {
  const std::string needle = rules_->Lower(query);
  const std::vector<uint32_t> wanted =
      latin ? UniqueTrigrams(rules_->Trigrams(query)) : std::vector<uint32_t>();
  const float wanted_count = static_cast<float>(wanted.size());

  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<const std::vector<uint32_t>*> lists;
  bool everyone = false;
  size_t total = 0;
  const auto add = [&](const std::vector<std::vector<uint32_t>>& buckets, const std::string& key) {
    auto it = keys_.find(key);
    if (it == keys_.end() || it->second == 0) return;
    lists.push_back(&buckets[it->second]);
    total += buckets[it->second].size();
  };
  switch (caller.scope) {
    case auth::DataScope::kOwn:
      add(by_owner_, caller.user_id);
      break;
    case auth::DataScope::kDepartment:
      for (const auto& d : caller.department_tree) add(by_department_, d);
      break;
    case auth::DataScope::kAll:
      everyone = true;
      total = live_;
      break;
    default:
      return std::vector<NameHit>();
  }
  if (total > max_scan_) return std::nullopt;

  std::vector<std::pair<uint32_t, const Entry*>> contains;
  std::vector<std::pair<float, const Entry*>> similar;
  const auto visit = [&](const Entry& e) {
    if (memmem(e.lower.data(), e.lower.size(), needle.data(), needle.size()) != nullptr) {
      contains.emplace_back(e.chars, &e);
    }
    if (!latin || e.unique_trigrams.empty()) return;
    const int shared = SharedTrigrams(wanted, e.unique_trigrams);
    // word_similarity is at most shared / query trigrams: most names stop here.
    if (static_cast<float>(shared) / wanted_count < kWordSimilarityThreshold) return;
    const float s = WordSimilarity(wanted, e.trigrams);
    if (s >= kWordSimilarityThreshold) similar.emplace_back(s, &e);
  };
  if (everyone) {
    for (const Entry& e : slots_) {
      if (e.live) visit(e);
    }
  } else {
    for (const auto* list : lists) {
      for (uint32_t slot : *list) visit(slots_[slot]);
    }
  }

  const size_t n = static_cast<size_t>(limit);
  std::vector<NameHit> hits;
  // Shortest first, then newest (ids in creation order, compared as text).
  const auto shorter = [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return a.second->id > b.second->id;
  };
  std::partial_sort(contains.begin(), contains.begin() + std::min(n, contains.size()),
                    contains.end(), shorter);
  for (size_t i = 0; i < std::min(n, contains.size()); ++i) {
    const Entry& e = *contains[i].second;
    hits.push_back({std::string(e.id.begin(), e.id.end()), 1, static_cast<int>(e.chars), 0.0f});
  }
  const auto closer = [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second->id > b.second->id;
  };
  std::partial_sort(similar.begin(), similar.begin() + std::min(n, similar.size()), similar.end(),
                    closer);
  for (size_t i = 0; i < std::min(n, similar.size()); ++i) {
    const Entry& e = *similar[i].second;
    hits.push_back({std::string(e.id.begin(), e.id.end()), 2, 0, similar[i].first});
  }
  return hits;
}

}  // namespace crm::customers_service
