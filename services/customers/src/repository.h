#pragma once
// Every SQL statement of the customers service. Functions taking a db::Tx run in the caller's
// transaction and may throw libpqxx exceptions (mapped by db::Conn::Transact); functions
// returning db::Query describe reads for the pipelined db::Reader.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libs/auth/principal.h"
#include "libs/db/conn.h"
#include "libs/db/reader.h"
#include "services/customers/src/model.h"

namespace crm::customers_service {

class Repository {
 public:
  // --- customers ---
  // The live customer if within the caller's scope (read with CustomerOf).
  static db::Query GetInScope(const std::string& id, const auth::Principal& caller);
  static std::optional<Customer> CustomerOf(const db::Rows& rows);
  // The live customer, locked for update, if within the caller's scope.
  static std::optional<Customer> LockInScope(db::Tx& tx, const std::string& id,
                                             const auth::Principal& caller);
  static std::optional<Customer> Find(db::Tx& tx, const std::string& id);
  // Whether the live customer is within the caller's scope (optionally locking it).
  static bool CustomerInScope(db::Tx& tx, const std::string& id, const auth::Principal& caller,
                              bool lock);
  // The same as a status: OK, or auth::NotVisible for the customer.
  static absl::Status CheckCustomerInScope(db::Tx& tx, const std::string& id,
                                           const auth::Principal& caller, bool lock);
  // Serialises creates that could duplicate each other (same normalised name or tax id).
  static void LockDuplicateKeys(db::Tx& tx, const std::string& name, const std::string& tax_id);
  static std::vector<Duplicate> FindDuplicates(db::Tx& tx, const std::string& name,
                                               const std::string& tax_id, const std::string& phone);
  // FindDuplicates' statement (name, tax id, phone digits), for tests of its plans.
  static const db::Statement& FindDuplicatesStatement();
  // n numbers, and the transaction's time.
  static std::pair<std::vector<std::string>, absl::Time> NextNumbers(db::Tx& tx, size_t n);
  // Inserts the customer with the next number; the customer as stored.
  static Customer Insert(db::Tx& tx, const Customer& c);
  // Writes every updatable field; the customer as stored, or nullopt if the version is not
  // `expected_version`.
  static std::optional<Customer> Update(db::Tx& tx, const Customer& c, int64_t expected_version);
  static bool SoftDelete(db::Tx& tx, const std::string& id, int64_t expected_version);
  // Sets (or, empty, clears) the key; the customer as stored, or nullopt if the version is not
  // `expected_version`.
  // Sets the satisfaction of a live customer unless it already has it; the customer as stored.
  static std::optional<Customer> SetSatisfaction(db::Tx& tx, const std::string& id,
                                                 int satisfaction);
  static std::optional<Customer> SetSalesSystemKey(db::Tx& tx, const std::string& id,
                                                   const std::string& key,
                                                   int64_t expected_version);
  // The customer (live, deleted or merged) with this sales-system key.
  static std::optional<std::string> FindBySalesSystemKey(db::Tx& tx, const std::string& key);
  // The latest order date of each sales-system customer key, linked or not.
  static void RememberSalesSystemOrder(db::Tx& tx, const std::string& key, absl::CivilDay day);
  static std::optional<absl::CivilDay> SalesSystemLastOrder(db::Tx& tx, const std::string& key);
  static std::vector<Customer> List(db::Tx& tx, const CustomerFilter& f,
                                    const auth::Principal& caller, const std::string& before_id,
                                    int limit);
  // List's statement in a scope (before_id, the filters, LIKE pattern, scope, limit), for
  // tests of its plans.
  static db::Statement ListStatement(auth::DataScope scope);
  // Run on a session with kSearchSessionOptions; read with SearchResultsOf.
  static db::Query Search(const std::string& query, const auth::Principal& caller, int limit);
  static std::vector<Customer> SearchResultsOf(const db::Rows& rows, int limit);

  // --- contacts (visible with their customer) ---
  static std::optional<Contact> FindContactInScope(db::Tx& tx, const std::string& id,
                                                   const auth::Principal& caller, bool lock);
  static std::vector<Contact> ListContacts(db::Tx& tx, const std::string& customer_id,
                                           const std::string& after_id, int limit);
  // Contacts by id, whatever their scope or state (for events after a write).
  static std::vector<Contact> FindContacts(db::Tx& tx, const std::vector<std::string>& ids);
  static void InsertContact(db::Tx& tx, const Contact& c);
  static bool UpdateContact(db::Tx& tx, const Contact& c, int64_t expected_version);
  static bool DeleteContact(db::Tx& tx, const std::string& id, int64_t expected_version);
  // Unmarks the customer's primary contact, except `keep_id`.
  // Returns the contacts changed.
  static std::vector<std::string> ClearPrimary(db::Tx& tx, const std::string& customer_id,
                                               const std::string& keep_id);
  // Contacts reporting to `id` report to nobody. Returns the contacts changed.
  static std::vector<std::string> DetachReports(db::Tx& tx, const std::string& id);
  // The chain of managers above `id` (its reports_to, theirs, …), for cycle checks.
  static std::vector<std::string> ReportingChain(db::Tx& tx, const std::string& id);
  // Whether `contact_id` is a live contact of the customer.
  static bool ContactOfCustomer(db::Tx& tx, const std::string& contact_id,
                                const std::string& customer_id);

  // --- interactions ---
  static std::optional<Interaction> FindInteractionInScope(db::Tx& tx, const std::string& id,
                                                           const auth::Principal& caller);
  static std::vector<Interaction> ListInteractions(db::Tx& tx, const std::string& customer_id,
                                                   absl::Time before_time,
                                                   const std::string& before_id, int limit);
  static void InsertInteraction(db::Tx& tx, const Interaction& i);
  static bool UpdateInteraction(db::Tx& tx, const Interaction& i, int64_t expected_version);
  // The caller's own follow-ups due by then, on customers in the caller's scope.
  static std::vector<Interaction> FollowUpsDue(db::Tx& tx, const auth::Principal& caller,
                                               absl::CivilDay due_by, const std::string& after_date,
                                               const std::string& after_id, int limit);

  // --- relationship map ---
  // The user's relation to the contact, locked.
  static std::optional<ContactRelation> LockRelation(db::Tx& tx, const std::string& user_id,
                                                     const std::string& contact_id);
  // Creates or replaces (strength, notes) the relation.
  static void UpsertRelation(db::Tx& tx, const ContactRelation& r);
  static void DeleteRelation(db::Tx& tx, const std::string& user_id, const std::string& contact_id);
  // Relations to the customer's live contacts, strongest first per contact.
  static std::vector<ContactRelation> RelationsOfCustomer(db::Tx& tx,
                                                          const std::string& customer_id,
                                                          int limit);
  // False when the same link exists.
  static bool InsertLink(db::Tx& tx, const CustomerLink& l);
  static std::optional<CustomerLink> LockLink(db::Tx& tx, const std::string& id);
  static void DeleteLink(db::Tx& tx, const std::string& id);
  // The customer's links, either direction, whose other customer is live and in scope.
  static std::vector<CustomerLink> LinksOfCustomer(db::Tx& tx, const std::string& customer_id,
                                                   const auth::Principal& caller, int limit);
  // Walking the relationship graph, a level at a time:
  // (user, contact, strength) for contacts in the caller's scope these users know;
  static std::vector<Edge> KnownContacts(db::Tx& tx, const std::vector<std::string>& user_ids,
                                         const auth::Principal& caller);
  // (contact, user, strength) for the users who know these contacts;
  static std::vector<Edge> ContactKnowers(db::Tx& tx, const std::vector<std::string>& contact_ids);
  // (contact, the contact it reports to) for reporting lines touching these contacts.
  static std::vector<Edge> ReportingLines(db::Tx& tx, const std::vector<std::string>& contact_ids);

  // --- hand-over ---
  // Locks and returns (in id order) the live customers owned by `owner_id` within the
  // caller's scope: those in `ids`, or all of them when `ids` is empty; at most `limit`.
  static std::vector<std::string> LockOwned(db::Tx& tx, const std::string& owner_id,
                                            const std::vector<std::string>& ids,
                                            const auth::Principal& caller, int limit);
  // The customers belong to the user and their department from now on, with the follow-ups
  // from_user_id had pending on them.
  static void Reassign(db::Tx& tx, const std::vector<std::string>& ids,
                       const std::string& from_user_id, const std::string& user_id,
                       const std::string& department_id);
  static void InsertHandover(db::Tx& tx, const Handover& h);
  static std::optional<Handover> FindHandover(db::Tx& tx, const std::string& id);
  // Newest first, within the caller's scope; user_id (optional) narrows to hand-overs from or
  // to that user.
  static std::vector<Handover> ListHandovers(db::Tx& tx, const auth::Principal& caller,
                                             const std::string& user_id,
                                             const std::string& before_id, int limit);

  // --- duplicates and merges ---
  // Pairs (smaller id first) of live customers within the caller's scope sharing a key,
  // after the pair (after_a, after_b) in id order; only those of `customer_id` when set.
  static std::vector<DuplicatePair> DuplicatePairs(db::Tx& tx, const auth::Principal& caller,
                                                   const std::string& customer_id,
                                                   const std::string& after_a,
                                                   const std::string& after_b, int limit);
  // Moves every contact of `from` to `to` (a moved primary stays primary only if `to` has
  // none). Returns the contacts moved.
  static std::vector<std::string> MoveContacts(db::Tx& tx, const std::string& from,
                                               const std::string& to);
  static int MoveInteractions(db::Tx& tx, const std::string& from, const std::string& to);
  // Re-points `from`'s links to `to`, dropping those that would link `to` to itself or repeat
  // one it has. Returns the links kept.
  static int MoveLinks(db::Tx& tx, const std::string& from, const std::string& to);
  // Deletes the duplicate, remembering the survivor.
  static void MarkMerged(db::Tx& tx, const std::string& duplicate_id,
                         const std::string& survivor_id);
  static void InsertMerge(db::Tx& tx, const Merge& m);
  static std::optional<Merge> FindMerge(db::Tx& tx, const std::string& id);
  // Newest first, those whose survivor is within the caller's scope; customer_id (optional)
  // narrows to the merges of one customer, as survivor or duplicate.
  static std::vector<Merge> ListMerges(db::Tx& tx, const auth::Principal& caller,
                                       const std::string& customer_id, const std::string& before_id,
                                       int limit);

  // --- churn ---
  struct OrderApplied {
    std::string customer_id;  // the survivor when the order's customer was merged
    bool recovered = false;   // the order brought it back to active
  };
  // Raises the customer's last order date to `day`; an order on or after `recent_from` makes
  // a warned, delayed or lost customer active again. nullopt for an unknown customer.
  static std::optional<OrderApplied> ApplyOrder(db::Tx& tx, const std::string& customer_id,
                                                absl::CivilDay day, absl::CivilDay recent_from);
  // Warns (at most `limit` of) the active customers without an order since `cutoff` (or, with
  // none, created before it in `zone`) and the delayed ones whose delay ended before `today`.
  static std::vector<std::string> WarnDue(db::Tx& tx, absl::CivilDay cutoff, absl::CivilDay today,
                                          const std::string& zone, int limit);
  // Moves the customer to `status` (clearing or setting the delay); false if the version is
  // not `expected_version`.
  static bool SetLossStatus(db::Tx& tx, const std::string& id, const std::string& status,
                            std::optional<absl::CivilDay> delayed_until, int64_t expected_version);
  static void InsertLossAction(db::Tx& tx, const LossAction& a);
  static std::vector<LossAction> LossActions(db::Tx& tx, const std::string& customer_id, int limit);
  // Warned and delayed customers within scope (of one owner when set), longest-warned first,
  // after (after_micros, after_id).
  static std::vector<Customer> LossWarnings(db::Tx& tx, const auth::Principal& caller,
                                            const std::string& owner_id, int64_t after_micros,
                                            const std::string& after_id, int limit);

  // --- bulk import ---
  struct Existing {
    Customer customer;
    bool visible = false;  // within the caller's scope
    bool deleted = false;
  };
  // The customers with these external keys (deleted ones too), locked, by key.
  static std::map<std::string, Existing> LockByExternalKeys(db::Tx& tx,
                                                            const std::vector<std::string>& keys,
                                                            const auth::Principal& caller);
  // Inserts the customers (ids, owners and external keys set; numbers assigned here) with one
  // COPY, and completes them as stored (number, status, version, times). Throws
  // pqxx::unique_violation when another transaction has taken one of the external keys.
  static void InsertMany(db::Tx& tx, const std::vector<Customer*>& cs);
  static std::vector<Customer> FindMany(db::Tx& tx, const std::vector<std::string>& ids);
  // Creates the job for its first batch; returns it locked.
  static ImportJob LockImportJob(db::Tx& tx, const std::string& id, const std::string& user_id);
  static std::optional<ImportJob> FindImportJob(db::Tx& tx, const std::string& id);
  static void AdvanceImportJob(db::Tx& tx, const ImportJob& delta);

  // --- documents ---
  // The live document, if its customer is live and within the caller's scope.
  static std::optional<Document> FindDocumentInScope(db::Tx& tx, const std::string& id,
                                                     const auth::Principal& caller, bool lock);
  static std::vector<Document> ListDocuments(db::Tx& tx, const std::string& customer_id, int limit);
  // The document and its content in `chunks` pieces.
  static void InsertDocument(db::Tx& tx, const Document& d, const std::vector<std::string>& chunks);
  static std::optional<Document> FindDocument(db::Tx& tx, const std::string& id);
  static std::string DocumentChunk(db::Tx& tx, const std::string& id, int seq);
  static void DeleteDocument(db::Tx& tx, const std::string& id);

  // --- dictionaries ---
  static std::vector<DictionaryEntry> ListDictionary(db::Tx& tx, const std::string& kind);
  static void UpsertDictionaryEntry(db::Tx& tx, const DictionaryEntry& e);
  // The (kind, code) pairs, of those given, that are not active dictionary entries.
  static std::vector<std::pair<std::string, std::string>> UnknownCodes(
      db::Tx& tx, const std::vector<std::pair<std::string, std::string>>& codes);
};

}  // namespace crm::customers_service
