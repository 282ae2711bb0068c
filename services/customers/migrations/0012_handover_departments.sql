-- Hand-overs are listed within the reader's scope: besides the receiving department, each
-- record keeps the departments the moved customers belonged to before (empty for records
-- made before this column existed), so a manager sees hand-overs out of their departments too.
ALTER TABLE customers.handovers ADD COLUMN from_department_ids uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX handovers_newest ON customers.handovers (id DESC);
