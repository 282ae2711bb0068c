#include "services/contracts/src/contracts.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crm/common/v1/orders.pb.h"
#include "crm/contracts/v1/events.pb.h"
#include "crm/payments/v1/events.pb.h"
#include "libs/events/customer_moves.h"
#include "libs/ids/uuid.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"
#include "libs/status/status_macros.h"
#include "libs/validation/fields.h"
#include "libs/validation/newest_first.h"
#include "libs/validation/text.h"
#include "libs/validation/updates.h"
#include "services/contracts/src/convert.h"
#include "services/contracts/src/repository.h"

namespace crm::contracts_service {
namespace {

using auth::Principal;
using validation::InMask;

constexpr char kRead[] = "contracts.read";
constexpr char kWrite[] = "contracts.write";
constexpr char kReview[] = "contracts.review";

constexpr int kMaxLines = 200;
constexpr int64_t kMaxQuantity = 1'000'000'000;

const std::vector<validation::Field<Contract>>& ContractFields() {
  static const auto* fields = new std::vector<validation::Field<Contract>>{
      CRM_FIELD(Contract, title),
      CRM_FIELD(Contract, lines),
      CRM_FIELD_AT(Contract, "currency_code", currency),
      CRM_FIELD(Contract, terms),
      CRM_FIELD(Contract, start_date),
      CRM_FIELD(Contract, end_date),
      CRM_FIELD(Contract, channel)};
  return *fields;
}

bool IsCurrencyCode(const std::string& s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// The fields of `c` a create or an update (masked) sets.
void ValidateFields(Violations& v, const Contract& c, const std::vector<std::string>* mask) {
  auto check = [&](const char* f) { return mask == nullptr || InMask(*mask, f); };
  if (check("title")) validation::Name(v, "contract.title", c.title, 200);
  if (check("currency_code") && !IsCurrencyCode(c.currency)) {
    v.Add("contract.currency_code", "must be an ISO 4217 code such as CNY");
  }
  if (check("lines")) {
    if (c.lines.size() > kMaxLines) {
      v.Add("contract.lines", absl::StrCat("must have at most ", kMaxLines, " lines"));
    }
    for (size_t i = 0; i < c.lines.size(); ++i) {
      const Line& l = c.lines[i];
      const std::string at = absl::StrCat("contract.lines[", i, "]");
      if (validation::Required(v, at + ".product_id", l.product_id)) {
        validation::MaxChars(v, at + ".product_id", l.product_id, 64);
      }
      if (l.quantity < 1 || l.quantity > kMaxQuantity) {
        v.Add(at + ".quantity", absl::StrCat("must be between 1 and ", kMaxQuantity));
      }
      if (l.discount_minor < 0) v.Add(at + ".discount", "must not be negative");
    }
  }
  if (check("terms")) validation::OptionalText(v, "contract.terms", c.terms, 20000, true);
  if ((check("start_date") || check("end_date")) && c.start_date && c.end_date &&
      *c.end_date < *c.start_date) {
    v.Add("contract.end_date", "must not be before start_date");
  }
}

void Emit(db::Tx& tx, const events::Outbox& outbox, const RequestMeta& meta, const char* type,
          const Contract& c) {
  v1::ContractChanged e;
  *e.mutable_contract() = ToProto(c);
  outbox.Append(tx, {type, "contract", c.id, &e, meta.actor_id, meta.request_id});
}

// The order a signed contract is, for those who follow orders (churn, payments, analytics).
void EmitOrder(db::Tx& tx, const events::Outbox& outbox, const RequestMeta& meta,
               const Contract& c) {
  common::v1::OrderPlaced o;
  o.set_order_id(c.id);
  o.set_customer_id(c.customer_id);
  if (c.sign_date) proto_time::SetDate(c.sign_date, o.mutable_order_date());
  money::SetProto({c.amount_minor, c.currency}, o.mutable_amount());
  for (const Line& l : c.lines) {
    common::v1::OrderLine* ol = o.add_lines();
    ol->set_product_id(l.product_id);
    ol->set_product_name(l.product_name);
    ol->set_quantity(l.quantity);
    money::SetProto({l.amount_minor, c.currency}, ol->mutable_amount());
  }
  o.set_source("contracts");
  o.set_number(c.number);
  outbox.Append(tx,
                {"contracts.order.placed", "contract", c.id, &o, meta.actor_id, meta.request_id});
}

absl::Status WrongStatus(const Contract& c, const std::string& what) {
  return absl::FailedPreconditionError(
      absl::StrCat("contract ", c.number, " is ", StatusName(c.status), "; ", what));
}

// The contract as the caller may see it, for a change: locked, or PERMISSION_DENIED /
// NOT_FOUND; ABORTED when the etag's version is not the current one.
absl::StatusOr<Contract> Lock(db::Tx& tx, const Principal& caller, const std::string& id,
                              int64_t expected_version) {
  std::optional<Contract> c = Repository::Get(tx, id, caller, /*lock=*/true);
  if (!c) return auth::NotVisible(caller.scope, "contract", id);
  if (expected_version != 0 && c->version != expected_version) return validation::StaleEtag();
  return *c;
}

bool Owns(const Principal& caller, const Contract& c) { return caller.user_id == c.owner_id; }

// Reviewers see the contract (the scoped read found it) and hold contracts.review.
bool Reviews(const Principal& caller) { return caller.Can(kReview); }

// Whether the caller may submit `c` (read at `expected`, 0: any version); `retry` when it is
// already pending review and no version was named (a retry gets it as it is).
absl::Status CheckSubmittable(const Principal& caller, const Contract& c, int64_t expected,
                              bool* retry) {
  *retry = false;
  if (!Owns(caller, c)) return absl::PermissionDeniedError("a contract is submitted by its owner");
  if (c.status == ContractStatus::kPendingReview && expected == 0) {
    *retry = true;
    return absl::OkStatus();
  }
  if (expected != 0 && c.version != expected) return validation::StaleEtag();
  if (c.status != ContractStatus::kDraft) return WrongStatus(c, "only a draft is submitted");
  Violations v;
  if (c.lines.empty()) v.Add("lines", "a contract is submitted with at least one line");
  if (!c.start_date) v.Add("start_date", "is required to submit");
  if (!c.end_date) v.Add("end_date", "is required to submit");
  if (!v.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("contract ", c.number, " is incomplete: ", v.ToStatus().message()));
  }
  return absl::OkStatus();
}

// Sums the lines into the contract's totals; INVALID_ARGUMENT when they overflow.
absl::Status Total(Contract& c) {
  c.gross_minor = 0;
  c.discount_minor = 0;
  for (const Line& l : c.lines) {
    if (__builtin_add_overflow(c.gross_minor, l.amount_minor + l.discount_minor, &c.gross_minor) ||
        __builtin_add_overflow(c.discount_minor, l.discount_minor, &c.discount_minor)) {
      return InvalidField("contract.lines", "the total amount is too large");
    }
  }
  c.amount_minor = c.gross_minor - c.discount_minor;
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& Contracts::UpdatableFields() {
  static const auto* paths = new std::vector<std::string>(validation::PathsOf(ContractFields()));
  return *paths;
}

absl::CivilDay Contracts::Today() const { return absl::ToCivilDay(absl::Now(), zone_); }

std::vector<std::string> Contracts::ProductIds(const std::vector<Line>& lines) {
  std::vector<std::string> ids;
  for (const Line& l : lines) {
    if (std::find(ids.begin(), ids.end(), l.product_id) == ids.end()) ids.push_back(l.product_id);
  }
  return ids;
}

absl::Status Contracts::Price(std::vector<Line>& lines, const std::string& currency,
                              const salesys::Products& catalogue) {
  std::map<std::string, const salesys::v1::Product*> by_id;
  for (const auto& p : catalogue.found) by_id[p.id()] = &p;
  for (size_t i = 0; i < lines.size(); ++i) {
    Line& l = lines[i];
    const std::string at = absl::StrCat("contract.lines[", i, "]");
    if (!l.discount_currency.empty() && l.discount_currency != currency) {
      return InvalidField(at + ".discount",
                          absl::StrCat("must be in the contract's currency ", currency));
    }
    auto found = by_id.find(l.product_id);
    if (found == by_id.end()) {
      return absl::FailedPreconditionError(absl::StrCat(at, ".product_id: product ", l.product_id,
                                                        " is not in the sales system's catalogue"));
    }
    const salesys::v1::Product& p = *found->second;
    if (!p.active()) {
      return absl::FailedPreconditionError(
          absl::StrCat(at, ".product_id: product ", p.id(), " (", p.name(), ") is discontinued"));
    }
    Violations v;
    auto price = money::FromProto(p.list_price(), p.has_list_price(), at + ".unit_price", v);
    if (!v.empty() || !price || price->minor < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          at, ".product_id: product ", p.id(), " has no valid list price in the catalogue"));
    }
    if (price->currency != currency) {
      return absl::FailedPreconditionError(absl::StrCat(at, ".product_id: product ", p.id(),
                                                        " is priced in ", price->currency,
                                                        ", the contract in ", currency));
    }
    int64_t gross = 0;
    if (__builtin_mul_overflow(l.quantity, price->minor, &gross)) {
      return InvalidField(at + ".quantity", "the line's amount is too large");
    }
    if (l.discount_minor > gross) {
      return InvalidField(at + ".discount", absl::StrCat("is more than the line's gross amount (",
                                                         gross, " minor units of ", currency, ")"));
    }
    l.product_code = p.code();
    l.product_line_id = p.product_line_id();
    l.product_name = p.name();
    l.specification = p.specification();
    l.unit = p.unit();
    l.unit_price_minor = price->minor;
    l.amount_minor = gross - l.discount_minor;
  }
  return absl::OkStatus();
}

ReviewLevel Contracts::LevelFor(const Contract& c) const {
  // discount / gross > percent / 100, in integers (both sides far below int64's range).
  const __int128 discount = c.discount_minor;
  const bool big_discount =
      discount * 100 > static_cast<__int128>(c.gross_minor) * policy_.executive_discount_percent;
  const auto limit = policy_.executive_amount_minor.find(c.currency);
  const bool big_amount =
      limit == policy_.executive_amount_minor.end() || c.amount_minor > limit->second;
  return big_amount || big_discount ? ReviewLevel::kExecutive : ReviewLevel::kSalesManager;
}

absl::StatusOr<std::map<std::string, int64_t>> ParseAmountLimits(absl::string_view text) {
  std::map<std::string, int64_t> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(absl::StripAsciiWhitespace(item), absl::MaxSplits('=', 1));
    int64_t minor = 0;
    Violations v;
    money::CheckAmount(v, "limit", money::Money{0, std::string(kv.first)});
    if (!v.empty() || !absl::SimpleAtoi(kv.second, &minor) || minor < 0 ||
        !out.emplace(std::string(kv.first), minor).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", item,
                       "\" is not a currency and its limit in minor units, such as CNY=100000000,"
                       " each currency once"));
    }
  }
  return out;
}

absl::Status Contracts::CheckCreate(const Principal& caller, const std::string& request_id,
                                    const Contract& c, const Violations& decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v = decoding;
  db::CheckRequestId(v, request_id);
  validation::RequiredUuid(v, "contract.customer_id", c.customer_id);
  validation::OptionalUuid(v, "contract.opportunity_id", c.opportunity_id);
  Contract defaulted = c;
  if (defaulted.currency.empty()) defaulted.currency = "CNY";
  ValidateFields(v, defaulted, nullptr);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  if (caller.service_account) {
    return absl::FailedPreconditionError("contracts are created by people");
  }
  return absl::OkStatus();
}

absl::StatusOr<Contract> Contracts::Create(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const std::string& request_id,
                                           Contract c, const salesys::Products& catalogue,
                                           Violations decoding) const {
  CRM_RETURN_IF_ERROR(CheckCreate(caller, request_id, c, decoding));
  if (c.currency.empty()) c.currency = "CNY";
  if (c.channel == Channel::kUnspecified) c.channel = Channel::kDirect;
  CRM_RETURN_IF_ERROR(Price(c.lines, c.currency, catalogue));
  CRM_RETURN_IF_ERROR(Total(c));
  c.id = ids::NewUuidV7();
  c.title = std::string(validation::TrimSpace(c.title));
  c.owner_id = caller.user_id;
  c.owner_department_id = caller.department_id;
  c.creator_id = caller.user_id;
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Contract> {
    CRM_ASSIGN_OR_RETURN(
        auto earlier, request_log_->Claim(tx, caller.user_id, request_id, "CreateContract", c.id));
    if (earlier) {
      auto existing = Repository::Get(tx, *earlier, caller, /*lock=*/false);
      if (!existing) return auth::NotVisible(caller.scope, "contract", *earlier);
      return *existing;
    }
    Contract created = Repository::Insert(tx, c, absl::FormatTime("%Y%m%d", absl::Now(), zone_));
    Repository::ReplaceLines(tx, created.id, created.lines, /*fresh=*/true);
    Emit(tx, *outbox_, meta, "contracts.contract.created", created);
    return created;
  });
}

absl::StatusOr<Contract> Contracts::Get(db::Conn& conn, const Principal& caller,
                                        const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Contract> {
    std::optional<Contract> c = Repository::Get(tx, id, caller, /*lock=*/false);
    if (!c) return auth::NotVisible(caller.scope, "contract", id);
    return *c;
  });
}

absl::StatusOr<validation::Page<Contract>> Contracts::List(db::Conn& conn, const Principal& caller,
                                                           const ContractFilter& f,
                                                           int32_t page_size,
                                                           const std::string& page_token) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  Violations v;
  validation::OptionalUuid(v, "customer_id", f.customer_id);
  validation::OptionalUuid(v, "owner_id", f.owner_id);
  validation::OptionalUuid(v, "opportunity_id", f.opportunity_id);
  if (f.signed_from && f.signed_to && *f.signed_to < *f.signed_from) {
    v.Add("signed_to", "is before signed_from");
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  const std::string filters =
      absl::StrJoin({std::string(StatusName(f.status)), f.customer_id, f.owner_id, f.opportunity_id,
                     f.signed_from ? absl::FormatCivilTime(*f.signed_from) : std::string(),
                     f.signed_to ? absl::FormatCivilTime(*f.signed_to) : std::string()},
                    "|");
  return validation::NewestFirst<Contract>(
      conn, filters, page_size, page_token,
      [&](db::Tx& tx, const std::string& before_id, int limit) {
        return Repository::List(tx, f, caller, before_id, limit);
      });
}

absl::Status Contracts::CheckUpdate(const Principal& caller, const Contract& patch,
                                    const std::string& etag, const std::vector<std::string>& mask,
                                    const Violations& decoding) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v = decoding;
  validation::RequiredUuid(v, "contract.id", patch.id);
  ValidateFields(v, patch, &mask);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_RETURN_IF_ERROR(validation::CheckMask(mask, UpdatableFields()));
  return validation::ParseEtag("contract.etag", etag).status();
}

absl::StatusOr<Contract> Contracts::Update(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const Contract& patch,
                                           const std::string& etag,
                                           const std::vector<std::string>& mask,
                                           const salesys::Products& catalogue,
                                           Violations decoding) const {
  CRM_RETURN_IF_ERROR(CheckUpdate(caller, patch, etag, mask, decoding));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("contract.etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Contract> {
    CRM_ASSIGN_OR_RETURN(Contract current, Lock(tx, caller, patch.id, expected));
    if (current.status != ContractStatus::kDraft) {
      return WrongStatus(current, "only a draft is edited");
    }
    if (!Owns(caller, current) && !Reviews(caller)) {
      return absl::PermissionDeniedError("a draft is edited by its owner or a reviewer over it");
    }
    Contract next = validation::ApplyMask(ContractFields(), mask, patch, current);
    next.title = std::string(validation::TrimSpace(next.title));
    if (next.start_date && next.end_date && *next.end_date < *next.start_date) {
      return InvalidField("contract.end_date", "must not be before start_date");
    }
    const bool reprice = InMask(mask, "lines") || next.currency != current.currency;
    if (reprice) {
      if (!InMask(mask, "lines") && !next.lines.empty()) {
        return InvalidField("update_mask",
                            "a new currency_code needs the lines too (their "
                            "prices are in the currency)");
      }
      CRM_RETURN_IF_ERROR(Price(next.lines, next.currency, catalogue));
      CRM_RETURN_IF_ERROR(Total(next));
    }
    if (validation::SameFields(ContractFields(), next, current)) return current;
    if (InMask(mask, "lines")) Repository::ReplaceLines(tx, current.id, next.lines);
    return Save(tx, meta, "contracts.contract.updated", current, next, caller.user_id);
  });
}

absl::StatusOr<Contract> Contracts::PrepareSubmit(db::Conn& conn, const Principal& caller,
                                                  const std::string& id,
                                                  const std::string& etag) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<Contract> {
    std::optional<Contract> c = Repository::Get(tx, id, caller, /*lock=*/false);
    if (!c) return auth::NotVisible(caller.scope, "contract", id);
    bool retry;
    CRM_RETURN_IF_ERROR(CheckSubmittable(caller, *c, expected, &retry));
    return *c;
  });
}

absl::StatusOr<Contract> Contracts::Submit(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const std::string& id,
                                           const std::string& etag,
                                           const salesys::Products& catalogue) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  CRM_RETURN_IF_ERROR(validation::CheckId("id", id));
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Contract> {
    CRM_ASSIGN_OR_RETURN(Contract current, Lock(tx, caller, id, 0));
    bool retry;
    CRM_RETURN_IF_ERROR(CheckSubmittable(caller, current, expected, &retry));
    if (retry) return current;
    Contract next = current;
    CRM_RETURN_IF_ERROR(Price(next.lines, next.currency, catalogue));
    CRM_RETURN_IF_ERROR(Total(next));
    next.status = ContractStatus::kPendingReview;
    next.review_level = LevelFor(next);
    next.reviewer_id.clear();
    next.review_comment.clear();
    if (next.lines != current.lines) Repository::ReplaceLines(tx, id, next.lines);
    return Save(tx, meta, "contracts.contract.submitted", current, next, caller.user_id);
  });
}

absl::StatusOr<Contract> Contracts::Review(db::Conn& conn, const Principal& caller,
                                           const RequestMeta& meta, const std::string& id,
                                           const std::string& etag, bool approve,
                                           const std::string& comment) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kReview));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  const std::string why(validation::TrimSpace(comment));
  if (approve) {
    validation::OptionalText(v, "comment", why, 2000, true);
  } else {
    validation::RequiredText(v, "comment", why, 2000, true);
  }
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Contract> {
    CRM_ASSIGN_OR_RETURN(Contract current, Lock(tx, caller, id, 0));
    // Nor by whoever wrote it (the owner may have changed since, by a hand-over).
    if (Owns(caller, current) || current.creator_id == caller.user_id) {
      return absl::PermissionDeniedError(
          "a contract is reviewed by someone other than its owner and its creator");
    }
    // A retry of a review that got through: the answer it would have had.
    const ContractStatus decided = approve ? ContractStatus::kApproved : ContractStatus::kDraft;
    if (current.status == decided && current.reviewer_id == caller.user_id &&
        current.review_comment == why && expected == 0) {
      return current;
    }
    if (expected != 0 && current.version != expected) return validation::StaleEtag();
    if (current.status != ContractStatus::kPendingReview) {
      return WrongStatus(current, "only a contract pending review is reviewed");
    }
    if (current.review_level == ReviewLevel::kExecutive && caller.scope != auth::DataScope::kAll) {
      return absl::PermissionDeniedError(absl::StrCat(
          "contract ", current.number,
          " is above the sales manager's limit (amount or discount); an executive reviews it"));
    }
    Contract next = current;
    next.status = decided;
    next.reviewer_id = caller.user_id;
    next.review_comment = why;
    if (!approve) next.review_level = ReviewLevel::kNone;
    return Save(tx, meta, approve ? "contracts.contract.approved" : "contracts.contract.rejected",
                current, next, caller.user_id, why);
  });
}

absl::Status Contracts::CheckSign(const Principal& caller, const std::string& id,
                                  const std::string& etag, const std::string& our_signer_id,
                                  const std::string& customer_signer_contact_id) {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  validation::OptionalUuid(v, "our_signer_id", our_signer_id);
  validation::RequiredUuid(v, "customer_signer_contact_id", customer_signer_contact_id);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  return validation::ParseEtag("etag", etag).status();
}

absl::StatusOr<Contract> Contracts::Sign(db::Conn& conn, const Principal& caller,
                                         const RequestMeta& meta, const Signing& s) const {
  CRM_RETURN_IF_ERROR(
      CheckSign(caller, s.id, s.etag, s.our_signer.id, s.customer_signer_contact_id));
  if (!s.our_signer.active || !s.our_signer.human) {
    return InvalidField("our_signer_id", "is not an active person");
  }
  const absl::CivilDay day = s.sign_date.value_or(Today());
  if (day > Today()) return InvalidField("sign_date", "must not be in the future");
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", s.etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Contract> {
    CRM_ASSIGN_OR_RETURN(Contract current, Lock(tx, caller, s.id, 0));
    if (!Owns(caller, current))
      return absl::PermissionDeniedError("a contract is signed by its owner");
    if (current.status == ContractStatus::kSigned && expected == 0 &&
        current.customer_signer_contact_id == s.customer_signer_contact_id &&
        current.our_signer_id == s.our_signer.id && current.sign_date == day) {
      return current;  // a retry
    }
    if (expected != 0 && current.version != expected) return validation::StaleEtag();
    if (current.status != ContractStatus::kApproved) {
      return WrongStatus(current, "only an approved contract is signed (submit it for review)");
    }
    if (s.contact_customer_id != current.customer_id) {
      return InvalidField("customer_signer_contact_id",
                          "is not a contact of the contract's customer");
    }
    if (current.end_date && day > *current.end_date) {
      return InvalidField("sign_date", "is after the contract's end date");
    }
    Contract next = current;
    next.status = ContractStatus::kSigned;
    next.our_signer_id = s.our_signer.id;
    next.customer_signer_contact_id = s.customer_signer_contact_id;
    next.sign_date = day;
    CRM_ASSIGN_OR_RETURN(Contract signed_, Save(tx, meta, "contracts.contract.signed", current,
                                                next, caller.user_id));
    EmitOrder(tx, *outbox_, meta, signed_);
    return signed_;
  });
}

absl::StatusOr<Contract> Contracts::Terminate(db::Conn& conn, const Principal& caller,
                                              const RequestMeta& meta, const std::string& id,
                                              const std::string& etag,
                                              const std::string& reason) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kWrite));
  Violations v;
  validation::RequiredUuid(v, "id", id);
  const std::string why(validation::TrimSpace(reason));
  validation::RequiredText(v, "reason", why, 2000, true);
  CRM_RETURN_IF_ERROR(v.ToStatus());
  CRM_ASSIGN_OR_RETURN(int64_t expected, validation::ParseEtag("etag", etag));
  return conn.Transact([&](db::Tx& tx) -> absl::StatusOr<Contract> {
    CRM_ASSIGN_OR_RETURN(Contract current, Lock(tx, caller, id, 0));
    if (current.status == ContractStatus::kTerminated && current.termination_reason == why &&
        expected == 0) {
      return current;  // a retry
    }
    if (expected != 0 && current.version != expected) return validation::StaleEtag();
    if (current.status == ContractStatus::kCompleted ||
        current.status == ContractStatus::kTerminated) {
      return WrongStatus(current, "it has ended");
    }
    if (current.status == ContractStatus::kSigned ? !Reviews(caller)
                                                  : !Owns(caller, current) && !Reviews(caller)) {
      return absl::PermissionDeniedError(
          "a contract is terminated by its owner before it is signed, by a reviewer after");
    }
    Contract next = current;
    next.status = ContractStatus::kTerminated;
    next.termination_reason = why;
    return Save(tx, meta, "contracts.contract.terminated", current, next, caller.user_id, why);
  });
}

absl::StatusOr<std::vector<StatusChange>> Contracts::StatusChanges(db::Conn& conn,
                                                                   const Principal& caller,
                                                                   const std::string& id) const {
  CRM_RETURN_IF_ERROR(auth::Require(caller, kRead));
  CRM_RETURN_IF_ERROR(validation::CheckId("contract_id", id));
  return conn.Read([&](db::Tx& tx) -> absl::StatusOr<std::vector<StatusChange>> {
    if (!Repository::Get(tx, id, caller, /*lock=*/false)) {
      return auth::NotVisible(caller.scope, "contract", id);
    }
    return Repository::StatusChanges(tx, id);
  });
}

absl::StatusOr<Contract> Contracts::Save(db::Tx& tx, const RequestMeta& meta, const char* event,
                                         const Contract& current, Contract next,
                                         const std::string& by, const std::string& reason) const {
  std::optional<Contract> saved =
      Repository::Update(tx, next, current.version, current.status, by, reason);
  if (!saved) return validation::StaleEtag();
  Emit(tx, *outbox_, meta, event, *saved);
  return *saved;
}

absl::Status Contracts::ApplyCustomerEvent(db::Tx& tx, const common::v1::Event& event) const {
  auto move = events::CustomerMoveOf(event);
  if (!move.ok()) return events::SkipEvent(event, move.status());
  std::vector<std::string> changed;
  const char* type = "contracts.contract.customer_merged";
  if (move->kind == events::CustomerMove::Kind::kMerge) {
    changed = Repository::Repoint(tx, move->duplicate_id, move->survivor_id);
  } else {
    changed = Repository::Reassign(tx, move->customer_ids, move->from_user_id, move->to_user_id,
                                   move->to_department_id);
    type = "contracts.contract.handed_over";
  }
  const RequestMeta meta{event.request_id(), event.actor_id()};
  for (const auto& id : changed) Emit(tx, *outbox_, meta, type, *Repository::Find(tx, id));
  return absl::OkStatus();
}

absl::Status Contracts::ApplyPaymentsEvent(db::Tx& tx, const common::v1::Event& event) const {
  payments::v1::ReceivableChanged changed;
  if (event.type() != "payments.receivable.settled" || !event.payload().UnpackTo(&changed)) {
    return events::SkipEvent(event, absl::InvalidArgumentError("not a settled receivable"));
  }
  std::optional<Contract> current = Repository::Find(tx, changed.receivable().contract_id());
  // Completed already (a repeat), or terminated meanwhile: nothing to do.
  if (!current || current->status != ContractStatus::kSigned) return absl::OkStatus();
  Contract next = *current;
  next.status = ContractStatus::kCompleted;
  const RequestMeta meta{event.request_id(), event.actor_id()};
  return Save(tx, meta, "contracts.contract.completed", *current, next, "",
              "fully paid and delivered")
      .status();
}

}  // namespace crm::contracts_service
