#include "services/payments/src/convert.h"

#include "absl/strings/str_cat.h"
#include "libs/enums/enum_table.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"
#include "libs/validation/updates.h"

namespace crm::payments_service {

using proto_time::DayOf;
using proto_time::SetDate;
using proto_time::SetTimestamp;

namespace {

constexpr enums::Named<ReceivableStatus> kStatusNames[] = {
    {ReceivableStatus::kOpen, "open"},
    {ReceivableStatus::kSettled, "settled"},
    {ReceivableStatus::kTerminated, "terminated"}};

constexpr enums::Pair<ReceivableStatus, v1::ReceivableStatus> kApiStatuses[] = {
    {ReceivableStatus::kOpen, v1::RECEIVABLE_STATUS_OPEN},
    {ReceivableStatus::kSettled, v1::RECEIVABLE_STATUS_SETTLED},
    {ReceivableStatus::kTerminated, v1::RECEIVABLE_STATUS_TERMINATED}};

constexpr enums::Named<PaymentKind> kKindNames[] = {{PaymentKind::kPayment, "payment"},
                                                    {PaymentKind::kReversal, "reversal"}};

constexpr enums::Pair<PaymentKind, v1::PaymentKind> kApiKinds[] = {
    {PaymentKind::kPayment, v1::PAYMENT_KIND_PAYMENT},
    {PaymentKind::kReversal, v1::PAYMENT_KIND_REVERSAL}};

constexpr enums::Named<DeliveryStatus> kDeliveryNames[] = {{DeliveryStatus::kPending, "pending"},
                                                           {DeliveryStatus::kShipped, "shipped"},
                                                           {DeliveryStatus::kAccepted, "accepted"}};

constexpr enums::Pair<DeliveryStatus, v1::DeliveryStatus> kApiDeliveryStatuses[] = {
    {DeliveryStatus::kPending, v1::DELIVERY_STATUS_PENDING},
    {DeliveryStatus::kShipped, v1::DELIVERY_STATUS_SHIPPED},
    {DeliveryStatus::kAccepted, v1::DELIVERY_STATUS_ACCEPTED}};

void SetMoney(int64_t minor, const std::string& currency, google::type::Money* out) {
  money::SetProto({minor, currency}, out);
}

}  // namespace

const char* StatusName(ReceivableStatus s) { return enums::Lookup(kStatusNames, s, "").data(); }
ReceivableStatus StatusFromName(const std::string& name) {
  return enums::ReverseLookup(kStatusNames, name, ReceivableStatus::kUnspecified);
}
const char* KindName(PaymentKind k) { return enums::Lookup(kKindNames, k, "").data(); }
PaymentKind KindFromName(const std::string& name) {
  return enums::ReverseLookup(kKindNames, name, PaymentKind::kUnspecified);
}
const char* DeliveryStatusName(DeliveryStatus s) {
  return enums::Lookup(kDeliveryNames, s, "").data();
}
DeliveryStatus DeliveryStatusFromName(const std::string& name) {
  return enums::ReverseLookup(kDeliveryNames, name, DeliveryStatus::kUnspecified);
}

v1::ReceivableStatus ToProto(ReceivableStatus s) {
  return enums::Lookup(kApiStatuses, s, v1::RECEIVABLE_STATUS_UNSPECIFIED);
}
ReceivableStatus FromProto(v1::ReceivableStatus s) {
  return enums::ReverseLookup(kApiStatuses, s, ReceivableStatus::kUnspecified);
}

v1::Balance ToProto(const Balance& b, const std::string& currency) {
  v1::Balance p;
  SetMoney(b.due_minor, currency, p.mutable_due());
  SetMoney(b.received_minor, currency, p.mutable_received());
  SetMoney(b.outstanding_minor(), currency, p.mutable_outstanding());
  SetMoney(b.overdue_minor, currency, p.mutable_overdue());
  SetMoney(b.aging_minor[0], currency, p.mutable_overdue_1_30_days());
  SetMoney(b.aging_minor[1], currency, p.mutable_overdue_31_60_days());
  SetMoney(b.aging_minor[2], currency, p.mutable_overdue_61_90_days());
  SetMoney(b.aging_minor[3], currency, p.mutable_overdue_over_90_days());
  return p;
}

v1::Installment ToProto(const Installment& i, const std::string& currency, absl::CivilDay today) {
  v1::Installment p;
  p.set_number(i.number);
  SetDate(i.due_date, p.mutable_due_date());
  SetMoney(i.amount_minor, currency, p.mutable_amount());
  SetMoney(i.paid_minor, currency, p.mutable_paid());
  p.set_status(i.paid_minor == i.amount_minor ? v1::INSTALLMENT_STATUS_PAID
               : i.paid_minor > 0             ? v1::INSTALLMENT_STATUS_PARTIALLY_PAID
                                              : v1::INSTALLMENT_STATUS_PENDING);
  if (i.Overdue(today)) {
    p.set_overdue(true);
    p.set_days_overdue(static_cast<int32_t>(today - i.due_date));
  }
  return p;
}

v1::Receivable ToProto(const Receivable& r, absl::CivilDay today) {
  v1::Receivable p;
  p.set_contract_id(r.contract_id);
  p.set_contract_number(r.contract_number);
  p.set_customer_id(r.customer_id);
  p.set_owner_id(r.owner_id);
  p.set_owner_department_id(r.owner_department_id);
  p.set_currency_code(r.currency);
  SetDate(r.sign_date, p.mutable_sign_date());
  p.set_status(ToProto(r.status));
  *p.mutable_balance() = ToProto(r.balance, r.currency);
  for (const Installment& i : r.installments) *p.add_installments() = ToProto(i, r.currency, today);
  for (const Line& l : r.lines) {
    v1::ReceivableLine* pl = p.add_lines();
    pl->set_position(l.position);
    pl->set_product_id(l.product_id);
    pl->set_product_name(l.product_name);
    pl->set_quantity(l.quantity);
    pl->set_delivered_quantity(l.delivered);
    pl->set_accepted_quantity(l.accepted);
  }
  p.set_plan_editable(!r.has_payments && r.status == ReceivableStatus::kOpen);
  SetTimestamp(r.created_at, p.mutable_create_time());
  SetTimestamp(r.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(r.version));
  return p;
}

std::string MaskAccountNumber(const std::string& number) {
  // Code points, counted by their first bytes.
  std::vector<size_t> starts;
  for (size_t i = 0; i < number.size(); ++i) {
    if ((static_cast<unsigned char>(number[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  if (starts.size() <= 4) return std::string(starts.size(), '*');
  const size_t keep_from = starts[starts.size() - 4];
  return std::string(starts.size() - 4, '*') + number.substr(keep_from);
}

v1::Payment ToProto(const Payment& p, bool masked) {
  v1::Payment o;
  o.set_id(p.id);
  o.set_contract_id(p.contract_id);
  o.set_kind(enums::Lookup(kApiKinds, p.kind, v1::PAYMENT_KIND_UNSPECIFIED));
  o.set_method(p.method);
  if (p.received_at) SetTimestamp(*p.received_at, o.mutable_receive_time());
  SetMoney(p.amount_minor, p.currency, o.mutable_amount());
  o.set_handler_id(p.handler_id);
  o.mutable_payer_account()->set_bank(p.payer.bank);
  o.mutable_payer_account()->set_account_name(p.payer.account_name);
  o.mutable_payer_account()->set_account_number(masked ? MaskAccountNumber(p.payer.account_number)
                                                       : p.payer.account_number);
  o.set_reference(p.reference);
  o.set_note(p.note);
  o.set_reverses_payment_id(p.reverses_id);
  o.set_reversed_by_payment_id(p.reversed_by_id);
  o.set_recorded_by(p.recorded_by);
  SetTimestamp(p.recorded_at, o.mutable_record_time());
  return o;
}

v1::Delivery ToProto(const Delivery& d) {
  v1::Delivery p;
  p.set_id(d.id);
  p.set_contract_id(d.contract_id);
  p.set_line_position(d.line_position);
  p.set_quantity(d.quantity);
  p.set_note(d.note);
  p.set_status(enums::Lookup(kApiDeliveryStatuses, d.status, v1::DELIVERY_STATUS_UNSPECIFIED));
  p.set_created_by(d.created_by);
  SetTimestamp(d.created_at, p.mutable_create_time());
  p.set_shipped_by(d.shipped_by);
  if (d.shipped_at) SetTimestamp(*d.shipped_at, p.mutable_ship_time());
  p.set_accepted_by(d.accepted_by);
  if (d.accepted_at) SetTimestamp(*d.accepted_at, p.mutable_accept_time());
  p.set_etag(validation::Etag(d.version));
  return p;
}

v1::CollectionNote ToProto(const CollectionNote& n) {
  v1::CollectionNote p;
  p.set_id(n.id);
  p.set_contract_id(n.contract_id);
  p.set_installment_number(n.installment_number);
  p.set_result(n.result);
  SetDate(n.promised_date, p.mutable_promised_date());
  p.set_author_id(n.author_id);
  SetTimestamp(n.created_at, p.mutable_create_time());
  return p;
}

v1::OverdueInstallment ToProto(const OverdueInstallment& o, absl::CivilDay today) {
  v1::OverdueInstallment p;
  const Receivable& r = o.receivable;
  p.set_contract_id(r.contract_id);
  p.set_contract_number(r.contract_number);
  p.set_customer_id(r.customer_id);
  p.set_owner_id(r.owner_id);
  p.set_owner_department_id(r.owner_department_id);
  *p.mutable_installment() = ToProto(o.installment, r.currency, today);
  SetMoney(o.installment.amount_minor - o.installment.paid_minor, r.currency,
           p.mutable_outstanding());
  if (o.last_note) *p.mutable_last_note() = ToProto(*o.last_note);
  return p;
}

Payment FromProto(const v1::Payment& p, Violations& v) {
  Payment o;
  o.contract_id = p.contract_id();
  o.method = p.method();
  if (p.has_receive_time())
    o.received_at = proto_time::TimeOf(p.receive_time(), "payment.receive_time", v);
  if (auto m = money::FromProto(p.amount(), p.has_amount(), "payment.amount", v)) {
    o.amount_minor = m->minor;
    o.currency = m->currency;
  }
  o.handler_id = p.handler_id();
  o.payer = {p.payer_account().bank(), p.payer_account().account_name(),
             p.payer_account().account_number()};
  o.reference = p.reference();
  o.note = p.note();
  return o;
}

Delivery FromProto(const v1::Delivery& p) {
  Delivery d;
  d.contract_id = p.contract_id();
  d.line_position = p.line_position();
  d.quantity = p.quantity();
  d.note = p.note();
  return d;
}

CollectionNote FromProto(const v1::CollectionNote& p, Violations& v) {
  CollectionNote n;
  n.contract_id = p.contract_id();
  n.installment_number = p.installment_number();
  n.result = p.result();
  n.promised_date = DayOf(p.promised_date(), "note.promised_date", v);
  return n;
}

std::vector<Installment> FromProto(const google::protobuf::RepeatedPtrField<v1::Installment>& plan,
                                   std::string& currency, Violations& v) {
  std::vector<Installment> out;
  for (int k = 0; k < plan.size(); ++k) {
    const std::string at = absl::StrCat("installments[", k, "]");
    Installment i;
    auto due = DayOf(plan[k].due_date(), at + ".due_date", v);
    if (due) {
      i.due_date = *due;
    } else if (!plan[k].has_due_date()) {
      v.Add(at + ".due_date", "is required");
    }
    auto amount = money::FromProto(plan[k].amount(), plan[k].has_amount(), at + ".amount", v);
    if (!amount) {
      v.Add(at + ".amount", "is required");
    } else {
      i.amount_minor = amount->minor;
      if (currency.empty()) currency = amount->currency;
      if (amount->currency != currency)
        v.Add(at + ".amount", "must be in one currency with the others");
    }
    out.push_back(i);
  }
  return out;
}

}  // namespace crm::payments_service
