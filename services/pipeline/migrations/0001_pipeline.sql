-- Sales opportunities, the funnel's stages, stage history and development plans.

CREATE TABLE pipeline.stages (
  code                text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
  position            int NOT NULL,
  default_probability int NOT NULL CHECK (default_probability BETWEEN 0 AND 100),
  active              boolean NOT NULL DEFAULT true
);

INSERT INTO pipeline.stages (code, name, position, default_probability) VALUES
  ('lead',          '初步接触', 10, 10),
  ('qualification', '需求确认', 20, 25),
  ('proposal',      '方案报价', 30, 50),
  ('negotiation',   '商务谈判', 40, 75),
  ('commitment',    '签约承诺', 50, 90);

CREATE TABLE pipeline.opportunities (
  id                     uuid PRIMARY KEY,
  source                 text NOT NULL DEFAULT '',
  customer_id            uuid,
  prospect_name          text NOT NULL DEFAULT '',
  summary                text NOT NULL CHECK (length(summary) BETWEEN 1 AND 200),
  contact_name           text NOT NULL DEFAULT '',
  contact_phone          text NOT NULL DEFAULT '',
  probability            int NOT NULL CHECK (probability BETWEEN 0 AND 100),
  expected_amount_minor  int8 CHECK (expected_amount_minor >= 0),
  expected_currency      text NOT NULL DEFAULT '',
  expected_close_date    date,
  description            text NOT NULL DEFAULT '',
  stage                  text NOT NULL REFERENCES pipeline.stages (code),
  status                 text NOT NULL DEFAULT 'unassigned'
                         CHECK (status IN ('unassigned', 'assigned', 'developing', 'won', 'lost')),
  creator_id             uuid NOT NULL,
  creator_department_id  uuid,
  created_at             timestamptz NOT NULL DEFAULT now(),
  assignee_id            uuid,
  assignee_department_id uuid,
  assigned_at            timestamptz,
  assigned_by            uuid,
  closed_at              timestamptz,
  lost_reason            text NOT NULL DEFAULT '',
  version                int8 NOT NULL DEFAULT 1,
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CHECK (customer_id IS NOT NULL OR prospect_name <> ''),
  CHECK ((status IN ('unassigned')) = (assignee_id IS NULL)),
  CHECK (status <> 'won' OR customer_id IS NOT NULL),
  CHECK (status <> 'lost' OR lost_reason <> '')
);
-- Scope (creator or assignee, or their departments) and every list filter, newest first.
CREATE INDEX opportunities_creator ON pipeline.opportunities (creator_id, id DESC);
CREATE INDEX opportunities_assignee ON pipeline.opportunities (assignee_id, id DESC)
  WHERE assignee_id IS NOT NULL;
CREATE INDEX opportunities_creator_department
  ON pipeline.opportunities (creator_department_id, id DESC);
CREATE INDEX opportunities_assignee_department
  ON pipeline.opportunities (assignee_department_id, id DESC)
  WHERE assignee_department_id IS NOT NULL;
CREATE INDEX opportunities_status ON pipeline.opportunities (status, id DESC);
CREATE INDEX opportunities_stage ON pipeline.opportunities (stage, id DESC);
CREATE INDEX opportunities_customer ON pipeline.opportunities (customer_id, id DESC)
  WHERE customer_id IS NOT NULL;
CREATE INDEX opportunities_close_date ON pipeline.opportunities (expected_close_date, id DESC)
  WHERE expected_close_date IS NOT NULL;

CREATE TABLE pipeline.stage_changes (
  opportunity_id uuid NOT NULL REFERENCES pipeline.opportunities (id),
  seq            bigint GENERATED ALWAYS AS IDENTITY,
  from_stage     text NOT NULL DEFAULT '',
  to_stage       text NOT NULL REFERENCES pipeline.stages (code),
  probability    int NOT NULL,
  changed_by     uuid NOT NULL,
  changed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (opportunity_id, seq)
);

CREATE TABLE pipeline.plan_items (
  id             uuid PRIMARY KEY,
  opportunity_id uuid NOT NULL REFERENCES pipeline.opportunities (id),
  plan_date      date NOT NULL,
  content        text NOT NULL CHECK (length(content) BETWEEN 1 AND 2000),
  result         text NOT NULL DEFAULT '',
  executed_at    timestamptz,
  created_by     uuid NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  version        int8 NOT NULL DEFAULT 1,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_items_opportunity ON pipeline.plan_items (opportunity_id, plan_date, id);

-- The contracts made from opportunities, as the contracts service's events report them.
CREATE TABLE pipeline.opportunity_contracts (
  contract_id    uuid PRIMARY KEY,
  opportunity_id uuid NOT NULL REFERENCES pipeline.opportunities (id),
  number         text NOT NULL,
  status         text NOT NULL,
  amount_minor   int8 NOT NULL,
  currency       text NOT NULL,
  -- The contract's owner, for its scope (an opportunity's people may not see its contracts).
  owner_id       uuid NOT NULL,
  owner_department_id uuid,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX opportunity_contracts_opportunity
  ON pipeline.opportunity_contracts (opportunity_id, contract_id);
