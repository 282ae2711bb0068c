-- Events written in the same transaction as the change they describe.
--
-- Order: events are delivered by (xid, seq). A reader only returns events of transactions
-- older than every transaction still running (xid < xmin of its snapshot), so an event
-- committed late can never appear behind a cursor a consumer has already passed. A retention
-- job cuts by the same order. Two transactions that change the same record are in the order
-- of their commits when each locks the record before its first write (which gives it its
-- xid): write paths lock first, then claim their request id.
--
-- Listeners are woken after the commit by the session that wrote the events (see
-- db::NotifyAfterCommit), not by a trigger: a notification queued inside a transaction holds
-- the database's notification lock until the commit record is flushed, which would make every
-- transaction that writes events commit one at a time.
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
-- WatchEvents filtered by event type, from a cursor.
CREATE INDEX outbox_type ON outbox (type, xid, seq);
