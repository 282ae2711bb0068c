-- Which resource each client request created, for idempotent retries. A request id is the
-- caller's own: the same id from another caller, or for another method, is another request.
CREATE TABLE request_log (
  caller_id   text NOT NULL,
  method      text NOT NULL,
  request_id  text NOT NULL,
  resource_id text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller_id, method, request_id)
);
-- Retention: the purge of entries older than the retry window.
CREATE INDEX request_log_created_at ON request_log (created_at);
