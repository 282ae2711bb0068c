#!/bin/sh
# Run by the postgres image on first start: one database, one role and schema per service.
# Idempotent: on an existing volume, run it again to provision a service added since
# (docker-compose exec postgres sh /docker-entrypoint-initdb.d/10-crm.sh).
set -eu
# Each role gets its own password, from CRM_<SERVICE>_DB_PASSWORD.
for svc in auth customers pipeline contracts payments service analytics; do
  var="CRM_$(echo "$svc" | tr a-z A-Z)_DB_PASSWORD"
  password=$(printenv "$var") || { echo "$var is not set" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 -v role="crm_$svc" -v schema="$svc" \
       -v password="$password" --username "$POSTGRES_USER" --dbname crm \
       -f /crm-sql/provision-service.sql
done
