-- Customers, their dictionaries, and the search machinery for names in any script.

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

-- Search grams of a name: every character and every pair of neighbouring characters, lower
-- case, without spaces. A GIN index over them answers "name contains 华为" for the one- and
-- two-character terms that pg_trgm cannot (they yield no trigram).
CREATE FUNCTION customers.name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}')
  FROM (SELECT lower(regexp_replace(name, '\s+', '', 'g')) AS n) s,
       LATERAL (SELECT substr(s.n, i, 1) AS g FROM generate_series(1, length(s.n)) i
                UNION ALL
                SELECT substr(s.n, i, 2) FROM generate_series(1, length(s.n) - 1) i) grams
$$;

-- The grams a search term must all have: its pairs, or the term itself when it is one character.
CREATE FUNCTION customers.query_grams(query text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN length(q) <= 1 THEN ARRAY[q]
              ELSE (SELECT array_agg(DISTINCT substr(q, i, 2))
                    FROM generate_series(1, length(q) - 1) i) END
  FROM (SELECT lower(regexp_replace(query, '\s+', '', 'g')) AS q) s
$$;

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

CREATE TABLE customers.customers (
  id                          uuid PRIMARY KEY,
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
  last_order_date             date,
  version                     bigint NOT NULL DEFAULT 1,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  deleted_at                  timestamptz,
  -- Derived, for search and duplicate detection.
  name_grams                  text[] NOT NULL GENERATED ALWAYS AS (customers.name_grams(name)) STORED,
  normalized_name             text NOT NULL GENERATED ALWAYS AS (customers.normalized_name(name)) STORED,
  phone_digits                text NOT NULL GENERATED ALWAYS AS (regexp_replace(phone, '[^0-9]', '', 'g')) STORED
);

-- Lists: newest first within the caller's scope, each filter indexed.
CREATE INDEX customers_live ON customers.customers (id DESC) WHERE deleted_at IS NULL;
CREATE INDEX customers_owner ON customers.customers (owner_id, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX customers_department ON customers.customers (owner_department_id, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX customers_region ON customers.customers (region, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX customers_industry ON customers.customers (industry, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX customers_level ON customers.customers (level, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX customers_status ON customers.customers (status, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX customers_tags ON customers.customers USING gin (tags) WHERE deleted_at IS NULL;
-- Search: grams for contains-queries in any script, trigrams for misspelt Latin names.
CREATE INDEX customers_name_grams ON customers.customers USING gin (name_grams) WHERE deleted_at IS NULL;
CREATE INDEX customers_name_trgm ON customers.customers USING gin (name gin_trgm_ops) WHERE deleted_at IS NULL;
-- Duplicate detection.
CREATE INDEX customers_tax_id ON customers.customers (tax_id) WHERE deleted_at IS NULL AND tax_id <> '';
CREATE INDEX customers_normalized_name ON customers.customers (normalized_name) WHERE deleted_at IS NULL;
CREATE INDEX customers_phone_digits ON customers.customers (phone_digits) WHERE deleted_at IS NULL AND phone_digits <> '';
