-- Bulk import: customers carry the key of the system they came from, and each import job
-- records what it has committed so an interrupted import can resume.

ALTER TABLE customers.customers ADD COLUMN external_key text
  CHECK (external_key IS NULL OR external_key <> '');
CREATE UNIQUE INDEX customers_external_key ON customers.customers (external_key)
  WHERE external_key IS NOT NULL;

CREATE TABLE customers.import_jobs (
  id               uuid PRIMARY KEY,
  created_by       uuid NOT NULL,
  rows             bigint NOT NULL DEFAULT 0,
  created          bigint NOT NULL DEFAULT 0,
  updated          bigint NOT NULL DEFAULT 0,
  unchanged        bigint NOT NULL DEFAULT 0,
  failed           bigint NOT NULL DEFAULT 0,
  last_row_number  bigint NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
