-- Read models of the management reports, built only from the other services' event streams
-- (auth, customers, pipeline, contracts, payments, service). Every row keeps the source's
-- version (its update time) and is only overwritten by a newer one, so an event applied twice,
-- or an older state arriving after a newer one, changes nothing. Facts that come from several
-- sources (a contract's customer, a payment's contract) are joined when a report is read, and
-- the rollups (*_periods, *_months) follow a customer's changes, so it does not matter which
-- source's events arrive first. Event cursors are in event_cursors (libs/events), stored with
-- each event's effect.

-- People and departments (auth): names for the reports, departments for opportunities and the
-- department filter's subtree.
CREATE TABLE analytics.users (
  id            uuid PRIMARY KEY,
  display_name  text NOT NULL,
  department_id uuid,
  version       timestamptz NOT NULL
);

CREATE TABLE analytics.departments (
  id        uuid PRIMARY KEY,
  name      text NOT NULL,
  parent_id uuid,
  version   timestamptz NOT NULL
);

-- Customers as they are now (customers.customer.*, .merged, customers.loss.*).
CREATE TABLE analytics.customers (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,
  owner_id      uuid,
  department_id uuid,
  region        text NOT NULL,
  industry      text NOT NULL,
  level         text NOT NULL,
  credit        int NOT NULL,
  satisfaction  int NOT NULL,
  source        text NOT NULL,
  status        text NOT NULL,
  created_at    timestamptz NOT NULL,
  deleted       boolean NOT NULL DEFAULT false,
  version       timestamptz NOT NULL
);

-- The customer mix over time (客户构成): each change of a customer's attributes, or its
-- creation or deletion, adds -1 for the old attributes and +1 for the new ones on the day of
-- the change. The mix on a day is the sum of the rows up to it.
CREATE TABLE analytics.customer_mix (
  day           date NOT NULL,
  owner_id      uuid,
  department_id uuid,
  region        text NOT NULL,
  industry      text NOT NULL,
  level         text NOT NULL,
  credit        int NOT NULL,
  satisfaction  int NOT NULL,
  source        text NOT NULL,
  status        text NOT NULL,
  delta         int NOT NULL
);
-- The composition report: rows up to its period's end.
CREATE INDEX customer_mix_day ON analytics.customer_mix (day);

-- The mix by month (the composition report over whole months): the sum of the mix's changes in
-- each month (delta), and the customers created in each month in the company's time zone, by
-- their attributes as they are now (created). Kept with the mix and the customers.
CREATE TABLE analytics.mix_months (
  month         date NOT NULL,
  owner_id      uuid,
  department_id uuid,
  region        text COLLATE "C" NOT NULL,
  industry      text COLLATE "C" NOT NULL,
  level         text COLLATE "C" NOT NULL,
  credit        int NOT NULL,
  satisfaction  int NOT NULL,
  source        text COLLATE "C" NOT NULL,
  status        text COLLATE "C" NOT NULL,
  delta         int NOT NULL,
  created       int NOT NULL,
  UNIQUE NULLS NOT DISTINCT (month, owner_id, department_id, region, industry, level, credit,
                             satisfaction, source, status)
) WITH (fillfactor = 70);

-- Churn steps (customers.loss.*), one row per step.
CREATE TABLE analytics.losses (
  id            uuid PRIMARY KEY,
  customer_id   uuid NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('warned', 'delayed', 'confirmed', 'recovered')),
  note          text NOT NULL,
  owner_id      uuid,
  department_id uuid,
  at            timestamptz NOT NULL
);
-- The churn report: steps in its period.
CREATE INDEX losses_at ON analytics.losses (at);

-- Contracts (contracts.contract.*): what was signed, for how much, by whom.
CREATE TABLE analytics.contracts (
  id            uuid PRIMARY KEY,
  customer_id   uuid NOT NULL,
  owner_id      uuid NOT NULL,
  department_id uuid,
  status        text NOT NULL,
  currency      text NOT NULL,
  amount_minor  int8 NOT NULL,
  sign_date     date,
  version       timestamptz NOT NULL
);
-- Contracted amounts by period: signed contracts in force.
CREATE INDEX contracts_signed ON analytics.contracts (sign_date)
  INCLUDE (customer_id, owner_id, department_id, amount_minor)
  WHERE sign_date IS NOT NULL AND status <> 'terminated' AND currency = 'CNY';
-- A customer's contracts (lifetime value, recency, churn), read from the index alone.
CREATE INDEX contracts_customer ON analytics.contracts (customer_id)
  INCLUDE (sign_date, status, currency, amount_minor, owner_id, department_id);

-- A contract's lines with the catalogue's product and product line, replaced with the contract.
CREATE TABLE analytics.contract_lines (
  contract_id     uuid NOT NULL,
  position        int NOT NULL,
  product_id      text NOT NULL,
  product_name    text NOT NULL,
  product_line_id text NOT NULL,
  quantity        int8 NOT NULL,
  amount_minor    int8 NOT NULL,
  PRIMARY KEY (contract_id, position)
);

-- Receivables (payments.receivable.*) and their installments, for aging.
CREATE TABLE analytics.receivables (
  contract_id   uuid PRIMARY KEY,
  customer_id   uuid NOT NULL,
  owner_id      uuid NOT NULL,
  department_id uuid,
  currency      text NOT NULL,
  status        text NOT NULL,
  sign_date     date,
  -- The day of its latest payment: a receivable settled now owed nothing on a day after it.
  last_receive_day date,
  version       timestamptz NOT NULL
);
-- Aging: the receivables open now, and those settled that may have owed on an earlier day.
CREATE INDEX receivables_open ON analytics.receivables (sign_date)
  WHERE status = 'open' AND currency = 'CNY';
CREATE INDEX receivables_settled ON analytics.receivables (last_receive_day)
  WHERE status = 'settled' AND currency = 'CNY';

CREATE TABLE analytics.installments (
  contract_id  uuid NOT NULL,
  number       int NOT NULL,
  due_date     date NOT NULL,
  amount_minor int8 NOT NULL,
  PRIMARY KEY (contract_id, number)
);

-- Payments and reversals (payments.payment.*; a reversal's amount is negative). Owner,
-- department and customer are the receivable's, and follow its hand-overs and merges.
CREATE TABLE analytics.payments (
  id            uuid PRIMARY KEY,
  contract_id   uuid NOT NULL,
  customer_id   uuid NOT NULL,
  owner_id      uuid NOT NULL,
  department_id uuid,
  currency      text NOT NULL,
  amount_minor  int8 NOT NULL,
  receive_day   date NOT NULL
);
-- Received amounts by period.
CREATE INDEX payments_day ON analytics.payments (receive_day)
  INCLUDE (customer_id, owner_id, department_id, amount_minor) WHERE currency = 'CNY';
-- Hand-overs and merges of a receivable; aging's received amount to a day.
CREATE INDEX payments_contract ON analytics.payments (contract_id, receive_day);
-- A customer's payments (the sales rollup, when the customer's region, industry or level change).
CREATE INDEX payments_customer ON analytics.payments (customer_id);

-- Deliveries (payments.delivery.*): accepted quantities of contract lines.
CREATE TABLE analytics.deliveries (
  id            uuid PRIMARY KEY,
  contract_id   uuid NOT NULL,
  line_position int NOT NULL,
  quantity      int8 NOT NULL,
  accept_day    date,
  version       timestamptz NOT NULL
);
-- Delivered amounts by period.
CREATE INDEX deliveries_accepted ON analytics.deliveries (accept_day) WHERE accept_day IS NOT NULL;
-- A contract's deliveries (the sales rollup).
CREATE INDEX deliveries_contract ON analytics.deliveries (contract_id);

-- The sales report's rollup (签约, 交付, 回款): the sums of the three kinds of facts above per
-- month and per year (a fact counts in both), owner, department, the customer's region, industry
-- and level as they are now, and product line (NULL for payments, which are not split by line),
-- with the number of facts in each sum (_n). A year's report reads that year's rows, a month's
-- or a quarter's their months'. The ingest keeps it equal to the facts in the same transaction:
-- it takes out the sums of the contracts a batch touches before writing the batch and adds
-- them back after. The rollups leave room in their pages for the updates (fillfactor), and
-- compare their keys' text bytewise (COLLATE "C").
CREATE TABLE analytics.sales_periods (
  unit            text COLLATE "C" NOT NULL CHECK (unit IN ('month', 'year')),
  start_date      date NOT NULL,
  owner_id        uuid NOT NULL,
  department_id   uuid,
  region          text COLLATE "C",
  industry        text COLLATE "C",
  level           text COLLATE "C",
  product_line_id text COLLATE "C",
  contracted      int8 NOT NULL,
  contracted_n    int NOT NULL,
  delivered       int8 NOT NULL,
  delivered_n     int NOT NULL,
  received        int8 NOT NULL,
  received_n      int NOT NULL,
  UNIQUE NULLS NOT DISTINCT (unit, start_date, owner_id, department_id, region, industry, level,
                             product_line_id)
) WITH (fillfactor = 70);

-- The contribution report's rollup (客户贡献): per customer, its contracted amount (the lines of
-- its signed contracts in force) and received amount per quarter and year, kept with
-- sales_periods by the same statements, under the customer's region, industry and level as they
-- are now (the sums under earlier ones are 0: a customer has one row of a period that is not).
-- A period's customers come out of the index ranked, for every record (an executive's scope)
-- without an owner, department or product-line filter. A month's facts are few enough to rank
-- from the facts.
CREATE TABLE analytics.customer_periods (
  unit        text COLLATE "C" NOT NULL CHECK (unit IN ('quarter', 'year')),
  start_date  date NOT NULL,
  customer_id uuid NOT NULL,
  region      text COLLATE "C",
  industry    text COLLATE "C",
  level       text COLLATE "C",
  contracted  int8 NOT NULL,
  received    int8 NOT NULL,
  UNIQUE NULLS NOT DISTINCT (unit, start_date, customer_id, region, industry, level)
);
CREATE INDEX customer_periods_ranked ON analytics.customer_periods
  (unit, start_date, contracted DESC, received DESC, customer_id) INCLUDE (region, industry, level)
  WHERE contracted <> 0 OR received <> 0;

-- Opportunities (pipeline.opportunity.*) and the stages each reached.
CREATE TABLE analytics.opportunities (
  id           uuid PRIMARY KEY,
  status       text NOT NULL,
  stage        text NOT NULL,
  creator_id   uuid,
  assignee_id  uuid,
  customer_id  uuid,
  created_at   timestamptz NOT NULL,
  closed_at    timestamptz,
  version      timestamptz NOT NULL
);
-- The funnel: opportunities created in its period.
CREATE INDEX opportunities_created ON analytics.opportunities (created_at);
-- A customer's opportunities (the funnel rollup, when the customer's region, industry or level
-- change).
CREATE INDEX opportunities_customer ON analytics.opportunities (customer_id);

CREATE TABLE analytics.opportunity_stages (
  opportunity_id uuid NOT NULL,
  stage          text NOT NULL,
  PRIMARY KEY (opportunity_id, stage)
);

-- The funnel's stages (pipeline.stage.upserted); the built-in ones are known beforehand.
CREATE TABLE analytics.stages (
  code     text PRIMARY KEY,
  name     text NOT NULL,
  position int NOT NULL
);
INSERT INTO analytics.stages (code, name, position) VALUES
  ('lead', '初步接触', 10), ('qualification', '需求确认', 20), ('proposal', '方案报价', 30),
  ('negotiation', '商务谈判', 40), ('commitment', '签约承诺', 50);

-- Tickets (service.ticket.*): times, breaches and the latest state.
CREATE TABLE analytics.tickets (
  id                 uuid PRIMARY KEY,
  type               text NOT NULL,
  customer_id        uuid NOT NULL,
  owner_id           uuid,
  department_id      uuid,
  status             text NOT NULL,
  created_at         timestamptz NOT NULL,
  first_response_at  timestamptz,
  resolved_at        timestamptz,
  response_breached  boolean NOT NULL DEFAULT false,
  resolution_breached boolean NOT NULL DEFAULT false,
  version            timestamptz NOT NULL
);
-- The service report: tickets created, and archived, in its period.
CREATE INDEX tickets_created ON analytics.tickets (created_at);
CREATE INDEX tickets_resolved ON analytics.tickets (resolved_at) WHERE resolved_at IS NOT NULL;
-- A customer's tickets (the service rollup, when the customer's region, industry or level change).
CREATE INDEX tickets_customer ON analytics.tickets (customer_id);

-- Every feedback given (返回 or 归档), one row per feedback.
CREATE TABLE analytics.ticket_feedback (
  ticket_id    uuid NOT NULL,
  at           timestamptz NOT NULL,
  satisfaction int NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
  PRIMARY KEY (ticket_id, at)
);
CREATE INDEX ticket_feedback_at ON analytics.ticket_feedback (at);

-- The funnel's rollup, kept like sales_periods: per month and year of creation (in the company's
-- time zone), owner (the assignee, or the creator until there is one), the customer's region,
-- industry and level, and stage: under stage '' the opportunities created, won and lost and the
-- seconds the won ones took (won_timed: those with a close time); under a stage's code, how many
-- reached it and how many are open at it now.
CREATE TABLE analytics.funnel_periods (
  unit          text COLLATE "C" NOT NULL CHECK (unit IN ('month', 'year')),
  start_date    date NOT NULL,
  owner_id      uuid,
  region        text COLLATE "C",
  industry      text COLLATE "C",
  level         text COLLATE "C",
  stage         text COLLATE "C" NOT NULL,
  opportunities int NOT NULL,
  won           int NOT NULL,
  lost          int NOT NULL,
  won_seconds   numeric(20, 6) NOT NULL,
  won_timed     int NOT NULL,
  reached       int NOT NULL,
  open          int NOT NULL,
  UNIQUE NULLS NOT DISTINCT (unit, start_date, owner_id, region, industry, level, stage)
) WITH (fillfactor = 70);

-- The service report's rollup, kept like sales_periods: per month in the company's time zone,
-- owner, department, the customer's region, industry and level, and ticket type, the tickets
-- created in the month (with the sums of their response and resolution times and their
-- breaches), archived in it, and the feedback given in it by satisfaction.
CREATE TABLE analytics.ticket_months (
  month               date NOT NULL,
  owner_id            uuid,
  department_id       uuid,
  region              text COLLATE "C",
  industry            text COLLATE "C",
  level               text COLLATE "C",
  type                text COLLATE "C" NOT NULL,
  created             int NOT NULL,
  responded           int NOT NULL,
  response_seconds    numeric(20, 6) NOT NULL,
  resolved            int NOT NULL,
  resolution_seconds  numeric(20, 6) NOT NULL,
  response_breaches   int NOT NULL,
  resolution_breaches int NOT NULL,
  archived            int NOT NULL,
  rated_1             int NOT NULL,
  rated_2             int NOT NULL,
  rated_3             int NOT NULL,
  rated_4             int NOT NULL,
  rated_5             int NOT NULL,
  UNIQUE NULLS NOT DISTINCT (month, owner_id, department_id, region, industry, level, type)
) WITH (fillfactor = 70);

-- The time zone the rollups' months are in; the service computes them again when it starts
-- with another.
CREATE TABLE analytics.rollup_zone (
  zone text NOT NULL
);

-- Sales targets (年/季/月销售计划), set by managers.
CREATE TABLE analytics.sales_targets (
  subject       text NOT NULL CHECK (subject IN ('user', 'department')),
  subject_id    uuid NOT NULL,
  unit          text NOT NULL CHECK (unit IN ('year', 'quarter', 'month')),
  start_date    date NOT NULL,
  amount_minor  int8 NOT NULL CHECK (amount_minor >= 0),
  department_id uuid,
  set_by        uuid NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, subject_id, unit, start_date)
);

-- When each source's latest event was applied, and when it was committed there.
CREATE TABLE analytics.source_progress (
  source          text PRIMARY KEY,
  last_event_time timestamptz NOT NULL,
  last_apply_time timestamptz NOT NULL
);
