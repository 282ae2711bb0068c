-- Events written in the same transaction as the change they describe.
--
-- Order: events are delivered by (xid, seq). A reader only returns events of transactions
-- older than every transaction still running (xid < xmin of its snapshot), so an event
-- committed late can never appear behind a cursor a consumer has already passed.
CREATE TABLE outbox (
  xid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq            bigint GENERATED ALWAYS AS IDENTITY,
  event_id       uuid NOT NULL UNIQUE,
  type           text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id   text NOT NULL,
  actor_id       text NOT NULL DEFAULT '',
  request_id     text NOT NULL DEFAULT '',
  occurred_at    timestamptz NOT NULL DEFAULT now(),
  payload_type   text NOT NULL,
  payload        bytea NOT NULL,
  PRIMARY KEY (xid, seq)
);
CREATE INDEX outbox_occurred_at ON outbox (occurred_at);
CREATE INDEX outbox_type ON outbox (type, xid, seq);

-- Wakes the service's WatchEvents streams once per transaction that wrote events
-- (notifications are sent at commit and de-duplicated within a transaction).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
