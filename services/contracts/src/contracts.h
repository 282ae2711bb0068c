#pragma once
// Contracts and orders: creation, editing a draft, pricing lines from the sales system's
// catalogue, review (鉴定) with escalation, signing, termination, and following customers'
// hand-overs and merges. The electronic contract is in files.h.
//
// Who may do what (besides the permission each needs):
//   creating — a person; the contract is theirs (owner) in their department;
//   editing a draft — its owner or a reviewer over it;
//   submitting and signing — its owner;
//   reviewing — someone with contracts.review over it (their scope) who is not its owner; an
//     executive-level review needs company-wide scope;
//   terminating — its owner or a reviewer before it is signed; a reviewer once signed.
// The lines' products are looked up by the glue (libs/salesys) and handed in as a catalogue;
// a transition the status does not allow is FAILED_PRECONDITION naming the status.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crm/common/v1/events.pb.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/salesys/client.h"
#include "libs/service/directory_user.h"
#include "libs/status/field_violations.h"
#include "libs/validation/paging.h"
#include "services/contracts/src/model.h"

namespace crm::contracts_service {

// When a review escalates to an executive (超权限业务上报领导).
struct ReviewPolicy {
  // An amount above its currency's limit, in minor units; a contract in a currency without a
  // limit always goes to an executive.
  std::map<std::string, int64_t> executive_amount_minor = {{"CNY", 100'000'000}};  // ¥1,000,000
  // A total discount above this share of the gross amount, in percent.
  int executive_discount_percent = 20;
};

// "CNY=100000000,USD=15000000" (minor units) as limits by currency, or why it is not.
absl::StatusOr<std::map<std::string, int64_t>> ParseAmountLimits(absl::string_view text);

class Contracts {
 public:
  Contracts(const events::Outbox* outbox, const db::RequestLog* request_log, absl::TimeZone zone,
            ReviewPolicy policy = {})
      : outbox_(outbox), request_log_(request_log), zone_(zone), policy_(policy) {}

  // The fields Update changes, by their update_mask paths.
  static const std::vector<std::string>& UpdatableFields();
  // What "today" is for sign dates (the business time zone).
  absl::CivilDay Today() const;

  // The distinct products of the lines, to look up in the catalogue.
  static std::vector<std::string> ProductIds(const std::vector<Line>& lines);
  // Snapshots each line's product from `catalogue` and computes its amount (quantity × unit
  // price − discount, in integer minor units): FAILED_PRECONDITION naming a product that is
  // unknown, discontinued or priced in another currency; INVALID_ARGUMENT for a discount above
  // its line's gross amount or an amount too large.
  static absl::Status Price(std::vector<Line>& lines, const std::string& currency,
                            const salesys::Products& catalogue);
  // Who reviews a contract of these totals.
  ReviewLevel LevelFor(const Contract& c) const;

  // The checks of a create that need no database or other service.
  absl::Status CheckCreate(const auth::Principal& caller, const std::string& request_id,
                           const Contract& c, const Violations& decoding) const;
  // `catalogue` holds the lines' products (see ProductIds).
  absl::StatusOr<Contract> Create(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& request_id,
                                  Contract c, const salesys::Products& catalogue,
                                  Violations decoding = {}) const;
  absl::StatusOr<Contract> Get(db::Conn& conn, const auth::Principal& caller,
                               const std::string& id) const;
  absl::StatusOr<validation::Page<Contract>> List(db::Conn& conn, const auth::Principal& caller,
                                                  const ContractFilter& filter, int32_t page_size,
                                                  const std::string& page_token) const;
  // The checks of an update that need no database or other service.
  absl::Status CheckUpdate(const auth::Principal& caller, const Contract& patch,
                           const std::string& etag, const std::vector<std::string>& mask,
                           const Violations& decoding) const;
  // `mask` names the fields of `patch` to apply; `catalogue` holds the products of new lines.
  absl::StatusOr<Contract> Update(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const Contract& patch,
                                  const std::string& etag, const std::vector<std::string>& mask,
                                  const salesys::Products& catalogue,
                                  Violations decoding = {}) const;

  // Submission in two steps around the catalogue: Prepare checks that the caller may submit
  // it (nothing is written) and says which products to look up; Submit prices the lines with
  // the catalogue's answer and moves it to pending_review, if it is still at that version.
  absl::StatusOr<Contract> PrepareSubmit(db::Conn& conn, const auth::Principal& caller,
                                         const std::string& id, const std::string& etag) const;
  absl::StatusOr<Contract> Submit(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& id,
                                  const std::string& etag,
                                  const salesys::Products& catalogue) const;
  absl::StatusOr<Contract> Review(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& id,
                                  const std::string& etag, bool approve,
                                  const std::string& comment) const;

  struct Signing {
    std::string id;
    std::string etag;
    std::optional<absl::CivilDay> sign_date;  // none: today
    // Looked up by the glue: our signer in the auth directory, the customer's signer in the
    // customers service (with the customer the contact belongs to).
    service::DirectoryUser our_signer;
    std::string customer_signer_contact_id;
    std::string contact_customer_id;
  };
  // The checks of a signing that need no database or other service.
  static absl::Status CheckSign(const auth::Principal& caller, const std::string& id,
                                const std::string& etag, const std::string& our_signer_id,
                                const std::string& customer_signer_contact_id);
  absl::StatusOr<Contract> Sign(db::Conn& conn, const auth::Principal& caller,
                                const RequestMeta& meta, const Signing& s) const;
  absl::StatusOr<Contract> Terminate(db::Conn& conn, const auth::Principal& caller,
                                     const RequestMeta& meta, const std::string& id,
                                     const std::string& etag, const std::string& reason) const;
  absl::StatusOr<std::vector<StatusChange>> StatusChanges(db::Conn& conn,
                                                          const auth::Principal& caller,
                                                          const std::string& id) const;

  // A customers' hand-over or merge (events::FollowCustomerMoves), applied inside the
  // transaction that stores the event's cursor: the open contracts of the customers handed over
  // that the previous owner owned go to the new one; contracts of a merged duplicate name the
  // survivor.
  absl::Status ApplyCustomerEvent(db::Tx& tx, const common::v1::Event& event) const;
  // The payments service's payments.receivable.settled (fully paid and delivered), applied
  // inside the transaction that stores the event's cursor: a signed contract is completed.
  absl::Status ApplyPaymentsEvent(db::Tx& tx, const common::v1::Event& event) const;

 private:
  // Writes `next` (read as `current`) and its event, and records the status change when the
  // status moved.
  absl::StatusOr<Contract> Save(db::Tx& tx, const RequestMeta& meta, const char* event,
                                const Contract& current, Contract next, const std::string& by,
                                const std::string& reason = "") const;

  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  absl::TimeZone zone_;
  ReviewPolicy policy_;
};

}  // namespace crm::contracts_service
