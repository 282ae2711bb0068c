-- Provisions one service's database role and schema. Run as a superuser:
--   psql -v role=crm_auth -v schema=auth [-v password=...] -f provision-service.sql <db-url>
-- Idempotent. The role owns its schema and nothing else, so a service cannot touch another
-- service's tables.
\set ON_ERROR_STOP on
SELECT pg_advisory_lock(hashtext('crm.provision')) \g /dev/null
-- Roles are shared by the cluster's databases and the advisory lock holds within one database
-- only: a role created meanwhile by the provisioning of another database is not an error.
SELECT format('DO $do$ BEGIN CREATE ROLE %I LOGIN; '
              'EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $do$', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
\if :{?password}
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password') \gexec
\endif
-- Bounds on what one session of the service can hold: no statement runs longer than 30 s, no
-- transaction sits idle for more than 10 s (holding locks, and the snapshot below which every
-- event stream of the database waits), no lock wait lasts longer than 10 s. No JIT: every
-- statement of a service is short, and compiling one whose estimated cost crosses
-- jit_above_cost (a search whose matches the planner overestimates) took longer than running
-- it (a ticket search: 97 ms with JIT, under 1 ms without). Set for this database only, for
-- the same reason.
SELECT format('ALTER ROLE %I IN DATABASE %I SET %s = %L', :'role', current_database(), name, value)
  FROM (VALUES ('statement_timeout', '30s'), ('idle_in_transaction_session_timeout', '10s'),
               ('lock_timeout', '10s'), ('jit', 'off')) AS bounds (name, value) \gexec
SELECT format('CREATE SCHEMA %I AUTHORIZATION %I', :'schema', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = :'schema') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'role') \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Extensions live in public, created here because they need more than the service role has.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public;
SELECT pg_advisory_unlock(hashtext('crm.provision')) \g /dev/null
