#include "services/customers/src/merges.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crm/customers/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/newest_first.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/customer_fields.h"
#include "services/customers/src/people.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using auth::Principal;

// The survivor, with what it lacks taken from the duplicate and the tags of both.
Customer Combined(Customer s, const Customer& d) {
  for (const auto& f : CustomerFields()) {
    if (f.path != "name") f.fill(d, s);
  }
  return s;
}

}  // namespace

absl::StatusOr<validation::Page<DuplicateCandidate>> Merges::ListCandidates(
    db::Conn& conn, const Principal& caller, const std::string& customer_id, int32_t page_size,
    const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckOptionalId("customer_id", customer_id));
  CRM_ASSIGN_OR_RETURN(int limit, validation::PageSize(page_size, 50, 200));
  CRM_ASSIGN_OR_RETURN(auto keys, validation::DecodePageToken(page_token, customer_id, 2));
  const std::string after_a = keys.empty() ? "" : keys[0];
  const std::string after_b = keys.empty() ? "" : keys[1];
  Violations bad_key;
  validation::OptionalUuid(bad_key, "page_token", after_a);
  validation::OptionalUuid(bad_key, "page_token", after_b);
  CRM_RETURN_IF_ERROR(bad_key.ToStatus());
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<validation::Page<DuplicateCandidate>> {
    if (!customer_id.empty() && !Repository::CustomerInScope(tx, customer_id, caller, false)) {
      return auth::NotVisible(caller.scope, "customer", customer_id);
    }
    auto pairs = Repository::DuplicatePairs(tx, caller, customer_id, after_a, after_b, limit + 1);
    validation::Page<DuplicateCandidate> page;
    if (static_cast<int>(pairs.size()) > limit) {
      pairs.resize(limit);
      page.next_page_token = validation::EncodePageToken(
          {pairs.back().customer_id, pairs.back().duplicate_id}, customer_id);
    }
    for (auto& p : pairs) {
      auto a = Repository::Find(tx, p.customer_id);
      auto b = Repository::Find(tx, p.duplicate_id);
      if (a && b) page.items.push_back({*std::move(a), *std::move(b), std::move(p.matched_on)});
    }
    return page;
  });
}

absl::StatusOr<std::pair<Merge, Customer>> Merges::Run(db::Conn& conn, const Principal& caller,
                                                       const RequestMeta& meta,
                                                       const MergeRequest& r) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.merge"));
  Violations v;
  db::CheckRequestId(v, r.request_id);
  validation::RequiredUuid(v, "survivor_id", r.survivor_id);
  if (validation::RequiredUuid(v, "duplicate_id", r.duplicate_id) &&
      absl::AsciiStrToLower(r.survivor_id) == absl::AsciiStrToLower(r.duplicate_id)) {
    v.Add("duplicate_id", "must differ from survivor_id");
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t survivor_version,
                       validation::ParseEtag("survivor_etag", r.survivor_etag));
  CRM_ASSIGN_OR_RETURN(int64_t duplicate_version,
                       validation::ParseEtag("duplicate_etag", r.duplicate_etag));
  Merge m;
  m.id = ids::NewUuidV7();
  m.survivor_id = absl::AsciiStrToLower(r.survivor_id);
  m.duplicate_id = absl::AsciiStrToLower(r.duplicate_id);
  m.created_by = caller.user_id;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<std::pair<Merge, Customer>> {
    // Both are locked in id order, so two merges of the same pair cannot deadlock, and before
    // the request id is claimed (see "Events").
    const bool survivor_first = m.survivor_id < m.duplicate_id;
    const std::string& first_id = survivor_first ? m.survivor_id : m.duplicate_id;
    const std::string& second_id = survivor_first ? m.duplicate_id : m.survivor_id;
    std::optional<Customer> first = Repository::LockInScope(tx, first_id, caller);
    std::optional<Customer> second = Repository::LockInScope(tx, second_id, caller);
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, r.request_id,
                                                           "MergeCustomers", m.id));
    if (earlier) {
      auto done = Repository::FindMerge(tx, *earlier);
      if (!done) return absl::NotFoundError("the merge this request made is gone");
      auto survivor = Repository::Find(tx, done->survivor_id);
      if (!survivor) return absl::NotFoundError("the survivor of this merge is gone");
      CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, survivor->id, caller, false));
      return std::make_pair(*done, *survivor);
    }
    if (!first) return auth::NotVisible(caller.scope, "customer", first_id);
    if (!second) return auth::NotVisible(caller.scope, "customer", second_id);
    const Customer& survivor = survivor_first ? *first : *second;
    const Customer& duplicate = survivor_first ? *second : *first;
    if ((survivor_version != 0 && survivor.version != survivor_version) ||
        (duplicate_version != 0 && duplicate.version != duplicate_version)) {
      return validation::StaleEtag();
    }
    std::vector<std::string> moved = Repository::MoveContacts(tx, m.duplicate_id, m.survivor_id);
    m.contacts_moved = static_cast<int>(moved.size());
    m.interactions_moved = Repository::MoveInteractions(tx, m.duplicate_id, m.survivor_id);
    m.links_moved = Repository::MoveLinks(tx, m.duplicate_id, m.survivor_id);
    Repository::MarkMerged(tx, m.duplicate_id, m.survivor_id);
    std::optional<Customer> combined =
        Repository::Update(tx, Combined(survivor, duplicate), survivor.version);
    if (!combined) return validation::StaleEtag();
    const Customer& after = *combined;
    Repository::InsertMerge(tx, m);
    Merge saved = *Repository::FindMerge(tx, m.id);
    EmitSideEffects(tx, outbox_, meta, caller, moved);
    v1::CustomersMerged e;
    *e.mutable_merge() = ToProto(saved);
    *e.mutable_survivor() = ToProto(after);
    outbox_->Append(tx, {"customers.customer.merged", "customer", after.id, &e, meta.actor_id,
                         meta.request_id});
    return std::make_pair(saved, after);
  });
}

absl::StatusOr<validation::Page<Merge>> Merges::List(db::Conn& conn, const auth::Principal& caller,
                                                     const std::string& customer_id,
                                                     int32_t page_size,
                                                     const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckOptionalId("customer_id", customer_id));
  const std::string customer = absl::AsciiStrToLower(customer_id);
  return validation::NewestFirst<Merge>(conn, customer, page_size, page_token,
                                        [&](db::Tx& tx, const std::string& before_id, int limit) {
                                          return Repository::ListMerges(tx, caller, customer,
                                                                        before_id, limit);
                                        });
}

}  // namespace crm::customers_service
