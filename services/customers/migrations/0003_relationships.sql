-- The relationship map (营销员内部客户关系图): which of our users know which contacts, and
-- how customers are tied to each other.

CREATE TABLE customers.contact_relations (
  user_id     uuid NOT NULL,
  contact_id  uuid NOT NULL REFERENCES customers.contacts (id),
  strength    smallint NOT NULL CHECK (strength BETWEEN 1 AND 5),
  notes       text NOT NULL DEFAULT '',
  version     bigint NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, contact_id)
);
-- Who knows this contact (maps, and paths walking from a contact to users).
CREATE INDEX contact_relations_contact ON customers.contact_relations (contact_id, user_id);

CREATE TABLE customers.customer_links (
  id               uuid PRIMARY KEY,
  from_customer_id uuid NOT NULL REFERENCES customers.customers (id),
  to_customer_id   uuid NOT NULL REFERENCES customers.customers (id),
  kind             text NOT NULL
                   CHECK (kind IN ('referral', 'parent_subsidiary', 'partner', 'channel')),
  notes            text NOT NULL DEFAULT '',
  created_by       uuid NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (from_customer_id <> to_customer_id),
  -- A partnership has no direction: it is stored with the smaller id first.
  CHECK (kind <> 'partner' OR from_customer_id < to_customer_id)
);
CREATE UNIQUE INDEX customer_links_unique ON customers.customer_links (from_customer_id, to_customer_id, kind);
CREATE INDEX customer_links_to ON customers.customer_links (to_customer_id);

