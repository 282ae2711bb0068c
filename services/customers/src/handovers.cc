#include "services/customers/src/handovers.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crm/customers/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/status/field_violations.h"
#include "libs/status/status_macros.h"
#include "libs/validation/newest_first.h"
#include "libs/validation/paging.h"
#include "libs/validation/text.h"
#include "services/customers/src/convert.h"
#include "services/customers/src/customers.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {

using auth::Principal;

absl::Status Handovers::Check(const Principal& caller, const HandoverRequest& r) {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.handover"));
  Violations v;
  db::CheckRequestId(v, r.request_id);
  validation::RequiredUuid(v, "from_user_id", r.from_user_id);
  validation::RequiredUuid(v, "to_user_id", r.to_user_id);
  if (!r.to_user_id.empty() &&
      absl::AsciiStrToLower(r.from_user_id) == absl::AsciiStrToLower(r.to_user_id)) {
    v.Add("to_user_id", "must differ from from_user_id");
  }
  if (r.customer_ids.size() > kMaxListed) {
    v.Add("customer_ids", absl::StrCat("at most ", kMaxListed, " (none for all)"));
  } else {
    for (size_t i = 0; i < r.customer_ids.size(); ++i) {
      validation::RequiredUuid(v, absl::StrCat("customer_ids[", i, "]"), r.customer_ids[i]);
    }
  }
  validation::RequiredText(v, "reason", r.reason, 500, true);
  return v.ToStatus();
}

absl::StatusOr<Handover> Handovers::Run(db::Conn& conn, const Principal& caller,
                                        const RequestMeta& meta, HandoverRequest r,
                                        const service::DirectoryUser& to) const {
  CRM_RETURN_IF_ERROR(Check(caller, r));
  if (!to.human) {
    return absl::FailedPreconditionError(
        absl::StrCat("to_user_id ", r.to_user_id, " is a service account, not a person"));
  }
  if (!to.active) {
    return absl::FailedPreconditionError(
        absl::StrCat("to_user_id ", r.to_user_id, " is disabled and cannot own customers"));
  }
  if (caller.scope == auth::DataScope::kDepartment && !caller.InDepartmentTree(to.department_id)) {
    return absl::PermissionDeniedError(
        absl::StrCat("to_user_id ", r.to_user_id, " is outside your departments"));
  }
  for (auto& id : r.customer_ids) id = absl::AsciiStrToLower(id);
  std::sort(r.customer_ids.begin(), r.customer_ids.end());
  r.customer_ids.erase(std::unique(r.customer_ids.begin(), r.customer_ids.end()),
                       r.customer_ids.end());
  Handover h;
  h.id = ids::NewUuidV7();
  h.from_user_id = absl::AsciiStrToLower(r.from_user_id);
  h.to_user_id = absl::AsciiStrToLower(r.to_user_id);
  h.to_department_id = to.department_id;
  h.reason = std::string(validation::TrimSpace(r.reason));
  h.created_by = caller.user_id;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Handover> {
    // The customers are locked before the request id is claimed (see "Events").
    const bool listed = !r.customer_ids.empty();
    h.customer_ids =
        Repository::LockOwned(tx, h.from_user_id, r.customer_ids, caller,
                              listed ? static_cast<int>(r.customer_ids.size()) : kMaxAll + 1);
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, r.request_id,
                                                           "HandOverCustomers", h.id));
    if (earlier) {
      auto existing = Repository::FindHandover(tx, *earlier);
      if (!existing) return absl::NotFoundError("the hand-over this request made is gone");
      return *existing;
    }
    if (listed && h.customer_ids.size() < r.customer_ids.size()) {
      for (const auto& id : r.customer_ids) {
        if (std::binary_search(h.customer_ids.begin(), h.customer_ids.end(), id)) continue;
        CRM_RETURN_IF_ERROR(Repository::CheckCustomerInScope(tx, id, caller, false));
        return absl::FailedPreconditionError(
            absl::StrCat("customer ", id, " is not owned by from_user_id ", h.from_user_id,
                         "; nothing was handed over"));
      }
    }
    if (h.customer_ids.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("from_user_id ", h.from_user_id, " owns no customers within your scope"));
    }
    if (static_cast<int>(h.customer_ids.size()) > kMaxAll) {
      return absl::FailedPreconditionError(
          absl::StrCat("from_user_id ", h.from_user_id, " owns more than ", kMaxAll,
                       " customers within your scope; hand them over in parts (customer_ids)"));
    }
    Repository::InsertHandover(tx, h);  // first: it records the departments until now
    Repository::Reassign(tx, h.customer_ids, h.from_user_id, h.to_user_id, h.to_department_id);
    // Each customer's new owner on its own stream of changes, then the hand-over as a whole.
    const std::vector<Customer> moved = Repository::FindMany(tx, h.customer_ids);
    std::vector<const Customer*> changed;
    for (const Customer& c : moved) changed.push_back(&c);
    EmitCustomerChanges(tx, *outbox_, meta, changed);
    auto saved = Repository::FindHandover(tx, h.id);
    v1::CustomersHandedOver e;
    *e.mutable_handover() = ToProto(*saved);
    outbox_->Append(tx, {"customers.handover.completed", "handover", saved->id, &e, meta.actor_id,
                         meta.request_id});
    return *saved;
  });
}

absl::StatusOr<validation::Page<Handover>> Handovers::List(db::Conn& conn,
                                                           const auth::Principal& caller,
                                                           const std::string& user_id,
                                                           int32_t page_size,
                                                           const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, "customers.read"));
  CRM_RETURN_IF_ERROR(validation::CheckOptionalId("user_id", user_id));
  const std::string user = absl::AsciiStrToLower(user_id);
  return validation::NewestFirst<Handover>(
      conn, user, page_size, page_token, [&](db::Tx& tx, const std::string& before_id, int limit) {
        return Repository::ListHandovers(tx, caller, user, before_id, limit);
      });
}

}  // namespace crm::customers_service
