#!/usr/bin/env bash
# Stops the local stack started by scripts/up.sh (services, then PostgreSQL). Data stays in
# .local/pg; delete .local to start from scratch.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

for pidfile in "$CRM_LOCAL"/run/*.pid; do
  [[ -f "$pidfile" ]] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    crm_log "stopping $(basename "$pidfile" .pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
done
crm_log "stopping PostgreSQL"
crm_pg_stop "$CRM_LOCAL/pg"
