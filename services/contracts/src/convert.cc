#include "services/contracts/src/convert.h"

#include "absl/strings/str_cat.h"
#include "libs/enums/enum_table.h"
#include "libs/money/money.h"
#include "libs/proto_time/proto_time.h"
#include "libs/validation/updates.h"

namespace crm::contracts_service {

using proto_time::DayOf;
using proto_time::SetDate;
using proto_time::SetTimestamp;

namespace {

constexpr enums::Named<ContractStatus> kStatusNames[] = {
    {ContractStatus::kDraft, "draft"},         {ContractStatus::kPendingReview, "pending_review"},
    {ContractStatus::kApproved, "approved"},   {ContractStatus::kSigned, "signed"},
    {ContractStatus::kCompleted, "completed"}, {ContractStatus::kTerminated, "terminated"}};

constexpr enums::Pair<ContractStatus, v1::ContractStatus> kApiStatuses[] = {
    {ContractStatus::kDraft, v1::CONTRACT_STATUS_DRAFT},
    {ContractStatus::kPendingReview, v1::CONTRACT_STATUS_PENDING_REVIEW},
    {ContractStatus::kApproved, v1::CONTRACT_STATUS_APPROVED},
    {ContractStatus::kSigned, v1::CONTRACT_STATUS_SIGNED},
    {ContractStatus::kCompleted, v1::CONTRACT_STATUS_COMPLETED},
    {ContractStatus::kTerminated, v1::CONTRACT_STATUS_TERMINATED}};

constexpr enums::Named<Channel> kChannelNames[] = {{Channel::kDirect, "direct"},
                                                   {Channel::kOnline, "online"},
                                                   {Channel::kDistributor, "distributor"}};

constexpr enums::Pair<Channel, v1::SalesChannel> kApiChannels[] = {
    {Channel::kDirect, v1::SALES_CHANNEL_DIRECT},
    {Channel::kOnline, v1::SALES_CHANNEL_ONLINE},
    {Channel::kDistributor, v1::SALES_CHANNEL_DISTRIBUTOR}};

constexpr enums::Named<ReviewLevel> kLevelNames[] = {{ReviewLevel::kSalesManager, "sales_manager"},
                                                     {ReviewLevel::kExecutive, "executive"}};

constexpr enums::Pair<ReviewLevel, v1::ReviewLevel> kApiLevels[] = {
    {ReviewLevel::kSalesManager, v1::REVIEW_LEVEL_SALES_MANAGER},
    {ReviewLevel::kExecutive, v1::REVIEW_LEVEL_EXECUTIVE}};

void SetMoney(int64_t minor, const std::string& currency, google::type::Money* out) {
  money::SetProto({minor, currency}, out);
}

}  // namespace

const char* StatusName(ContractStatus s) { return enums::Lookup(kStatusNames, s, "").data(); }
ContractStatus StatusFromName(const std::string& name) {
  return enums::ReverseLookup(kStatusNames, name, ContractStatus::kUnspecified);
}
const char* ChannelName(Channel c) { return enums::Lookup(kChannelNames, c, "").data(); }
Channel ChannelFromName(const std::string& name) {
  return enums::ReverseLookup(kChannelNames, name, Channel::kUnspecified);
}
const char* ReviewLevelName(ReviewLevel l) { return enums::Lookup(kLevelNames, l, "").data(); }
ReviewLevel ReviewLevelFromName(const std::string& name) {
  return enums::ReverseLookup(kLevelNames, name, ReviewLevel::kNone);
}

v1::ContractStatus ToProto(ContractStatus s) {
  return enums::Lookup(kApiStatuses, s, v1::CONTRACT_STATUS_UNSPECIFIED);
}
ContractStatus FromProto(v1::ContractStatus s) {
  return enums::ReverseLookup(kApiStatuses, s, ContractStatus::kUnspecified);
}

v1::ContractFile ToProto(const ContractFile& f) {
  v1::ContractFile p;
  p.set_id(f.id);
  p.set_contract_id(f.contract_id);
  p.set_file_name(f.file_name);
  p.set_content_type(f.content_type);
  p.set_size_bytes(f.size_bytes);
  p.set_sha256(f.sha256);
  p.set_uploaded_by(f.uploaded_by);
  SetTimestamp(f.uploaded_at, p.mutable_upload_time());
  return p;
}

v1::Contract ToProto(const Contract& c) {
  v1::Contract p;
  p.set_id(c.id);
  p.set_number(c.number);
  p.set_customer_id(c.customer_id);
  p.set_opportunity_id(c.opportunity_id);
  p.set_title(c.title);
  p.set_owner_id(c.owner_id);
  p.set_owner_department_id(c.owner_department_id);
  for (const Line& l : c.lines) {
    v1::ContractLine* pl = p.add_lines();
    pl->set_product_id(l.product_id);
    pl->set_quantity(l.quantity);
    if (l.discount_minor != 0) SetMoney(l.discount_minor, c.currency, pl->mutable_discount());
    pl->set_product_code(l.product_code);
    pl->set_product_line_id(l.product_line_id);
    pl->set_product_name(l.product_name);
    pl->set_specification(l.specification);
    pl->set_unit(l.unit);
    SetMoney(l.unit_price_minor, c.currency, pl->mutable_unit_price());
    SetMoney(l.amount_minor, c.currency, pl->mutable_amount());
  }
  p.set_currency_code(c.currency);
  SetMoney(c.gross_minor, c.currency, p.mutable_gross_amount());
  SetMoney(c.discount_minor, c.currency, p.mutable_discount_amount());
  SetMoney(c.amount_minor, c.currency, p.mutable_amount());
  p.set_terms(c.terms);
  if (c.start_date) SetDate(c.start_date, p.mutable_start_date());
  if (c.end_date) SetDate(c.end_date, p.mutable_end_date());
  p.set_channel(enums::Lookup(kApiChannels, c.channel, v1::SALES_CHANNEL_UNSPECIFIED));
  p.set_status(ToProto(c.status));
  p.set_review_level(enums::Lookup(kApiLevels, c.review_level, v1::REVIEW_LEVEL_UNSPECIFIED));
  p.set_reviewer_id(c.reviewer_id);
  p.set_review_comment(c.review_comment);
  p.set_our_signer_id(c.our_signer_id);
  p.set_customer_signer_contact_id(c.customer_signer_contact_id);
  if (c.sign_date) SetDate(c.sign_date, p.mutable_sign_date());
  p.set_termination_reason(c.termination_reason);
  if (c.file) *p.mutable_file() = ToProto(*c.file);
  p.set_creator_id(c.creator_id);
  SetTimestamp(c.created_at, p.mutable_create_time());
  SetTimestamp(c.updated_at, p.mutable_update_time());
  p.set_etag(validation::Etag(c.version));
  return p;
}

v1::StatusChange ToProto(const StatusChange& c) {
  v1::StatusChange p;
  p.set_from_status(ToProto(c.from));
  p.set_to_status(ToProto(c.to));
  p.set_user_id(c.user_id);
  p.set_reason(c.reason);
  SetTimestamp(c.changed_at, p.mutable_change_time());
  return p;
}

Contract FromProto(const v1::Contract& p, Violations& v) {
  Contract c;
  c.id = p.id();
  c.customer_id = p.customer_id();
  c.opportunity_id = p.opportunity_id();
  c.title = p.title();
  c.currency = p.currency_code();
  for (int i = 0; i < p.lines_size(); ++i) {
    const v1::ContractLine& pl = p.lines(i);
    const std::string at = absl::StrCat("contract.lines[", i, "]");
    Line l;
    l.product_id = pl.product_id();
    l.quantity = pl.quantity();
    if (auto d = money::FromProto(pl.discount(), pl.has_discount(), at + ".discount", v)) {
      l.discount_minor = d->minor;
      l.discount_currency = d->currency;
      if (!d->currency.empty() && !c.currency.empty() && d->currency != c.currency) {
        v.Add(at + ".discount", absl::StrCat("must be in the contract's currency ", c.currency));
      }
    }
    c.lines.push_back(std::move(l));
  }
  c.terms = p.terms();
  c.start_date = DayOf(p.start_date(), "contract.start_date", v);
  c.end_date = DayOf(p.end_date(), "contract.end_date", v);
  c.channel = enums::ReverseLookup(kApiChannels, p.channel(), Channel::kUnspecified);
  if (p.channel() != v1::SALES_CHANNEL_UNSPECIFIED && c.channel == Channel::kUnspecified) {
    v.Add("contract.channel", "is not a known channel");
  }
  return c;
}

ContractFile FromProto(const v1::ContractFile& p) {
  ContractFile f;
  f.contract_id = p.contract_id();
  f.file_name = p.file_name();
  f.content_type = p.content_type();
  f.size_bytes = p.size_bytes();
  f.sha256 = p.sha256();
  return f;
}

}  // namespace crm::contracts_service
