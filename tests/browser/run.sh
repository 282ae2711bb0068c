#!/usr/bin/env bash
# The browser tests: a whole stack of their own (scripts/up.sh with its data under
# .local/browser and every port moved by 1000, so a developer's stack may stay up), the web
# front end driven in headless Chromium at a desktop and a phone viewport, and the stack
# stopped again; then the Grafana dashboards' queries are checked against the metrics that
# stack's services expose. Screenshots, summary.json and the scrape land in $CRM_ARTEFACTS
# (default .local/artefacts/browser). Exits non-zero when any check fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export CRM_LOCAL="$root/.local/browser"
export CRM_PORT_OFFSET=${CRM_BROWSER_PORT_OFFSET:-1000}
# Every role signs in several times from this one address: the gateway's limit per address,
# and auth's, whose peer is the gateway.
export CRM_SIGN_IN_RATE_LIMIT=6000 CRM_SIGN_IN_BURST=1000
export CRM_AUTH_SIGN_IN_PER_MINUTE=6000 CRM_AUTH_SIGN_IN_BURST=1000
artefacts=${CRM_ARTEFACTS:-$root/.local/artefacts}/browser

"$root/scripts/down.sh" >/dev/null 2>&1 || true
rm -rf "$CRM_LOCAL" "$artefacts"
trap '"$root/scripts/down.sh" >/dev/null 2>&1 || true' EXIT
"$root/scripts/up.sh" >"$root/.local/browser-up.log" 2>&1 || {
  tail -n 40 "$root/.local/browser-up.log" >&2
  exit 1
}
failed=0
node "$root/tests/browser/run.mjs" --base="http://localhost:$((8080 + CRM_PORT_OFFSET))" \
  --password-file="$CRM_LOCAL/secrets/demo-password" \
  --admin-password-file="$CRM_LOCAL/secrets/admin-password" --artefacts="$artefacts" "$@" \
  || failed=1
# The flow has made every kind of traffic: each Grafana dashboard's queries must name metrics
# (and labels) that this stack's services expose.
echo "dashboards against this stack's metrics"
"$root/tests/deploy/scrape_stack.sh" "$artefacts/scrape" "$CRM_PORT_OFFSET" >/dev/null || failed=1
python3 "$root/tests/deploy/check_dashboards.py" "$artefacts/scrape" || failed=1
exit $failed
