-- Contracts and orders: line items priced from the sales system's catalogue, their status
-- history, and the electronic contracts uploaded for them.

-- Contract numbers: HT<day>-<n>. A sequence hands out n without locks or races (a rolled-back
-- creation leaves a gap); the unique index is the last word.
CREATE SEQUENCE contracts.contract_number_seq;

CREATE TABLE contracts.contracts (
  id                         uuid PRIMARY KEY,
  number                     text NOT NULL UNIQUE,
  customer_id                uuid NOT NULL,
  opportunity_id             uuid,
  title                      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  owner_id                   uuid NOT NULL,
  owner_department_id        uuid,
  currency                   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Derived from the lines (kept with them in the same transaction), in minor units.
  gross_minor                int8 NOT NULL DEFAULT 0 CHECK (gross_minor >= 0),
  discount_minor             int8 NOT NULL DEFAULT 0 CHECK (discount_minor BETWEEN 0 AND gross_minor),
  amount_minor               int8 NOT NULL GENERATED ALWAYS AS (gross_minor - discount_minor) STORED,
  terms                      text NOT NULL DEFAULT '',
  start_date                 date,
  end_date                   date CHECK (end_date >= start_date),
  channel                    text NOT NULL CHECK (channel IN ('direct', 'online', 'distributor')),
  status                     text NOT NULL DEFAULT 'draft'
                             CHECK (status IN ('draft', 'pending_review', 'approved', 'signed',
                                               'completed', 'terminated')),
  review_level               text NOT NULL DEFAULT ''
                             CHECK (review_level IN ('', 'sales_manager', 'executive')),
  reviewer_id                uuid,
  review_comment             text NOT NULL DEFAULT '',
  our_signer_id              uuid,
  customer_signer_contact_id uuid,
  sign_date                  date,
  termination_reason         text NOT NULL DEFAULT '',
  creator_id                 uuid NOT NULL,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  version                    int8 NOT NULL DEFAULT 1,
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  CHECK (status NOT IN ('signed', 'completed') OR sign_date IS NOT NULL),
  CHECK (status <> 'terminated' OR termination_reason <> '')
);
-- Scope (owner, owner's department) and every list filter, newest first.
CREATE INDEX contracts_owner ON contracts.contracts (owner_id, id DESC);
CREATE INDEX contracts_department ON contracts.contracts (owner_department_id, id DESC);
CREATE INDEX contracts_customer ON contracts.contracts (customer_id, id DESC);
CREATE INDEX contracts_opportunity ON contracts.contracts (opportunity_id, id DESC)
  WHERE opportunity_id IS NOT NULL;
CREATE INDEX contracts_status ON contracts.contracts (status, id DESC);
CREATE INDEX contracts_signed ON contracts.contracts (sign_date, id DESC)
  WHERE sign_date IS NOT NULL;

-- A contract's lines, replaced as a whole while it is a draft. The product fields are the
-- catalogue's at the last pricing (fixed once submitted).
CREATE TABLE contracts.lines (
  contract_id      uuid NOT NULL REFERENCES contracts.contracts (id),
  position         int NOT NULL CHECK (position >= 1),
  product_id       text NOT NULL CHECK (product_id <> ''),
  product_code     text NOT NULL,
  product_line_id  text NOT NULL,
  product_name     text NOT NULL,
  specification    text NOT NULL,
  unit             text NOT NULL,
  unit_price_minor int8 NOT NULL CHECK (unit_price_minor >= 0),
  quantity         int8 NOT NULL CHECK (quantity >= 1),
  discount_minor   int8 NOT NULL CHECK (discount_minor >= 0),
  amount_minor     int8 NOT NULL CHECK (amount_minor >= 0),
  PRIMARY KEY (contract_id, position)
);

CREATE TABLE contracts.status_changes (
  contract_id uuid NOT NULL REFERENCES contracts.contracts (id),
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  from_status text NOT NULL,
  to_status   text NOT NULL,
  user_id     uuid,
  reason      text NOT NULL DEFAULT '',
  changed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (contract_id, seq)
);

-- Electronic contracts: every upload kept; the newest is the current one.
CREATE TABLE contracts.files (
  id           uuid PRIMARY KEY,
  contract_id  uuid NOT NULL REFERENCES contracts.contracts (id),
  file_name    text NOT NULL,
  content_type text NOT NULL,
  size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  chunks       integer NOT NULL,
  uploaded_by  uuid NOT NULL,
  uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_contract ON contracts.files (contract_id, id DESC);

CREATE TABLE contracts.file_chunks (
  file_id uuid NOT NULL REFERENCES contracts.files (id),
  seq     integer NOT NULL,
  data    bytea NOT NULL,
  PRIMARY KEY (file_id, seq)
);
