-- Contacts (联系人) and interactions (交往记录 / 跟进记录) of customers.

CREATE TABLE customers.contacts (
  id            uuid PRIMARY KEY,
  customer_id   uuid NOT NULL REFERENCES customers.customers (id),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  gender        text NOT NULL DEFAULT '' CHECK (gender IN ('', 'male', 'female')),
  position      text NOT NULL DEFAULT '',
  office_phone  text NOT NULL DEFAULT '',
  mobile        text NOT NULL DEFAULT '',
  email         text NOT NULL DEFAULT '',
  notes         text NOT NULL DEFAULT '',
  is_primary    boolean NOT NULL DEFAULT false,
  reports_to_id uuid REFERENCES customers.contacts (id),
  buying_role   text NOT NULL DEFAULT ''
                CHECK (buying_role IN ('', 'decision_maker', 'influencer', 'user', 'gatekeeper')),
  attitude      text NOT NULL DEFAULT '' CHECK (attitude IN ('', 'supporter', 'neutral', 'opponent')),
  social_style  text NOT NULL DEFAULT ''
                CHECK (social_style IN ('', 'expressive', 'driver', 'amiable', 'analytical')),
  version       bigint NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  CHECK (reports_to_id IS DISTINCT FROM id)
);
CREATE INDEX contacts_customer ON customers.contacts (customer_id, id) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX contacts_one_primary ON customers.contacts (customer_id)
  WHERE is_primary AND deleted_at IS NULL;
CREATE INDEX contacts_reports_to ON customers.contacts (reports_to_id) WHERE reports_to_id IS NOT NULL;

CREATE TABLE customers.interactions (
  id                  uuid PRIMARY KEY,
  customer_id         uuid NOT NULL REFERENCES customers.customers (id),
  contact_id          uuid REFERENCES customers.contacts (id),
  user_id             uuid NOT NULL,
  method              text NOT NULL CHECK (method IN ('visit', 'phone', 'email', 'meeting', 'message')),
  occurred_at         timestamptz NOT NULL,
  location            text NOT NULL DEFAULT '',
  summary             text NOT NULL CHECK (length(summary) BETWEEN 1 AND 200),
  details             text NOT NULL DEFAULT '',
  result              text NOT NULL DEFAULT '',
  next_follow_up_date date,
  version             bigint NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interactions_customer ON customers.interactions (customer_id, occurred_at DESC, id DESC);
CREATE INDEX interactions_follow_up ON customers.interactions (user_id, next_follow_up_date, id)
  WHERE next_follow_up_date IS NOT NULL;
