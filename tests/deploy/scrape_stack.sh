#!/usr/bin/env bash
# Scrapes the metrics port of every service of a stack started by scripts/up.sh into
# <dir>/<job>.txt, named after the jobs of deploy/prometheus/prometheus.yml, for
# tests/deploy/check_dashboards.py <dir>. <offset> is the stack's CRM_PORT_OFFSET (default 0);
# CRM_SCRAPE_HOST the host (default localhost). Make some traffic first: a family appears in
# the exposition with its first labelled series (gRPC methods, HTTP routes, sales-system calls).
# Every job is tried; exits 1 if any could not be scraped.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <dir> [<port offset>]" >&2
  exit 2
fi
dir=$1
offset=${2:-0}
host=${CRM_SCRAPE_HOST:-localhost}
mkdir -p "$dir"

# job → metrics port (docs/architecture.md, scripts/up.sh).
jobs=(
  crm-gateway:9463
  crm-auth:9464
  crm-customers:9465
  crm-pipeline:9466
  crm-contracts:9467
  crm-payments:9468
  crm-service:9469
  salesys-fake:9470
  crm-analytics:9471
)

failed=0
for entry in "${jobs[@]}"; do
  job=${entry%%:*}
  port=$((${entry##*:} + offset))
  if curl -fsS --max-time 10 -o "$dir/$job.txt.part" "http://$host:$port/metrics"; then
    mv "$dir/$job.txt.part" "$dir/$job.txt"
    echo "$job: $(grep -cv '^#' "$dir/$job.txt") series from $host:$port"
  else
    rm -f "$dir/$job.txt.part" "$dir/$job.txt"
    echo "$job: could not scrape http://$host:$port/metrics" >&2
    failed=1
  fi
done
exit $failed
