#!/bin/sh
# Run by the postgres image on first start: one database, one role and schema per service.
set -eu
for svc in auth customers pipeline; do
  psql -v ON_ERROR_STOP=1 -v role="crm_$svc" -v schema="$svc" \
       -v password="${CRM_DB_PASSWORD:?}" --username "$POSTGRES_USER" --dbname crm \
       -f /crm-sql/provision-service.sql
done
