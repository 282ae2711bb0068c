-- Merging duplicate customers: the duplicate is soft-deleted and remembers its survivor;
-- each merge is an audit record.

ALTER TABLE customers.customers ADD COLUMN merged_into uuid REFERENCES customers.customers (id);

CREATE TABLE customers.merges (
  id                  uuid PRIMARY KEY,
  survivor_id         uuid NOT NULL REFERENCES customers.customers (id),
  duplicate_id        uuid NOT NULL REFERENCES customers.customers (id),
  contacts_moved      integer NOT NULL,
  interactions_moved  integer NOT NULL,
  links_moved         integer NOT NULL,
  created_by          uuid NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (survivor_id <> duplicate_id)
);
CREATE INDEX merges_survivor ON customers.merges (survivor_id);
CREATE UNIQUE INDEX merges_duplicate ON customers.merges (duplicate_id);
