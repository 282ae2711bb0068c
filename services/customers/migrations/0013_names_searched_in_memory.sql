-- Name searches are answered by the service's in-memory name index (see NameIndex), which
-- also picks the rows of a name-filtered list. The gram column and its GIN index served only
-- the database's own name search; keeping them cost every insert about a third of its time.
-- Without them the database's name branches (used while the index loads, or when it is off)
-- check names within the caller's scope by LIKE. The trigram index stays: it is small (Latin
-- names only) and keeps the database's misspelt-name branch fast.
DROP INDEX customers.customers_owner_grams;
ALTER TABLE customers.customers DROP COLUMN name_grams;
DROP FUNCTION customers.name_grams(text);
DROP FUNCTION customers.query_grams(text);

-- Live customers newest first: the primary key read backwards gives the same order, and
-- deleted rows are few.
DROP INDEX customers.customers_live;
