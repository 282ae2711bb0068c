#include "services/customers/src/name_index.h"

#include <string.h>

#include <algorithm>
#include <mutex>

#include "libs/ids/uuid.h"

namespace crm::customers_service {
namespace {

// The pairs of neighbouring characters of lowered text, each once.
std::vector<uint64_t> Pairs(const std::string& lower) {
  const std::vector<uint32_t> cps = CodePoints(lower);
  std::vector<uint64_t> out;
  for (size_t i = 0; i + 1 < cps.size(); ++i) out.push_back((uint64_t{cps[i]} << 32) | cps[i + 1]);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Erase(std::vector<uint32_t>& list, uint32_t slot) {
  auto it = std::find(list.begin(), list.end(), slot);
  if (it == list.end()) return;
  *it = list.back();
  list.pop_back();
}

template <typename Key>
void EraseFrom(absl::flat_hash_map<Key, std::vector<uint32_t>>& lists, Key key, uint32_t slot) {
  auto it = lists.find(key);
  if (it == lists.end()) return;
  Erase(it->second, slot);
  if (it->second.empty()) lists.erase(it);
}

}  // namespace

struct NameIndex::Query {
  std::string needle;
  std::vector<uint64_t> pairs;  // empty: a single character, checked against every name
  bool latin = false;
  std::vector<uint32_t> trigrams;     // each once
  int need = 0;                       // trigrams a name must share to be similar enough
  std::vector<uint32_t> departments;  // a manager's, sorted; empty: any
};

void NameIndex::Group::Add(uint32_t slot, const Entry& e) {
  slots.push_back(slot);
  for (uint64_t p : Pairs(e.lower)) by_pair[p].push_back(slot);
  if (e.latin != nullptr) {
    for (uint32_t t : e.latin->unique) by_trigram[t].push_back(slot);
  }
}

void NameIndex::Group::Drop(uint32_t slot, const Entry& e) {
  Erase(slots, slot);
  for (uint64_t p : Pairs(e.lower)) EraseFrom(by_pair, p, slot);
  if (e.latin != nullptr) {
    for (uint32_t t : e.latin->unique) EraseFrom(by_trigram, t, slot);
  }
}

NameIndex::NameIndex(std::unique_ptr<TextRules> rules, size_t max_scan)
    : rules_(std::move(rules)), max_scan_(max_scan) {}

void NameIndex::Unlink(uint32_t slot) {
  const Entry& e = slots_[slot];
  owners_[e.owner].Drop(slot, e);
}

void NameIndex::Put(const std::string& id, const std::string& owner_id,
                    const std::string& owner_department_id, const std::string& name) {
  Store(id, owner_id, owner_department_id, name, /*only_new=*/false);
}

void NameIndex::PutNew(const std::string& id, const std::string& owner_id,
                       const std::string& owner_department_id, const std::string& name) {
  Store(id, owner_id, owner_department_id, name, /*only_new=*/true);
}

void NameIndex::Store(const std::string& id, const std::string& owner_id,
                      const std::string& owner_department_id, const std::string& name,
                      bool only_new) {
  Entry next;
  if (!ids::ParseUuid(id, &next.id)) return;
  // The text work outside the lock.
  next.lower = rules_->Lower(name);
  bool has_latin = false;
  for (unsigned char ch : name) {
    if ((ch & 0xC0) != 0x80) ++next.chars;
    has_latin = has_latin || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                (ch >= '0' && ch <= '9');
  }
  if (has_latin)
    next.latin = std::make_unique<TextTrigrams>(PrepareTrigrams(rules_->Trigrams(name)));

  std::unique_lock<std::shared_mutex> lock(mu_);
  if (only_new) {
    if (by_id_.contains(next.id) || removed_.contains(next.id)) return;
  } else {
    removed_.erase(next.id);
  }
  auto [owner, new_owner] = owner_numbers_.emplace(owner_id, static_cast<uint32_t>(owners_.size()));
  if (new_owner) owners_.emplace_back();
  next.owner = owner->second;
  if (!owner_department_id.empty()) {
    next.department =
        department_numbers_
            .emplace(owner_department_id, static_cast<uint32_t>(department_numbers_.size() + 1))
            .first->second;
  }
  uint32_t slot;
  auto it = by_id_.find(next.id);
  if (it != by_id_.end()) {
    slot = it->second;
    const Entry& old = slots_[slot];
    // Events are applied again until their transactions settle: most changes are no change.
    if (old.owner == next.owner && old.department == next.department && old.lower == next.lower) {
      return;
    }
    Unlink(slot);
  } else {
    if (free_.empty()) {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    } else {
      slot = free_.back();
      free_.pop_back();
    }
    by_id_.emplace(next.id, slot);
  }
  Entry& e = slots_[slot];
  e = std::move(next);
  owners_[e.owner].Add(slot, e);
}

void NameIndex::Remove(const std::string& id) {
  ids::UuidBytes key{};
  if (!ids::ParseUuid(id, &key)) return;
  std::unique_lock<std::shared_mutex> lock(mu_);
  removed_.insert(key);
  auto it = by_id_.find(key);
  if (it == by_id_.end()) return;
  const uint32_t slot = it->second;
  Unlink(slot);
  by_id_.erase(it);
  slots_[slot] = Entry();
  free_.push_back(slot);
}

bool NameIndex::Knows(const std::string& id) const {
  ids::UuidBytes key{};
  if (!ids::ParseUuid(id, &key)) return false;
  std::shared_lock<std::shared_mutex> lock(mu_);
  return by_id_.contains(key) || removed_.contains(key);
}

size_t NameIndex::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return by_id_.size();
}

void NameIndex::Search(const Group& g, const Query& q,
                       std::vector<std::pair<uint32_t, uint32_t>>* contains,
                       std::vector<std::pair<float, uint32_t>>* similar) const {
  const auto in_scope = [&](const Entry& e) {
    return q.departments.empty() ||
           std::binary_search(q.departments.begin(), q.departments.end(), e.department);
  };
  // Names containing the query: those listed under its rarest pair, checked in full.
  const std::vector<uint32_t>* candidates = &g.slots;
  for (uint64_t p : q.pairs) {
    auto it = g.by_pair.find(p);
    if (it == g.by_pair.end()) {
      candidates = nullptr;
      break;
    }
    if (candidates == &g.slots || it->second.size() < candidates->size()) candidates = &it->second;
  }
  if (candidates != nullptr) {
    for (uint32_t slot : *candidates) {
      const Entry& e = slots_[slot];
      if (memmem(e.lower.data(), e.lower.size(), q.needle.data(), q.needle.size()) != nullptr &&
          in_scope(e)) {
        contains->emplace_back(e.chars, slot);
      }
    }
  }
  if (similar == nullptr || !q.latin || q.trigrams.empty()) return;
  // Similar names: word_similarity is at most shared trigrams / the query's, so only names
  // sharing `need` of them can reach the threshold.
  // (Counts per slot in scratch space kept per thread, cleared after use.)
  thread_local std::vector<uint16_t> shared;
  thread_local std::vector<uint32_t> touched;
  if (shared.size() < slots_.size()) shared.resize(slots_.size());
  touched.clear();
  for (uint32_t t : q.trigrams) {
    auto it = g.by_trigram.find(t);
    if (it == g.by_trigram.end()) continue;
    for (uint32_t slot : it->second) {
      if (shared[slot]++ == 0) touched.push_back(slot);
    }
  }
  for (uint32_t slot : touched) {
    if (shared[slot] >= q.need && in_scope(slots_[slot])) {
      similar->emplace_back(static_cast<float>(shared[slot]), slot);
    }
    shared[slot] = 0;
  }
}

bool NameIndex::Scope(const auth::Principal& caller, Query* q, std::vector<const Group*>* groups,
                      size_t* names) const {
  switch (caller.scope) {
    case auth::DataScope::kOwn: {
      auto it = owner_numbers_.find(caller.user_id);
      if (it != owner_numbers_.end()) {
        groups->push_back(&owners_[it->second]);
        *names = owners_[it->second].slots.size();
      }
      break;
    }
    case auth::DataScope::kDepartment:
      for (const auto& d : caller.department_tree) {
        auto it = department_numbers_.find(d);
        if (it != department_numbers_.end()) q->departments.push_back(it->second);
      }
      if (q->departments.empty()) return false;
      std::sort(q->departments.begin(), q->departments.end());
      [[fallthrough]];
    case auth::DataScope::kAll:
      for (const Group& g : owners_) groups->push_back(&g);
      *names = by_id_.size();
      break;
    default:
      return false;
  }
  return true;
}

std::optional<std::vector<NameHit>> NameIndex::Find(const auth::Principal& caller,
                                                    const std::string& query, bool latin,
                                                    int limit) const {
  if (limit <= 0) return std::vector<NameHit>();
  Query q;
  q.needle = rules_->Lower(query);
  q.pairs = Pairs(q.needle);
  q.latin = latin;
  if (latin) {
    q.trigrams = UniqueTrigrams(rules_->Trigrams(query));
    const float n = static_cast<float>(q.trigrams.size());
    while (q.need < static_cast<int>(q.trigrams.size()) &&
           static_cast<float>(q.need) / n < kWordSimilarityThreshold) {
      ++q.need;
    }
  }

  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<const Group*> groups;
  size_t scanned = 0;  // names a one-character query would check
  if (!Scope(caller, &q, &groups, &scanned)) return std::vector<NameHit>();
  if (q.pairs.empty() && scanned > max_scan_) return std::nullopt;
  std::vector<std::pair<uint32_t, uint32_t>> contains;  // (characters, slot)
  std::vector<std::pair<float, uint32_t>> similar;      // (shared trigrams, slot)
  for (const Group* g : groups) Search(*g, q, &contains, &similar);

  const size_t n = static_cast<size_t>(limit);
  std::vector<NameHit> hits;
  // Shortest first, then newest (ids are in creation order).
  std::partial_sort(contains.begin(), contains.begin() + std::min(n, contains.size()),
                    contains.end(), [this](const auto& a, const auto& b) {
                      if (a.first != b.first) return a.first < b.first;
                      return slots_[a.second].id > slots_[b.second].id;
                    });
  for (size_t i = 0; i < std::min(n, contains.size()); ++i) {
    const Entry& e = slots_[contains[i].second];
    hits.push_back({ids::FormatUuid(e.id), 1});
  }

  // Most similar first, then newest. Names are scored most-shared first, and scoring stops
  // once no unscored name can beat the `limit`-th best (similarity <= shared / query's).
  std::sort(similar.begin(), similar.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  const float wanted = static_cast<float>(q.trigrams.size());
  std::vector<std::pair<float, uint32_t>> scored;
  const auto better = [this](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return slots_[a.second].id > slots_[b.second].id;
  };
  for (const auto& [shared, slot] : similar) {
    if (scored.size() >= n) {
      std::nth_element(scored.begin(), scored.begin() + (n - 1), scored.end(), better);
      scored.resize(n);
      if (shared / wanted < scored[n - 1].first) break;
    }
    const float s = WordSimilarity(q.trigrams, *slots_[slot].latin);
    if (s >= kWordSimilarityThreshold) scored.emplace_back(s, slot);
  }
  std::sort(scored.begin(), scored.end(), better);
  for (size_t i = 0; i < std::min(n, scored.size()); ++i) {
    hits.push_back({ids::FormatUuid(slots_[scored[i].second].id), 2});
  }
  return hits;
}

std::optional<std::vector<std::string>> NameIndex::Containing(const auth::Principal& caller,
                                                              const std::string& query,
                                                              const std::string& before_id,
                                                              size_t max) const {
  Query q;
  q.needle = rules_->Lower(query);
  q.pairs = Pairs(q.needle);
  ids::UuidBytes before{};
  if (before_id.empty()) {
    before.fill(0xff);
  } else if (!ids::ParseUuid(before_id, &before)) {
    return std::nullopt;
  }

  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<const Group*> groups;
  size_t scanned = 0;
  if (!Scope(caller, &q, &groups, &scanned)) return std::vector<std::string>();
  if (q.pairs.empty() && scanned > max_scan_) return std::nullopt;
  std::vector<std::pair<uint32_t, uint32_t>> contains;  // (characters, slot)
  std::vector<const ids::UuidBytes*> found;
  for (const Group* g : groups) {
    contains.clear();
    Search(*g, q, &contains, nullptr);
    for (const auto& [chars, slot] : contains) {
      if (slots_[slot].id < before) found.push_back(&slots_[slot].id);
    }
    if (found.size() > max) return std::nullopt;
  }
  std::sort(found.begin(), found.end(), [](const auto* a, const auto* b) { return *a > *b; });
  std::vector<std::string> out;
  out.reserve(found.size());
  for (const auto* id : found) out.push_back(ids::FormatUuid(*id));
  return out;
}

}  // namespace crm::customers_service
