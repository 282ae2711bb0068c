-- Where this service is in the event streams of others it follows: one cursor per stream,
-- written in the same transaction as the effect of the event it points at.
CREATE TABLE event_cursors (
  stream      text PRIMARY KEY,
  cursor      text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
