-- Name search within one owner's customers (a rep's scope) without visiting the rows of
-- everyone else: the owner and the name's grams (or trigrams) in one GIN index (btree_gin).
-- A multicolumn GIN index serves conditions on any of its columns, so these replace the
-- name-only indexes for wider scopes too (two GIN indexes to maintain, not four).
CREATE INDEX customers_owner_grams ON customers.customers USING gin (owner_id, name_grams)
  WHERE deleted_at IS NULL;
CREATE INDEX customers_owner_trgm ON customers.customers USING gin (owner_id, name gin_trgm_ops)
  WHERE deleted_at IS NULL;
DROP INDEX customers.customers_name_grams;
DROP INDEX customers.customers_name_trgm;
