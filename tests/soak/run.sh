#!/usr/bin/env bash
# The soak test (on demand, not part of the suite): a whole stack of its own (scripts/up.sh with
# its data under .local/soak, started afresh, every port moved by 2000 so a developer's stack
# may stay up), a mixed load shaped like the demo organisation's users through the gateway's
# HTTP/JSON API for --minutes, with faults injected on a schedule (the customers service
# killed, PostgreSQL restarted, the sales system stopped, the gateway restarted), then the check
# that no acknowledged write was lost or doubled. The stack is always stopped again.
#
#   tests/soak/run.sh [--minutes=10] [--clients=16] [--no-faults] [--think-ms=150]
#
# The report (report.txt, report.json; every write in writes.jsonl, every request in
# requests.jsonl, the services' logs in logs/) lands in $CRM_ARTEFACTS/soak (default
# .local/artefacts/soak). Exits 1 when an acknowledged write is missing or any write appears
# twice, 2 when the stack could not be started or the load could not run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_LOCAL="$root/.local/soak"
export CRM_PORT_OFFSET=${CRM_SOAK_PORT_OFFSET:-2000}
# Every user signs in (and refreshes) from this one address, again after each fault; and a
# handful of clients share each user's rate limit. The auth service limits sign-ins per peer
# too, and without trusted X-Forwarded-For (as up.sh starts it) its peer is the gateway: every
# sign-in through the gateway, and the demo data's before them, shares one budget.
export CRM_SIGN_IN_RATE_LIMIT=60000 CRM_SIGN_IN_BURST=10000
export CRM_AUTH_SIGN_IN_PER_MINUTE=60000 CRM_AUTH_SIGN_IN_BURST=10000
export CRM_RATE_LIMIT=100000 CRM_RATE_BURST=100000
artefacts=${CRM_ARTEFACTS:-$root/.local/artefacts}/soak

for arg in "$@"; do
  case "$arg" in
    --minutes=* | --clients=* | --no-faults | --think-ms=* | --seed=*) ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

"$root/scripts/down.sh" >/dev/null 2>&1 || true
rm -rf "$CRM_LOCAL" "$artefacts"
mkdir -p "$artefacts"
finish() {
  "$root/scripts/down.sh" >"$artefacts/down.log" 2>&1 || true
  # The services' logs beside the report: they tell what each fault did inside.
  mkdir -p "$artefacts/logs"
  cp "$CRM_LOCAL"/logs/*.log "$artefacts/logs/" 2>/dev/null || true
  cp "$CRM_LOCAL/pg/server.log" "$artefacts/logs/postgresql.log" 2>/dev/null || true
}
trap finish EXIT
echo "soak: starting the stack (log $artefacts/up.log)" >&2
"$root/scripts/up.sh" >"$artefacts/up.log" 2>&1 || {
  tail -n 40 "$artefacts/up.log" >&2
  exit 2
}
node "$root/tests/soak/soak.mjs" --root="$root" --local="$CRM_LOCAL" \
  --port-offset="$CRM_PORT_OFFSET" --artefacts="$artefacts" "$@"
