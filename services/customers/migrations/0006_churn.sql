-- Churn handling (客户流失管理): when a customer was warned of, until when its loss is
-- delayed, and the history of each step.

ALTER TABLE customers.customers
  ADD COLUMN loss_warned_at timestamptz,
  ADD COLUMN loss_delayed_until date;

-- The scan: active customers by last order, delayed ones by the end of their delay.
CREATE INDEX customers_churn_due ON customers.customers (last_order_date)
  WHERE deleted_at IS NULL AND status = 'active';
CREATE INDEX customers_loss_delayed ON customers.customers (loss_delayed_until)
  WHERE deleted_at IS NULL AND status = 'loss_delayed';
-- Warnings per owner and per department, longest-warned first.
CREATE INDEX customers_loss_owner ON customers.customers (owner_id, loss_warned_at, id)
  WHERE deleted_at IS NULL AND status IN ('loss_warning', 'loss_delayed');
CREATE INDEX customers_loss_department ON customers.customers (owner_department_id, loss_warned_at, id)
  WHERE deleted_at IS NULL AND status IN ('loss_warning', 'loss_delayed');

CREATE TABLE customers.loss_actions (
  id             uuid PRIMARY KEY,
  customer_id    uuid NOT NULL REFERENCES customers.customers (id),
  kind           text NOT NULL CHECK (kind IN ('warned', 'delayed', 'confirmed', 'recovered')),
  note           text NOT NULL DEFAULT '',
  delayed_until  date,
  user_id        uuid,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loss_actions_customer ON customers.loss_actions (customer_id, created_at, id);
