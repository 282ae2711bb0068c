#include "services/payments/src/receivables.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crm/contracts/v1/events.pb.h"
#include "crm/payments/v1/events.pb.h"
#include "libs/events/customer_moves.h"
#include "libs/ids/uuid.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"
#include "libs/status/status_macros.h"
#include "libs/validation/newest_first.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/payments/src/convert.h"
#include "services/payments/src/repository.h"

namespace crm::payments_service {
namespace {

using auth::Principal;
namespace cv1 = ::crm::contracts::v1;

constexpr char kRead[] = "payments.read";
constexpr char kWrite[] = "payments.write";

constexpr int kMaxInstallments = 120;
// How far in the future a receive time may be (clocks differ a little).
constexpr absl::Duration kClockSkew = absl::Minutes(1);

std::string Amount(int64_t minor, const std::string& currency) {
  return money::Format({minor, currency});
}

// The receivable of a signed contract, as the contracts event describes it.
absl::StatusOr<Receivable> ReceivableOf(const cv1::Contract& c) {
  Receivable r;
  r.contract_id = c.id();
  r.contract_number = c.number();
  r.customer_id = c.customer_id();
  r.owner_id = c.owner_id();
  r.owner_department_id = c.owner_department_id();
  r.currency = c.currency_code();
  Violations v;
  auto amount = money::FromProto(c.amount(), c.has_amount(), "contract.amount", v);
  auto signed_on = proto_time::DayOf(c.sign_date(), "contract.sign_date", v);
  if (!v.empty() || !amount || amount->minor < 0 || amount->currency != r.currency) {
    return absl::InvalidArgumentError("the contract's amount is malformed");
  }
  if (!ids::IsUuid(r.contract_id) || !ids::IsUuid(r.customer_id) || !ids::IsUuid(r.owner_id)) {
    return absl::InvalidArgumentError("the contract's ids are malformed");
  }
  r.balance.due_minor = amount->minor;
  if (signed_on) r.sign_date = *signed_on;
  for (int i = 0; i < c.lines_size(); ++i) {
    r.lines.push_back(
        {i + 1, c.lines(i).product_id(), c.lines(i).product_name(), c.lines(i).quantity()});
  }
  return r;
}

}  // namespace

absl::CivilDay Receivables::Today() const { return absl::ToCivilDay(absl::Now(), zone_); }

void Receivables::Emit(db::Tx& tx, const RequestMeta& meta, const char* type,
                       const Receivable& r) const {
  v1::ReceivableChanged e;
  *e.mutable_receivable() = ToProto(r, Today());
  outbox_->Append(tx, {type, "receivable", r.contract_id, &e, meta.actor_id, meta.request_id});
}

absl::Status Receivables::ApplyContractEvent(db::Tx& tx, const common::v1::Event& event) const {
  cv1::ContractChanged changed;
  if (!event.payload().UnpackTo(&changed)) {
    return events::SkipEvent(event, absl::InvalidArgumentError("not a ContractChanged"));
  }
  const cv1::Contract& c = changed.contract();
  auto r = ReceivableOf(c);
  if (!r.ok()) return events::SkipEvent(event, r.status());
  const RequestMeta meta{event.request_id(), event.actor_id()};
  if (event.type() == "contracts.contract.signed") {
    if (c.status() != cv1::CONTRACT_STATUS_SIGNED) return absl::OkStatus();  // moved on since
    if (r->balance.due_minor > 0) {
      r->installments.push_back({1, r->sign_date + default_term_days_, r->balance.due_minor, 0});
    }
    if (Repository::InsertReceivable(tx, *r)) {
      Emit(tx, meta, "payments.receivable.created", *Repository::Find(tx, r->contract_id, Today()));
    }
    return absl::OkStatus();
  }
  const bool terminated = c.status() == cv1::CONTRACT_STATUS_TERMINATED;
  if (!Repository::Follow(tx, *r, terminated)) return absl::OkStatus();
  // What happened to the contract, not what it is now (a terminated one may be handed over).
  const char* type =
      event.type() == "contracts.contract.customer_merged" ? "payments.receivable.customer_merged"
      : event.type() == "contracts.contract.handed_over"   ? "payments.receivable.handed_over"
                                                           : "payments.receivable.terminated";
  Emit(tx, meta, type, *Repository::Find(tx, r->contract_id, Today()));
  return absl::OkStatus();
}

absl::StatusOr<Receivable> Receivables::Lock(db::Tx& tx, const Principal& caller,
                                             const std::string& contract_id) const {
  std::optional<Receivable> r = Repository::Get(tx, contract_id, caller, Today(), /*lock=*/true);
  if (!r) return auth::NotVisible(caller.scope, "receivable", contract_id);
  return *r;
}

absl::StatusOr<Receivable> Receivables::Get(db::Conn& conn, const Principal& caller,
                                            const std::string& contract_id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("contract_id", contract_id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Receivable> {
    std::optional<Receivable> r = Repository::Get(tx, contract_id, caller, Today(), /*lock=*/false);
    if (!r) return auth::NotVisible(caller.scope, "receivable", contract_id);
    return *r;
  });
}

namespace {

absl::Status CheckFilter(const ReceivableFilter& f) {
  Violations v;
  validation::OptionalUuid(v, "customer_id", f.customer_id);
  validation::OptionalUuid(v, "owner_id", f.owner_id);
  validation::OptionalUuid(v, "department_id", f.department_id);
  if (f.signed_from && f.signed_to && *f.signed_to < *f.signed_from) {
    v.Add("signed_to", "is before signed_from");
  }
  return v.ToStatus();
}

}  // namespace

absl::StatusOr<validation::Page<Receivable>> Receivables::List(
    db::Conn& conn, const Principal& caller, const ReceivableFilter& f, int32_t page_size,
    const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(CheckFilter(f));
  const absl::CivilDay today = Today();
  const std::string filters =
      absl::StrJoin({std::string(StatusName(f.status)), f.customer_id, f.owner_id, f.department_id,
                     f.signed_from ? absl::FormatCivilTime(*f.signed_from) : std::string(),
                     f.signed_to ? absl::FormatCivilTime(*f.signed_to) : std::string(),
                     std::string(f.overdue_only ? "overdue" : "")},
                    "|");
  return validation::NewestFirst<Receivable>(
      conn, filters, page_size, page_token,
      [&](db::Tx& tx, const std::string& before_id, int limit) {
        return Repository::List(tx, f, caller, today, before_id, limit);
      },
      [](const Receivable& r) { return std::vector<std::string>{r.contract_id}; });
}

absl::StatusOr<Balance> Receivables::Summarize(db::Conn& conn, const Principal& caller,
                                               ReceivableFilter f) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(CheckFilter(f));
  if (f.currency.empty()) f.currency = "CNY";
  Violations v;
  money::CheckAmount(v, "currency", money::Money{0, f.currency});
  if (!v.empty()) return InvalidField("currency_code", "must be an ISO 4217 code such as CNY");
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Balance> {
    return Repository::Summarize(tx, f, caller, Today());
  });
}

absl::StatusOr<Receivable> Receivables::SetPlan(
    db::Conn& conn, const Principal& caller, const RequestMeta& meta,
    const std::string& contract_id, const std::string& etag, std::vector<Installment> plan,
    const std::string& plan_currency, Violations decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v = std::move(decoding);
  validation::RequiredUuid(v, "contract_id", contract_id);
  if (plan.empty() || plan.size() > kMaxInstallments) {
    v.Add("installments", absl::StrCat("must have 1 to ", kMaxInstallments, " installments"));
  }
  for (size_t k = 0; k < plan.size(); ++k) {
    if (plan[k].amount_minor <= 0) {
      v.Add(absl::StrCat("installments[", k, "].amount"), "must be positive");
    }
    for (size_t j = 0; j < k; ++j) {
      if (plan[j].due_date == plan[k].due_date) {
        v.Add(absl::StrCat("installments[", k, "].due_date"),
              absl::StrCat("is the due date of installments[", j, "] too"));
      }
    }
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  std::sort(plan.begin(), plan.end(),
            [](const Installment& a, const Installment& b) { return a.due_date < b.due_date; });
  int64_t total = 0;
  for (size_t k = 0; k < plan.size(); ++k) {
    plan[k].number = static_cast<int>(k) + 1;
    plan[k].paid_minor = 0;
    if (__builtin_add_overflow(total, plan[k].amount_minor, &total)) {
      return InvalidField("installments", "the total amount is too large");
    }
  }
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Receivable> {
    CRM_ASSIGN_OR_RETURN(Receivable current, Lock(tx, caller, contract_id));
    if (expected != 0 && current.version != expected) return validation::StaleEtag();
    if (current.status != ReceivableStatus::kOpen) {
      return absl::FailedPreconditionError(
          absl::StrCat("receivable of contract ", current.contract_number, " is ",
                       StatusName(current.status), "; its plan is fixed"));
    }
    if (plan_currency != current.currency) {
      return InvalidField("installments", absl::StrCat("amounts must be in ", current.currency,
                                                       ", the receivable's currency"));
    }
    if (total != current.balance.due_minor) {
      return InvalidField("installments",
                          absl::StrCat("add up to ", Amount(total, current.currency),
                                       "; they must add up to the amount due, ",
                                       Amount(current.balance.due_minor, current.currency)));
    }
    if (current.has_payments) {
      return absl::FailedPreconditionError(
          absl::StrCat("contract ", current.contract_number,
                       " has payments recorded; its plan is fixed from the first payment"));
    }
    auto same = [](const Installment& a, const Installment& b) {
      return a.due_date == b.due_date && a.amount_minor == b.amount_minor;
    };
    if (std::equal(plan.begin(), plan.end(), current.installments.begin(),
                   current.installments.end(), same)) {
      return current;  // unchanged (or a retry)
    }
    if (!Repository::ReplacePlan(tx, contract_id, current.version, plan)) {
      return validation::StaleEtag();
    }
    Receivable saved = *Repository::Find(tx, contract_id, Today());
    Emit(tx, meta, "payments.receivable.plan_set", saved);
    return saved;
  });
}

absl::Status Receivables::CheckRecord(const Principal& caller, const std::string& request_id,
                                      const Payment& p, const Violations& decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v = decoding;
  if (request_id.empty()) {
    v.Add("request_id", "is required: a payment is recorded once per request id");
  } else {
    db::CheckRequestId(v, request_id);
  }
  validation::RequiredUuid(v, "payment.contract_id", p.contract_id);
  if (validation::Required(v, "payment.method", p.method)) {
    validation::MaxChars(v, "payment.method", p.method, 32);
  }
  if (!p.received_at) {
    if (!v.Has("payment.receive_time")) v.Add("payment.receive_time", "is required");
  } else if (*p.received_at > absl::Now() + kClockSkew) {
    v.Add("payment.receive_time", "must not be in the future");
  }
  if (!v.Has("payment.amount")) {
    if (p.currency.empty() && p.amount_minor == 0) {
      v.Add("payment.amount", "is required");
    } else if (p.amount_minor <= 0) {
      v.Add("payment.amount", "must be positive");
    } else {
      money::CheckAmount(v, "payment.amount", money::Money{p.amount_minor, p.currency});
    }
  }
  validation::OptionalUuid(v, "payment.handler_id", p.handler_id);
  validation::OptionalText(v, "payment.payer_account.bank", p.payer.bank, 100);
  validation::OptionalText(v, "payment.payer_account.account_name", p.payer.account_name, 100);
  validation::OptionalText(v, "payment.payer_account.account_number", p.payer.account_number, 64);
  validation::OptionalText(v, "payment.reference", p.reference, 100);
  validation::OptionalText(v, "payment.note", p.note, 2000, true);
  return v.ToStatus();
}

absl::StatusOr<Payment> Receivables::Record(db::Conn& conn, const Principal& caller,
                                            const RequestMeta& meta, const std::string& request_id,
                                            Payment p,
                                            const std::optional<service::DirectoryUser>& handler,
                                            Violations decoding) const {
  CRM_RETURN_IF_ERROR(CheckRecord(caller, request_id, p, decoding));
  if (handler) {
    if (!handler->active || !handler->human) {
      return InvalidField("payment.handler_id", "is not an active person");
    }
    p.handler_id = handler->id;
  } else {
    if (caller.service_account) {
      return InvalidField("payment.handler_id",
                          "is required when a service account records a payment");
    }
    p.handler_id = caller.user_id;
  }
  p.id = ids::NewUuidV7();
  p.kind = PaymentKind::kPayment;
  p.recorded_by = caller.user_id;
  p.reverses_id.clear();
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Payment> {
    // The receivable is locked before anything is written (the request's claim too), so that
    // events of the same receivable are in the order of their commits (see the outbox).
    std::optional<Repository::PaymentTarget> target =
        Repository::LockForPayment(tx, p.contract_id, caller, p.method);
    if (!target) return auth::NotVisible(caller.scope, "receivable", p.contract_id);
    CRM_ASSIGN_OR_RETURN(
        auto earlier, request_log_->Claim(tx, caller.user_id, request_id, "RecordPayment", p.id));
    if (earlier) return GetPayment(tx, caller, *earlier);
    const Receivable& r = target->receivable;
    if (!target->method_active) {
      std::vector<std::string> codes;
      for (const auto& m : Repository::Methods(tx)) codes.push_back(m.code);
      return InvalidField("payment.method", absl::StrCat("is not a payment method (",
                                                         absl::StrJoin(codes, ", "), ")"));
    }
    if (!*target->method_active) return InvalidField("payment.method", "is no longer in use");
    if (p.currency != r.currency) {
      return InvalidField("payment.amount",
                          absl::StrCat("must be in ", r.currency, ", the receivable's currency"));
    }
    if (r.status == ReceivableStatus::kTerminated) {
      return absl::FailedPreconditionError(absl::StrCat(
          "contract ", r.contract_number, " was terminated; no payments are recorded for it"));
    }
    const int64_t outstanding = r.balance.outstanding_minor();
    if (p.amount_minor > outstanding) {
      return absl::FailedPreconditionError(
          absl::StrCat("payment.amount: ", Amount(p.amount_minor, p.currency),
                       " is more than the outstanding amount of contract ", r.contract_number, ", ",
                       Amount(outstanding, r.currency)));
    }
    const int64_t received = r.balance.received_minor + p.amount_minor;
    p.recorded_at = Repository::WritePayment(tx, p, received);
    Receivable after = r;
    if (received == r.balance.due_minor) {
      after.status = SettleOrReopen(tx, meta, r.contract_id).value_or(r.status);
    }
    EmitPayment(tx, meta, "payments.payment.recorded", p, after, received);
    return p;
  });
}

absl::StatusOr<Payment> Receivables::Reverse(db::Conn& conn, const Principal& caller,
                                             const RequestMeta& meta, const std::string& request_id,
                                             const std::string& payment_id,
                                             const std::string& reason) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v;
  if (request_id.empty()) {
    v.Add("request_id", "is required: a reversal is recorded once per request id");
  } else {
    db::CheckRequestId(v, request_id);
  }
  validation::RequiredUuid(v, "payment_id", payment_id);
  const std::string why(validation::TrimSpace(reason));
  validation::RequiredText(v, "reason", why, 2000, true);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  const std::string id = ids::NewUuidV7();
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Payment> {
    std::optional<Payment> found = Repository::FindPayment(tx, payment_id);
    if (!found) return auth::NotVisible(caller.scope, "payment", payment_id);
    std::optional<Receivable> locked =
        Repository::Get(tx, found->contract_id, caller, Today(), /*lock=*/true);
    if (!locked) return auth::NotVisible(caller.scope, "payment", payment_id);
    Receivable r = *std::move(locked);
    // Claimed after the lock (see RecordPayment).
    CRM_ASSIGN_OR_RETURN(auto earlier,
                         request_log_->Claim(tx, caller.user_id, request_id, "ReversePayment", id));
    if (earlier) return GetPayment(tx, caller, *earlier);
    const Payment original = *Repository::FindPayment(tx, payment_id);  // under the lock
    if (original.kind != PaymentKind::kPayment) {
      return absl::FailedPreconditionError(
          absl::StrCat("payment ", payment_id, " is a reversal; a reversal is not reversed"));
    }
    if (!original.reversed_by_id.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "payment ", payment_id, " was already reversed by ", original.reversed_by_id));
    }
    Payment reversal = original;
    reversal.id = id;
    reversal.kind = PaymentKind::kReversal;
    reversal.amount_minor = -original.amount_minor;
    reversal.received_at = absl::Now();
    reversal.handler_id = caller.user_id;
    reversal.note = why;
    reversal.reverses_id = original.id;
    reversal.reversed_by_id.clear();
    reversal.recorded_by = caller.user_id;
    reversal.recorded_at =
        Repository::WritePayment(tx, reversal, r.balance.received_minor - original.amount_minor);
    Receivable after = r;
    after.status = SettleOrReopen(tx, meta, r.contract_id).value_or(r.status);
    EmitPayment(tx, meta, "payments.payment.reversed", reversal, after,
                r.balance.received_minor - original.amount_minor);
    return reversal;
  });
}

absl::StatusOr<Payment> Receivables::GetPayment(db::Tx& tx, const Principal& caller,
                                                const std::string& id) const {
  std::optional<Payment> p = Repository::FindPayment(tx, id);
  if (!p || !Repository::Get(tx, p->contract_id, caller, Today(), /*lock=*/false)) {
    return auth::NotVisible(caller.scope, "payment", id);
  }
  return *p;
}

absl::StatusOr<Payment> Receivables::GetPayment(db::Conn& conn, const Principal& caller,
                                                const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  return conn.Read(
      [&](db::Tx& tx) -> absl::StatusOr<Payment> { return GetPayment(tx, caller, id); });
}

absl::StatusOr<validation::Page<Payment>> Receivables::ListPayments(
    db::Conn& conn, const Principal& caller, const std::string& contract_id, int32_t page_size,
    const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("contract_id", contract_id));
  CRM_RETURN_IF_ERROR(Get(conn, caller, contract_id).status());
  return validation::NewestFirst<Payment>(conn, contract_id, page_size, page_token,
                                          [&](db::Tx& tx, const std::string& before_id, int limit) {
                                            return Repository::Payments(tx, contract_id, before_id,
                                                                        limit);
                                          });
}

absl::StatusOr<std::vector<PaymentMethod>> Receivables::Methods(db::Conn& conn,
                                                                const Principal& caller) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<PaymentMethod>> {
    return Repository::Methods(tx);
  });
}

void Receivables::EmitPayment(db::Tx& tx, const RequestMeta& meta, const char* type,
                              const Payment& p, Receivable r, int64_t received) const {
  r.balance = Balance{r.balance.due_minor, received};
  r.installments.clear();
  r.lines.clear();
  v1::PaymentRecorded e;
  *e.mutable_payment() = ToProto(p, /*masked=*/true);
  *e.mutable_receivable() = ToProto(r, Today());
  // Only what the record changed is known here: overdue amounts are left out.
  e.mutable_receivable()->mutable_balance()->clear_overdue();
  e.mutable_receivable()->mutable_balance()->clear_overdue_1_30_days();
  e.mutable_receivable()->mutable_balance()->clear_overdue_31_60_days();
  e.mutable_receivable()->mutable_balance()->clear_overdue_61_90_days();
  e.mutable_receivable()->mutable_balance()->clear_overdue_over_90_days();
  e.mutable_receivable()->clear_update_time();
  e.mutable_receivable()->clear_etag();
  outbox_->Append(tx, {type, "receivable", r.contract_id, &e, meta.actor_id, meta.request_id});
}

std::optional<ReceivableStatus> Receivables::SettleOrReopen(db::Tx& tx, const RequestMeta& meta,
                                                            const std::string& contract_id) const {
  const char* type = nullptr;
  ReceivableStatus status = ReceivableStatus::kUnspecified;
  if (Repository::Settle(tx, contract_id)) {
    type = "payments.receivable.settled";
    status = ReceivableStatus::kSettled;
  } else if (Repository::Reopen(tx, contract_id)) {
    type = "payments.receivable.reopened";
    status = ReceivableStatus::kOpen;
  } else {
    return std::nullopt;
  }
  Emit(tx, meta, type, *Repository::Find(tx, contract_id, Today()));
  return status;
}

}  // namespace crm::payments_service
