-- The customers service's schema: customers with their dictionaries, contacts, interactions,
-- the relationship map, hand-overs, merges, churn handling, imports and documents.
-- pg_trgm and btree_gin are created by deploy/sql/provision-service.sql (they need a superuser).

CREATE TABLE customers.dictionary_entries (
  kind       text NOT NULL CHECK (kind IN ('level', 'region', 'industry', 'source')),
  code       text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
  sort_order int NOT NULL DEFAULT 0,
  active     boolean NOT NULL DEFAULT true,
  PRIMARY KEY (kind, code)
);

INSERT INTO customers.dictionary_entries (kind, code, name, sort_order) VALUES
  ('level', 'ordinary', '普通客户', 1),
  ('level', 'key_prospect', '重点开发客户', 2),
  ('level', 'major', '大客户', 3),
  ('level', 'partner', '合作伙伴', 4),
  ('level', 'strategic_partner', '战略合作伙伴', 5),
  ('region', 'north', '华北', 1),
  ('region', 'northeast', '东北', 2),
  ('region', 'east', '华东', 3),
  ('region', 'central', '华中', 4),
  ('region', 'south', '华南', 5),
  ('region', 'southwest', '西南', 6),
  ('region', 'northwest', '西北', 7),
  ('region', 'overseas', '海外', 8),
  ('industry', 'manufacturing', '制造业', 1),
  ('industry', 'it', '信息技术', 2),
  ('industry', 'finance', '金融', 3),
  ('industry', 'retail', '零售', 4),
  ('industry', 'energy', '能源', 5),
  ('industry', 'healthcare', '医疗健康', 6),
  ('industry', 'education', '教育', 7),
  ('industry', 'logistics', '物流', 8),
  ('industry', 'construction', '建筑', 9),
  ('industry', 'government', '政府与公共事业', 10),
  ('industry', 'other', '其他', 99),
  ('source', 'referral', '客户推荐', 1),
  ('source', 'exhibition', '展会', 2),
  ('source', 'website', '官网', 3),
  ('source', 'cold_call', '电话开发', 4),
  ('source', 'partner', '合作伙伴', 5),
  ('source', 'opportunity', '销售机会', 6),
  ('source', 'import', '批量导入', 7),
  ('source', 'other', '其他', 99);

-- The form of a name compared for duplicates: compatibility-normalised (full-width letters and
-- digits become ASCII), lower case, without spaces, punctuation or a legal-form suffix.
CREATE FUNCTION customers.normalized_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(
           regexp_replace(lower(normalize(name, NFKC)), '[[:space:][:punct:]（）【】《》、，。·]+', '', 'g'),
           '(股份有限公司|有限责任公司|有限公司|集团公司|集团|公司|coltd|co|ltd|limited|inc|corp|corporation|gmbh|llc)$',
           '')
$$;

CREATE SEQUENCE customers.customer_number_seq;

-- A customer number from a value of customer_number_seq: C and at least eight digits (more
-- digits rather than wrapping).
CREATE FUNCTION customers.customer_number(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 'C' || lpad(n::text, greatest(8, length(n::text)), '0')
$$;

CREATE TABLE customers.customers (
  id                          uuid PRIMARY KEY,
  -- customers.customer_number(nextval('customers.customer_number_seq')).
  number                      text NOT NULL UNIQUE,
  name                        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  region                      text NOT NULL DEFAULT '',
  industry                    text NOT NULL DEFAULT '',
  level                       text NOT NULL DEFAULT '',
  satisfaction                smallint NOT NULL DEFAULT 0 CHECK (satisfaction BETWEEN 0 AND 5),
  credit                      smallint NOT NULL DEFAULT 0 CHECK (credit BETWEEN 0 AND 5),
  address                     text NOT NULL DEFAULT '',
  postal_code                 text NOT NULL DEFAULT '',
  phone                       text NOT NULL DEFAULT '',
  fax                         text NOT NULL DEFAULT '',
  website                     text NOT NULL DEFAULT '',
  business_licence_number     text NOT NULL DEFAULT '',
  legal_representative        text NOT NULL DEFAULT '',
  registered_capital_minor    bigint,
  registered_capital_currency text NOT NULL DEFAULT '',
  annual_revenue_minor        bigint,
  annual_revenue_currency     text NOT NULL DEFAULT '',
  bank                        text NOT NULL DEFAULT '',
  bank_account                text NOT NULL DEFAULT '',
  tax_id                      text NOT NULL DEFAULT '',
  owner_id                    uuid NOT NULL,
  owner_department_id         uuid,
  source                      text NOT NULL DEFAULT '',
  status                      text NOT NULL DEFAULT 'active'
                              CHECK (status IN ('active', 'loss_warning', 'loss_delayed', 'lost')),
  tags                        text[] NOT NULL DEFAULT '{}',
  attributes                  jsonb NOT NULL DEFAULT '{}',
  -- Churn handling: the last order, when the loss was warned of, until when it is delayed.
  last_order_date             date,
  loss_warned_at              timestamptz,
  loss_delayed_until          date,
  -- The key of the customer in the system it was imported from.
  external_key                text CHECK (external_key IS NULL OR external_key <> ''),
  -- The customer's key in the company's sales system (its orders there count for churn).
  sales_system_key            text CHECK (sales_system_key IS NULL OR sales_system_key <> ''),
  version                     bigint NOT NULL DEFAULT 1,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  deleted_at                  timestamptz,
  -- A merged duplicate (deleted) remembers its survivor.
  merged_into                 uuid REFERENCES customers.customers (id),
  -- Derived, for search and duplicate detection.
  name_grams                  text[] NOT NULL GENERATED ALWAYS AS (customers.text_grams(name)) STORED,
  normalized_name             text NOT NULL GENERATED ALWAYS AS (customers.normalized_name(name)) STORED,
  phone_digits                text NOT NULL GENERATED ALWAYS AS (regexp_replace(phone, '[^0-9]', '', 'g')) STORED
);

-- Lists within a rep's or a manager's scope, newest first (read backwards: a new id lands at
-- the end of its owner's range, where page splits leave full pages). An executive's list reads
-- the primary key backwards.
CREATE INDEX customers_owner ON customers.customers (owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_department ON customers.customers (owner_department_id, id)
  WHERE deleted_at IS NULL;
-- List filters on region, industry, level, status and tag, in any combination: one GIN index
-- (btree_gin for the text columns) costs an insert one pending-list append instead of five
-- B-tree descents. The pending list is kept small because every scan reads it.
CREATE INDEX customers_list_filters ON customers.customers
  USING gin (region, industry, level, status, tags) WITH (gin_pending_list_limit = 1024)
  WHERE deleted_at IS NULL;
-- SearchCustomers and ListCustomers' name_contains: the name's grams with both scope columns
-- (btree_gin), so a rep's search intersects their own customers' entries with the query's
-- grams, a manager's their departments', and an executive's uses the grams alone. One index
-- serves every scope, so the planner has no cheaper-looking, wider index to pick instead.
CREATE INDEX customers_name_grams ON customers.customers
  USING gin (owner_id, owner_department_id, name_grams) WITH (gin_pending_list_limit = 1024)
  WHERE deleted_at IS NULL;
-- SearchCustomers for Latin queries: names containing the query (ILIKE) and misspelt names
-- (trigram word similarity), with the scope columns as above. A name without an ASCII letter
-- or digit can never match such a query, so it is left out: most names in a Chinese CRM are,
-- and their writes skip this index.
CREATE INDEX customers_name_trgm ON customers.customers
  USING gin (owner_id, owner_department_id, name gin_trgm_ops)
  WHERE deleted_at IS NULL AND name ~ '[A-Za-z0-9]';
-- The words of Latin names, for SearchCustomers' misspelt queries: a word typed is matched to the
-- words names have by trigram similarity, and the names containing those are found through the
-- trigram index above. Matching the whole name instead would check every name sharing enough
-- trigrams with the query, most of which are not like it. A word is added when a name first has
-- it (the triggers below) and is never removed: one that no name has any more finds nothing.
CREATE TABLE customers.name_words (
  word text PRIMARY KEY
);
CREATE INDEX name_words_trgm ON customers.name_words USING gin (word gin_trgm_ops);
-- A text's words: runs of ASCII letters and digits with a letter, three or more long,
-- lower-cased, each once, longest first.
CREATE FUNCTION customers.latin_words(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(w ORDER BY length(w) DESC, w), '{}')
  FROM (SELECT DISTINCT w FROM regexp_split_to_table(lower(name), '[^a-z0-9]+') AS w
        WHERE length(w) >= 3 AND w ~ '[a-z]') AS words
$$;
CREATE FUNCTION customers.remember_name_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customers.name_words (word)
  SELECT unnest(customers.latin_words(NEW.name)) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER customers_new_name_words AFTER INSERT ON customers.customers
  FOR EACH ROW WHEN (NEW.name ~ '[A-Za-z]') EXECUTE FUNCTION customers.remember_name_words();
CREATE TRIGGER customers_renamed_name_words AFTER UPDATE OF name ON customers.customers
  FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name AND NEW.name ~ '[A-Za-z]')
  EXECUTE FUNCTION customers.remember_name_words();
-- Duplicate detection on create and DuplicatePairs (equality only, so hash indexes), and
-- SearchCustomers' phone branch.
CREATE INDEX customers_tax_id ON customers.customers USING hash (tax_id)
  WHERE deleted_at IS NULL AND tax_id <> '';
CREATE INDEX customers_normalized_name ON customers.customers USING hash (normalized_name)
  WHERE deleted_at IS NULL;
CREATE INDEX customers_phone_digits ON customers.customers USING hash (phone_digits)
  WHERE deleted_at IS NULL AND phone_digits <> '';
-- The loss-warning scan: active customers by last order, delayed ones by the end of the delay.
CREATE INDEX customers_churn_due ON customers.customers (last_order_date)
  WHERE deleted_at IS NULL AND status = 'active';
CREATE INDEX customers_loss_delayed ON customers.customers (loss_delayed_until)
  WHERE deleted_at IS NULL AND status = 'loss_delayed';
-- ListLossWarnings per owner and per department, longest-warned first.
CREATE INDEX customers_loss_owner ON customers.customers (owner_id, loss_warned_at, id)
  WHERE deleted_at IS NULL AND status IN ('loss_warning', 'loss_delayed');
CREATE INDEX customers_loss_department ON customers.customers (owner_department_id, loss_warned_at, id)
  WHERE deleted_at IS NULL AND status IN ('loss_warning', 'loss_delayed');
-- Imports match rows to customers by external key.
CREATE UNIQUE INDEX customers_external_key ON customers.customers (external_key)
  WHERE external_key IS NOT NULL;
-- The sales system's orders find their customer by its key there (a merged duplicate keeps its
-- key, and its orders go on to the survivor).
CREATE UNIQUE INDEX customers_sales_system_key ON customers.customers (sales_system_key)
  WHERE sales_system_key IS NOT NULL;

-- The latest order of each customer of the sales system (from its order stream), linked to one
-- of ours or not: a customer linked later takes it at once.
CREATE TABLE customers.sales_system_orders (
  customer_key    text PRIMARY KEY,
  last_order_date date NOT NULL
);

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
  -- Who follows it up: the one who recorded it, until the customer is handed over.
  follow_up_user_id   uuid NOT NULL,
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
CREATE INDEX interactions_follow_up ON customers.interactions (follow_up_user_id, next_follow_up_date, id)
  WHERE next_follow_up_date IS NOT NULL;

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

-- Hand-overs of customers between owners (客户移交): the audit record of who moved which
-- customers from whom to whom, and why.

CREATE TABLE customers.handovers (
  id                uuid PRIMARY KEY,
  from_user_id      uuid NOT NULL,
  to_user_id        uuid NOT NULL,
  to_department_id  uuid NOT NULL,
  customer_ids      uuid[] NOT NULL,
  reason            text NOT NULL,
  created_by        uuid NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  -- The departments the customers belonged to before, so a manager sees hand-overs out of
  -- their departments too.
  from_department_ids uuid[] NOT NULL DEFAULT '{}',
  CHECK (from_user_id <> to_user_id)
);
-- ListHandovers: newest first, and narrowed to hand-overs from or to one user.
CREATE INDEX handovers_newest ON customers.handovers (id DESC);
CREATE INDEX handovers_from ON customers.handovers (from_user_id, created_at);
CREATE INDEX handovers_to ON customers.handovers (to_user_id, created_at);

-- Merges of duplicate customers: the duplicate is soft-deleted and remembers its survivor
-- (customers.merged_into); each merge is an audit record.

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

-- Churn handling (客户流失管理): the history of each step of a customer's loss handling.
CREATE TABLE customers.loss_actions (
  id             uuid PRIMARY KEY,
  customer_id    uuid NOT NULL REFERENCES customers.customers (id),
  kind           text NOT NULL CHECK (kind IN ('warned', 'delayed', 'confirmed', 'recovered')),
  note           text NOT NULL DEFAULT '',
  delayed_until  date,
  user_id        uuid,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loss_actions_customer ON customers.loss_actions (customer_id, created_at, id);

-- Bulk import: each job records what it has committed, so an interrupted import can resume.
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
