-- Which resource each client request_id created, for idempotent retries.
CREATE TABLE request_log (
  request_id  text PRIMARY KEY,
  method      text NOT NULL,
  resource_id text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_log_created_at ON request_log (created_at);
