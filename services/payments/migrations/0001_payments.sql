-- Receivables of signed contracts, their payment plans, payment records and reversals,
-- deliveries, and collection notes. Amounts are integer minor units of the receivable's
-- currency.

-- The payment methods dictionary (回款方式).
CREATE TABLE payments.payment_methods (
  code     text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$'),
  name     text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
  position int NOT NULL,
  active   boolean NOT NULL DEFAULT true
);
INSERT INTO payments.payment_methods (code, name, position) VALUES
  ('bank_transfer', '银行转账', 1), ('cash', '现金', 2), ('cheque', '支票', 3),
  ('online', '在线支付', 4);

-- One per signed contract, written by following the contracts service's events.
CREATE TABLE payments.receivables (
  contract_id         uuid PRIMARY KEY,
  contract_number     text NOT NULL,
  customer_id         uuid NOT NULL,
  owner_id            uuid NOT NULL,
  owner_department_id uuid,
  currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  due_minor           int8 NOT NULL CHECK (due_minor >= 0),
  -- Σ payments − Σ reversals, kept with them in the same transaction; the check is the last
  -- word against overpayment.
  received_minor      int8 NOT NULL DEFAULT 0 CHECK (received_minor BETWEEN 0 AND due_minor),
  sign_date           date NOT NULL,
  status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled', 'terminated')),
  -- Whether a payment (or reversal) was ever recorded: the plan is fixed from then on.
  has_payments        boolean NOT NULL DEFAULT false,
  version             int8 NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
-- Scope (owner, owner's department) and the list filters, newest contract first.
CREATE INDEX receivables_owner ON payments.receivables (owner_id, contract_id DESC);
CREATE INDEX receivables_department ON payments.receivables (owner_department_id, contract_id DESC);
CREATE INDEX receivables_customer ON payments.receivables (customer_id, contract_id DESC);

-- The contract's lines, to deliver.
CREATE TABLE payments.receivable_lines (
  contract_id  uuid NOT NULL REFERENCES payments.receivables (contract_id),
  position     int NOT NULL CHECK (position >= 1),
  product_id   text NOT NULL,
  product_name text NOT NULL,
  quantity     int8 NOT NULL CHECK (quantity >= 1),
  PRIMARY KEY (contract_id, position)
);

-- The payment plan. paid_minor is what the received amount covers, applied in order of
-- number (= due date order), recomputed with every payment and reversal.
CREATE TABLE payments.installments (
  contract_id  uuid NOT NULL REFERENCES payments.receivables (contract_id),
  number       int NOT NULL CHECK (number >= 1),
  due_date     date NOT NULL,
  amount_minor int8 NOT NULL CHECK (amount_minor > 0),
  paid_minor   int8 NOT NULL DEFAULT 0 CHECK (paid_minor BETWEEN 0 AND amount_minor),
  PRIMARY KEY (contract_id, number),
  UNIQUE (contract_id, due_date)
);
-- Overdue lists: unpaid installments by due date.
CREATE INDEX installments_unpaid ON payments.installments (due_date, contract_id, number)
  WHERE paid_minor < amount_minor;

-- Payment records and reversals: inserted, never changed or deleted.
CREATE TABLE payments.payments (
  id                   uuid PRIMARY KEY,
  contract_id          uuid NOT NULL REFERENCES payments.receivables (contract_id),
  kind                 text NOT NULL CHECK (kind IN ('payment', 'reversal')),
  -- A reversal's payment; unique: a payment is reversed at most once.
  reverses_id          uuid UNIQUE REFERENCES payments.payments (id),
  method               text NOT NULL REFERENCES payments.payment_methods (code),
  received_at          timestamptz NOT NULL,
  amount_minor         int8 NOT NULL,
  handler_id           uuid NOT NULL,
  payer_bank           text NOT NULL DEFAULT '',
  payer_account_name   text NOT NULL DEFAULT '',
  payer_account_number text NOT NULL DEFAULT '',
  reference            text NOT NULL DEFAULT '',
  note                 text NOT NULL DEFAULT '',
  recorded_by          uuid NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'payment' AND amount_minor > 0 AND reverses_id IS NULL
         OR kind = 'reversal' AND amount_minor < 0 AND reverses_id IS NOT NULL)
);
CREATE INDEX payments_contract ON payments.payments (contract_id, id DESC);

CREATE TABLE payments.deliveries (
  id            uuid PRIMARY KEY,
  contract_id   uuid NOT NULL,
  line_position int NOT NULL,
  quantity      int8 NOT NULL CHECK (quantity >= 1),
  note          text NOT NULL DEFAULT '',
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'shipped', 'accepted')),
  created_by    uuid NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  shipped_by    uuid,
  shipped_at    timestamptz,
  accepted_by   uuid,
  accepted_at   timestamptz,
  version       int8 NOT NULL DEFAULT 1,
  FOREIGN KEY (contract_id, line_position) REFERENCES payments.receivable_lines (contract_id, position)
);
CREATE INDEX deliveries_contract ON payments.deliveries (contract_id, id);

CREATE TABLE payments.collection_notes (
  id                 uuid PRIMARY KEY,
  contract_id        uuid NOT NULL,
  installment_number int NOT NULL,
  result             text NOT NULL CHECK (length(result) BETWEEN 1 AND 2000),
  promised_date      date,
  author_id          uuid NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  -- The plan may be replaced (before the first payment); notes keep the number they were on.
  FOREIGN KEY (contract_id) REFERENCES payments.receivables (contract_id)
);
CREATE INDEX collection_notes_installment
  ON payments.collection_notes (contract_id, installment_number, id DESC);
