-- Documents attached to customers (文档管理). The content is kept in the database, in chunks,
-- so a document and its metadata commit together and backups hold both.

CREATE TABLE customers.documents (
  id            uuid PRIMARY KEY,
  customer_id   uuid NOT NULL REFERENCES customers.customers (id),
  file_name     text NOT NULL,
  content_type  text NOT NULL,
  size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  description   text NOT NULL DEFAULT '',
  chunks        integer NOT NULL,
  created_by    uuid NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);
CREATE INDEX documents_customer ON customers.documents (customer_id, created_at DESC)
  WHERE deleted_at IS NULL;

CREATE TABLE customers.document_chunks (
  document_id  uuid NOT NULL REFERENCES customers.documents (id),
  seq          integer NOT NULL,
  data         bytea NOT NULL,
  PRIMARY KEY (document_id, seq)
);
