-- Customer-service tickets: the ticket types dictionary, SLA policies, tickets with their
-- immutable texts and their history, and attachments. text_grams / query_grams come from the
-- search migration set (libs/db/search_migrations), applied before this one.

-- The ticket types dictionary (咨询, 建议, 投诉, more as data).
CREATE TABLE service.ticket_types (
  code     text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$'),
  name     text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
  position int NOT NULL,
  active   boolean NOT NULL DEFAULT true
);
INSERT INTO service.ticket_types (code, name, position) VALUES
  ('consultation', '咨询', 1), ('suggestion', '建议', 2), ('complaint', '投诉', 3);

-- Due times in calendar minutes from creation, by priority and the customer's level ('' for
-- every level; a level's own row wins). Key customers (major, strategic_partner) get tighter
-- times (服务组合与级别).
CREATE TABLE service.sla_policies (
  priority               text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  customer_level         text NOT NULL DEFAULT '',
  first_response_minutes int NOT NULL CHECK (first_response_minutes BETWEEN 1 AND 525600),
  resolution_minutes     int NOT NULL CHECK (resolution_minutes BETWEEN 1 AND 525600),
  CHECK (resolution_minutes >= first_response_minutes),
  PRIMARY KEY (priority, customer_level)
);
INSERT INTO service.sla_policies VALUES
  ('urgent', '', 60, 480), ('urgent', 'major', 30, 240), ('urgent', 'strategic_partner', 30, 240),
  ('high', '', 240, 1440), ('high', 'major', 120, 720), ('high', 'strategic_partner', 120, 720),
  ('normal', '', 480, 4320), ('normal', 'major', 240, 2160),
  ('normal', 'strategic_partner', 240, 2160),
  ('low', '', 1440, 10080), ('low', 'major', 720, 4320), ('low', 'strategic_partner', 720, 4320);

-- Ticket numbers: FW<day>-<n>, from a sequence (a rolled-back creation leaves a gap).
CREATE SEQUENCE service.ticket_number_seq;

-- A ticket's changing state. Its texts are in ticket_texts, written once: every step updates
-- this narrow row and its B-tree indexes, never the text's gram index.
CREATE TABLE service.tickets (
  id                           uuid PRIMARY KEY,
  number                       text NOT NULL UNIQUE,
  type                         text NOT NULL REFERENCES service.ticket_types (code),
  customer_id                  uuid NOT NULL,
  contact_id                   uuid,
  channel                      text NOT NULL CHECK (channel IN ('phone', 'visit', 'email', 'online')),
  priority                     text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  status                       text NOT NULL DEFAULT 'new'
                               CHECK (status IN ('new', 'assigned', 'handled', 'archived')),
  assignee_id                  uuid,
  -- The queue: the creator's department, then the assignee's.
  queue_department_id          uuid,
  customer_owner_id            uuid,
  customer_owner_department_id uuid,
  customer_level               text NOT NULL DEFAULT '',
  handling                     text NOT NULL DEFAULT '',
  feedback_result              text NOT NULL DEFAULT '',
  satisfaction                 smallint NOT NULL DEFAULT 0 CHECK (satisfaction BETWEEN 0 AND 5),
  returns                      int NOT NULL DEFAULT 0,
  first_response_due           timestamptz NOT NULL,
  resolution_due               timestamptz NOT NULL,
  first_response_at            timestamptz,
  resolved_at                  timestamptz,
  -- Set by the SLA scan when it emitted service.ticket.overdue for the deadline.
  response_breach_sent         boolean NOT NULL DEFAULT false,
  resolution_breach_sent       boolean NOT NULL DEFAULT false,
  creator_id                   uuid NOT NULL,
  created_at                   timestamptz NOT NULL,
  version                      int8 NOT NULL DEFAULT 1,
  updated_at                   timestamptz NOT NULL DEFAULT now(),
  CHECK (status = 'new' OR assignee_id IS NOT NULL),
  CHECK (status <> 'archived' OR (resolved_at IS NOT NULL AND satisfaction >= 3))
);
-- Record scope (customer's account manager, assignee, creator; their departments) and the list
-- filters, newest first.
CREATE INDEX tickets_customer_owner ON service.tickets (customer_owner_id, id DESC);
CREATE INDEX tickets_assignee ON service.tickets (assignee_id, id DESC);
CREATE INDEX tickets_creator ON service.tickets (creator_id, id DESC);
CREATE INDEX tickets_owner_department ON service.tickets (customer_owner_department_id, id DESC);
CREATE INDEX tickets_queue ON service.tickets (queue_department_id, id DESC);
CREATE INDEX tickets_customer ON service.tickets (customer_id, id DESC);
-- The SLA scan: open tickets whose breach is not yet announced, by due time.
CREATE INDEX tickets_response_due ON service.tickets (first_response_due)
  WHERE first_response_at IS NULL AND NOT response_breach_sent;
CREATE INDEX tickets_resolution_due ON service.tickets (resolution_due)
  WHERE resolved_at IS NULL AND NOT resolution_breach_sent;

-- The ticket's creation time in buckets of 2^27 ms (about a day and a half), read from its id: a
-- UUIDv7 begins with the Unix milliseconds of its making, so a newer ticket never has an older
-- bucket, and newest first by id is newest first by bucket.
CREATE FUNCTION service.ticket_bucket(id uuid) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (('x' || left(replace(id::text, '-', ''), 12))::bit(48)::int8 >> 27)::int;

-- What the customer asked (概要, request), fixed at creation, with the grams of both for
-- search: "contains 发票" is `grams @> query_grams('发票')` through the GIN index, rechecked by
-- LIKE on the text. The index leads with the bucket (btree_gin), so a search can read the
-- matches of one bucket at a time, newest first, and stop at a page.
CREATE TABLE service.ticket_texts (
  ticket_id uuid PRIMARY KEY REFERENCES service.tickets (id),
  summary   text NOT NULL CHECK (length(summary) BETWEEN 1 AND 200),
  request   text NOT NULL CHECK (length(request) BETWEEN 1 AND 4000),
  grams     text[] NOT NULL GENERATED ALWAYS AS (service.text_grams(summary || ' ' || request)) STORED,
  bucket    int NOT NULL GENERATED ALWAYS AS (service.ticket_bucket(ticket_id)) STORED
);
-- ListTickets' query.
CREATE INDEX ticket_texts_grams ON service.ticket_texts USING gin (bucket, grams)
  WITH (gin_pending_list_limit = 1024);

-- Every step of a ticket (跟踪处理过程).
CREATE TABLE service.ticket_history (
  ticket_id    uuid NOT NULL REFERENCES service.tickets (id),
  seq          bigint GENERATED ALWAYS AS IDENTITY,
  action       text NOT NULL CHECK (action IN ('created', 'assigned', 'handled', 'returned', 'archived')),
  from_status  text NOT NULL,
  to_status    text NOT NULL,
  user_id      uuid,
  text         text NOT NULL DEFAULT '',
  satisfaction smallint NOT NULL DEFAULT 0,
  assignee_id  uuid,
  at           timestamptz NOT NULL,
  PRIMARY KEY (ticket_id, seq)
);

CREATE TABLE service.attachments (
  id           uuid PRIMARY KEY,
  ticket_id    uuid NOT NULL REFERENCES service.tickets (id),
  file_name    text NOT NULL,
  content_type text NOT NULL,
  size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  chunks       integer NOT NULL,
  uploaded_by  uuid NOT NULL,
  uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_ticket ON service.attachments (ticket_id, id DESC);

CREATE TABLE service.attachment_chunks (
  attachment_id uuid NOT NULL REFERENCES service.attachments (id),
  seq           integer NOT NULL,
  data          bytea NOT NULL,
  PRIMARY KEY (attachment_id, seq)
);
