-- Cheaper upkeep of the list indexes, which every insert pays for.
--
-- The filters on region, industry, level, status and tag share one GIN index (btree_gin for
-- the text columns) instead of five: a new row's keys go into the index's pending list in one
-- append, and are merged into the index in bulk. A filtered list reads the matching rows
-- through a bitmap of that index (any combination of these filters in one scan), or the
-- primary key backwards when the filter matches most rows. The pending list is kept small,
-- because every scan of the index reads it.
CREATE INDEX customers_list_filters ON customers.customers
  USING gin (region, industry, level, status, tags) WITH (gin_pending_list_limit = 1024)
  WHERE deleted_at IS NULL;
DROP INDEX customers.customers_region;
DROP INDEX customers.customers_industry;
DROP INDEX customers.customers_level;
DROP INDEX customers.customers_status;
DROP INDEX customers.customers_tags;

-- The scope indexes in ascending id order: lists read them backwards for newest first. A new
-- id is the largest of its owner's (or department's), so it now lands at the end of their
-- range, where B-tree page splits leave full pages; descending, it landed at the start, each
-- split left two half-empty pages, and the indexes grew to three times the primary key's size.
CREATE INDEX customers_owner_asc ON customers.customers (owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_department_asc ON customers.customers (owner_department_id, id)
  WHERE deleted_at IS NULL;
DROP INDEX customers.customers_owner;
DROP INDEX customers.customers_department;
ALTER INDEX customers.customers_owner_asc RENAME TO customers_owner;
ALTER INDEX customers.customers_department_asc RENAME TO customers_department;
