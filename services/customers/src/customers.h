#pragma once
// Customers and dictionaries: validation, permissions, record scope, duplicates, events.
//
// Permissions: customers.read (get, list, search), customers.write (create, update),
// customers.delete, dictionaries.write. Record scope applies to every read and write.

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "crm/common/v1/events.pb.h"
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/reader.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/status/field_violations.h"
#include "libs/validation/paging.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

// Checks the fields of `c` (those in `mask`, or all of them without one).
void ValidateCustomer(Violations& v, const Customer& c, const std::vector<std::string>* mask);
// The most tags a customer has.
inline constexpr size_t kMaxTags = 20;
// Tags trimmed, sorted, without repeats.
std::vector<std::string> TidyTags(std::vector<std::string> tags);

// A dictionary code a customer uses: (kind, code).
using CodeRef = std::pair<std::string, std::string>;
// The codes `c` uses (of the kinds in `mask`, or of all kinds without one).
std::vector<CodeRef> DictionaryCodes(const Customer& c, const std::vector<std::string>* mask);
// INVALID_ARGUMENT naming the field of each code that is not an active entry (OK for none).
absl::Status UnknownCodesStatus(const std::vector<CodeRef>& unknown);

// One event per customer, written in one statement: customers.customer.created for the ids in
// `created`, customers.customer.updated for the rest.
void EmitCustomerChanges(db::Tx& tx, const events::Outbox& outbox, const RequestMeta& meta,
                         const std::vector<const Customer*>& customers,
                         const std::set<std::string>& created = {});

// INVALID_ARGUMENT naming each malformed filter field.
absl::Status CheckFilter(const CustomerFilter& f);

// The options of the database sessions that run searches: each search statement is planned
// once, for any parameters (its shape leads every branch to its index; search_test.cc checks),
// rather than for each call, which cost as much CPU as running a rep's search.
inline constexpr char kSearchSessionOptions[] = "-c plan_cache_mode=force_generic_plan";

class Customers {
 public:
  Customers(const events::Outbox* outbox, const db::RequestLog* request_log)
      : outbox_(outbox), request_log_(request_log) {}

  // The fields Update changes, by their update_mask paths.
  static const std::vector<std::string>& UpdatableFields();

  // The caller becomes the owner. Unless `force`, a likely duplicate (same tax id, same
  // normalised name or same phone) is ALREADY_EXISTS with google.rpc.ErrorInfo reason
  // DUPLICATE_CUSTOMER and metadata existing_ids / existing_numbers / matched_on.
  // `decoding`: problems found while reading the request, reported with the others.
  absl::StatusOr<Customer> Create(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& request_id,
                                  Customer customer, bool force, Violations decoding = {}) const;
  // The live customer within the caller's scope, in one pipelined read.
  void Get(db::Reader& reader, const auth::Principal& caller, const std::string& id,
           db::Callback<Customer> done) const;
  absl::StatusOr<validation::Page<Customer>> List(db::Conn& conn, const auth::Principal& caller,
                                                  const CustomerFilter& filter, int32_t page_size,
                                                  const std::string& page_token) const;
  // `reader`'s sessions must have kSearchSessionOptions.
  void Search(db::Reader& reader, const auth::Principal& caller, const std::string& query,
              int32_t page_size, db::Callback<std::vector<Customer>> done) const;
  // `mask` names the fields of `patch` to apply.
  absl::StatusOr<Customer> Update(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const Customer& patch,
                                  const std::string& etag, const std::vector<std::string>& mask,
                                  Violations decoding = {}) const;
  absl::Status Delete(db::Conn& conn, const auth::Principal& caller, const RequestMeta& meta,
                      const std::string& id, const std::string& etag) const;
  // The service (tickets) service's service.customer.satisfaction_changed, applied inside the
  // transaction that stores the event's cursor: the customer's satisfaction becomes the figure
  // its tickets' feedback gives.
  absl::Status ApplySatisfactionEvent(db::Tx& tx, const common::v1::Event& event) const;

  absl::StatusOr<std::vector<DictionaryEntry>> ListDictionary(db::Conn& conn,
                                                              const auth::Principal& caller,
                                                              const std::string& kind) const;
  absl::StatusOr<DictionaryEntry> UpsertDictionaryEntry(db::Conn& conn,
                                                        const auth::Principal& caller,
                                                        const RequestMeta& meta,
                                                        const DictionaryEntry& entry) const;

 private:
  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
};

}  // namespace crm::customers_service
