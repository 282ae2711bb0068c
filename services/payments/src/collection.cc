#include "services/payments/src/collection.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crm/payments/v1/events.pb.h"
#include "libs/ids/uuid.h"
#include "libs/status/status_macros.h"
#include "libs/validation/text.h"
#include "services/payments/src/convert.h"
#include "services/payments/src/repository.h"

namespace crm::payments_service {
namespace {

using auth::Principal;

constexpr char kRead[] = "payments.read";
constexpr char kCollect[] = "payments.collect";

}  // namespace

absl::StatusOr<CollectionNote> Collection::AddNote(db::Conn& conn, const Principal& caller,
                                                   const RequestMeta& meta,
                                                   const std::string& request_id, CollectionNote n,
                                                   Violations decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kCollect));
  Violations v = std::move(decoding);
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "note.contract_id", n.contract_id);
  if (n.installment_number < 1) {
    v.Add("note.installment_number", "must be an installment's number (1, 2, …)");
  }
  n.result = std::string(validation::TrimSpace(n.result));
  validation::RequiredText(v, "note.result", n.result, 2000, true);
  const absl::CivilDay today = receivables_->Today();
  if (n.promised_date && *n.promised_date < today) {
    v.Add("note.promised_date", "must not be in the past");
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  n.id = ids::NewUuidV7();
  n.author_id = caller.user_id;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<CollectionNote> {
    CRM_ASSIGN_OR_RETURN(auto earlier, request_log_->Claim(tx, caller.user_id, request_id,
                                                           "AddCollectionNote", n.id));
    std::optional<Receivable> r = Repository::Get(tx, n.contract_id, caller, today, false);
    if (!r) return auth::NotVisible(caller.scope, "receivable", n.contract_id);
    if (earlier) {
      for (const CollectionNote& written : Repository::Notes(tx, n.contract_id)) {
        if (written.id == *earlier) return written;
      }
      return auth::NotVisible(caller.scope, "collection note", *earlier);
    }
    const Installment* installment = nullptr;
    for (const Installment& i : r->installments) {
      if (i.number == n.installment_number) installment = &i;
    }
    if (installment == nullptr) {
      return InvalidField("note.installment_number",
                          absl::StrCat("contract ", r->contract_number, " has installments 1 to ",
                                       r->installments.size()));
    }
    if (r->status != ReceivableStatus::kOpen || !installment->Overdue(today)) {
      return absl::FailedPreconditionError(
          absl::StrCat("installment ", n.installment_number, " of contract ", r->contract_number,
                       " is not overdue; collection notes are for overdue installments"));
    }
    CollectionNote written = Repository::InsertNote(tx, n);
    v1::CollectionNoted e;
    *e.mutable_note() = ToProto(written);
    outbox_->Append(tx, {"payments.collection.noted", "receivable", n.contract_id, &e,
                         meta.actor_id, meta.request_id});
    return written;
  });
}

absl::StatusOr<std::vector<CollectionNote>> Collection::Notes(
    db::Conn& conn, const Principal& caller, const std::string& contract_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("contract_id", contract_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<CollectionNote>> {
    if (!Repository::Get(tx, contract_id, caller, receivables_->Today(), /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "receivable", contract_id);
    }
    return Repository::Notes(tx, contract_id);
  });
}

absl::StatusOr<validation::Page<OverdueInstallment>> Collection::Overdue(
    db::Conn& conn, const Principal& caller, const ReceivableFilter& f, int32_t page_size,
    const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  Violations v;
  validation::OptionalUuid(v, "owner_id", f.owner_id);
  validation::OptionalUuid(v, "department_id", f.department_id);
  validation::OptionalUuid(v, "customer_id", f.customer_id);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int limit, validation::PageSize(page_size, 50, 500));
  const absl::CivilDay today = receivables_->Today();
  // The day is part of the filters: a token of yesterday's list does not continue today's.
  const std::string filters = absl::StrJoin(
      {f.owner_id, f.department_id, f.customer_id, absl::FormatCivilTime(today)}, "|");
  CRM_ASSIGN_OR_RETURN(auto keys, validation::DecodePageToken(page_token, filters, 3));
  std::optional<Repository::OverdueKey> after;
  if (!keys.empty()) {
    absl::CivilDay day;
    int number = 0;
    if (!absl::ParseCivilTime(keys[0], &day) || !ids::IsUuid(keys[1]) ||
        !absl::SimpleAtoi(keys[2], &number)) {
      return InvalidField("page_token", "is not a token of this list");
    }
    after = Repository::OverdueKey{keys[0], keys[1], number};
  }
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<validation::Page<OverdueInstallment>> {
    return validation::PageOf(Repository::Overdue(tx, f, caller, today, after, limit + 1), limit,
                              filters, [](const OverdueInstallment& o) {
                                return std::vector<std::string>{
                                    absl::FormatCivilTime(o.installment.due_date),
                                    o.receivable.contract_id, absl::StrCat(o.installment.number)};
                              });
  });
}

}  // namespace crm::payments_service
