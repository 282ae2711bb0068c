// Documents: the SQL of Repository that stores files attached to customers.

#include "libs/auth/scope.h"
#include "libs/db/time_fields.h"
#include "services/customers/src/repository.h"

namespace crm::customers_service {
namespace {

using db::Exec;
using db::Statement;

#define DOCUMENT_COLUMNS                                                                  \
  "d.id::text, d.customer_id::text, d.file_name, d.content_type, d.size_bytes, d.sha256," \
  " d.description, d.chunks, d.created_by::text, " CRM_SQL_MICROS("d.created_at")

Document DocumentFromRow(const pqxx::row& r) {
  Document d;
  d.id = r[0].as<std::string>();
  d.customer_id = r[1].as<std::string>();
  d.file_name = r[2].as<std::string>();
  d.content_type = r[3].as<std::string>();
  d.size_bytes = r[4].as<int64_t>();
  d.sha256 = r[5].as<std::string>();
  d.description = r[6].as<std::string>();
  d.chunks = r[7].as<int>();
  d.created_by = r[8].as<std::string>();
  d.created_at = db::TimeOf(r[9]);
  return d;
}

const auth::ScopedStatement& FindInScopeStmt(bool lock) {
  static const auto* plain = new auth::ScopedStatement(
      "customers.find_document",
      "SELECT " DOCUMENT_COLUMNS
      " FROM customers.documents d JOIN customers.customers c ON c.id = d.customer_id"
      " WHERE d.id = $1::uuid AND d.deleted_at IS NULL AND c.deleted_at IS NULL AND {scope}",
      "c.owner_id", "c.owner_department_id", 2);
  static const auto* locked = new auth::ScopedStatement(
      "customers.lock_document",
      "SELECT " DOCUMENT_COLUMNS
      " FROM customers.documents d JOIN customers.customers c ON c.id = d.customer_id"
      " WHERE d.id = $1::uuid AND d.deleted_at IS NULL AND c.deleted_at IS NULL AND {scope}"
      " FOR UPDATE OF d",
      "c.owner_id", "c.owner_department_id", 2);
  return lock ? *locked : *plain;
}

constexpr Statement kListDocuments{"customers.list_documents",
                                   "SELECT " DOCUMENT_COLUMNS
                                   " FROM customers.documents d"
                                   " WHERE d.customer_id = $1::uuid AND d.deleted_at IS NULL"
                                   " ORDER BY d.created_at DESC, d.id DESC LIMIT $2"};

constexpr Statement kInsertDocument{
    "customers.insert_document",
    "INSERT INTO customers.documents (id, customer_id, file_name, content_type, size_bytes,"
    " sha256, description, chunks, created_by)"
    " VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9::uuid)"};

constexpr Statement kInsertChunk{"customers.insert_document_chunk",
                                 "INSERT INTO customers.document_chunks (document_id, seq, data)"
                                 " VALUES ($1::uuid, $2, $3)"};

constexpr Statement kFindDocument{"customers.find_document_by_id",
                                  "SELECT " DOCUMENT_COLUMNS
                                  " FROM customers.documents d WHERE d.id = $1::uuid"};

constexpr Statement kChunk{
    "customers.document_chunk",
    "SELECT data FROM customers.document_chunks WHERE document_id = $1::uuid AND seq = $2"};

constexpr Statement kDeleteDocument{
    "customers.delete_document",
    "UPDATE customers.documents SET deleted_at = now() WHERE id = $1::uuid"};

}  // namespace

std::optional<Document> Repository::FindDocumentInScope(db::Tx& tx, const std::string& id,
                                                        const auth::Principal& caller, bool lock) {
  pqxx::result r = Exec(tx, FindInScopeStmt(lock).For(caller.scope), id, auth::ScopeParam(caller));
  if (r.empty()) return std::nullopt;
  return DocumentFromRow(r[0]);
}

std::vector<Document> Repository::ListDocuments(db::Tx& tx, const std::string& customer_id,
                                                int limit) {
  std::vector<Document> out;
  for (const auto& row : Exec(tx, kListDocuments, customer_id, limit)) {
    out.push_back(DocumentFromRow(row));
  }
  return out;
}

void Repository::InsertDocument(db::Tx& tx, const Document& d,
                                const std::vector<std::string>& chunks) {
  Exec(tx, kInsertDocument, d.id, d.customer_id, d.file_name, d.content_type, d.size_bytes,
       d.sha256, d.description, static_cast<int>(chunks.size()), d.created_by);
  for (size_t i = 0; i < chunks.size(); ++i) {
    Exec(tx, kInsertChunk, d.id, static_cast<int>(i),
         pqxx::binarystring(chunks[i].data(), chunks[i].size()));
  }
}

std::optional<Document> Repository::FindDocument(db::Tx& tx, const std::string& id) {
  pqxx::result r = Exec(tx, kFindDocument, id);
  if (r.empty()) return std::nullopt;
  return DocumentFromRow(r[0]);
}

std::string Repository::DocumentChunk(db::Tx& tx, const std::string& id, int seq) {
  pqxx::result r = Exec(tx, kChunk, id, seq);
  if (r.empty()) return {};
  pqxx::binarystring data(r[0][0]);
  return data.str();
}

void Repository::DeleteDocument(db::Tx& tx, const std::string& id) {
  Exec(tx, kDeleteDocument, id);
}

}  // namespace crm::customers_service
