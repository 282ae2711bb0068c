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
#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/reader.h"
#include "libs/db/request_log.h"
#include "libs/events/outbox.h"
#include "libs/status/field_violations.h"
#include "libs/validation/paging.h"
#include "services/customers/src/customer_cache.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

class NameIndex;
class SearchIndex;

using validation::Page;

// Checks the fields of `c` (those in `mask`, or all of them without one).
void ValidateCustomer(Violations& v, const Customer& c, const std::vector<std::string>* mask);
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

class Customers {
 public:
  // `names`: the in-memory name index that answers searches' name branches (optional).
  // `cache`: customers as last read, for GetCustomer (optional).
  Customers(const events::Outbox* outbox, const db::RequestLog* request_log,
            SearchIndex* names = nullptr, CustomerCache* cache = nullptr)
      : outbox_(outbox), request_log_(request_log), names_(names), cache_(cache) {}

  // The caller becomes the owner. Unless `force`, a likely duplicate (same tax id, same
  // normalised name or same phone) is ALREADY_EXISTS with google.rpc.ErrorInfo reason
  // DUPLICATE_CUSTOMER and metadata existing_ids / existing_numbers / matched_on.
  // `decoding`: problems found while reading the request, reported with the others.
  absl::StatusOr<Customer> Create(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const std::string& request_id,
                                  Customer customer, bool force, Violations decoding = {}) const;
  // The live customer within the caller's scope. A cached customer is checked by the stamp
  // of its row version alone, and read whole again only when it changed.
  // `caller` and `reader` must outlive the call of `done`.
  // The customer is shared with the cache: never changed.
  void Get(db::Reader& reader, const auth::Principal& caller, const std::string& id,
           db::Callback<std::shared_ptr<const Customer>> done) const;
  absl::StatusOr<Page<Customer>> List(db::Conn& conn, const auth::Principal& caller,
                                      const CustomerFilter& filter, int32_t page_size,
                                      const std::string& page_token) const;
  void Search(db::Reader& reader, const auth::Principal& caller, const std::string& query,
              int32_t page_size, db::Callback<std::vector<Customer>> done) const;
  // `mask` names the fields of `patch` to apply.
  absl::StatusOr<Customer> Update(db::Conn& conn, const auth::Principal& caller,
                                  const RequestMeta& meta, const Customer& patch,
                                  const std::string& etag, const std::vector<std::string>& mask,
                                  Violations decoding = {}) const;
  absl::Status Delete(db::Conn& conn, const auth::Principal& caller, const RequestMeta& meta,
                      const std::string& id, const std::string& etag) const;

  absl::StatusOr<std::vector<DictionaryEntry>> ListDictionary(db::Conn& conn,
                                                              const auth::Principal& caller,
                                                              const std::string& kind) const;
  absl::StatusOr<DictionaryEntry> UpsertDictionaryEntry(db::Conn& conn,
                                                        const auth::Principal& caller,
                                                        const RequestMeta& meta,
                                                        const DictionaryEntry& entry) const;

 private:
  // Reads the customer whole, and caches it; `outcome` (a miss, or a stale entry) is counted
  // when the customer is found.
  void ReadWhole(db::Reader& reader, const auth::Principal& caller, const std::string& id,
                 CustomerCache::Outcome outcome,
                 db::Callback<std::shared_ptr<const Customer>> done) const;
  // Search by the SQL branches alone.
  void SearchDatabase(db::Reader& reader, const auth::Principal& caller, const std::string& query,
                      int limit, db::Callback<std::vector<Customer>> done) const;
  // Search with the name branches answered by `index` (nullptr: by the database) as of the
  // outbox position (after_xid, after_seq) ("": any); a stale answer catches the index up and
  // searches once more.
  void SearchIndexed(db::Reader& reader, const auth::Principal& caller, const std::string& query,
                     int limit, const NameIndex* index, const std::string& after_xid,
                     int64_t after_seq, db::Callback<std::vector<Customer>> done) const;

  const events::Outbox* outbox_;
  const db::RequestLog* request_log_;
  SearchIndex* names_;
  CustomerCache* cache_;
};

}  // namespace crm::customers_service
