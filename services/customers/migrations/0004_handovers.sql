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
  CHECK (from_user_id <> to_user_id)
);
CREATE INDEX handovers_from ON customers.handovers (from_user_id, created_at);
CREATE INDEX handovers_to ON customers.handovers (to_user_id, created_at);
