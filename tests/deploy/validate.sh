#!/usr/bin/env bash
# Renders and validates every deployment artefact: docker-compose.yml, the kustomize base and
# overlays (and what the production overlay promises: check_production.py), the alert rules,
# their unit tests (deploy/prometheus/rules_test.yml) and runbook entries (docs/operations.md:
# check_alerts.py), and the Prometheus configuration. No Docker engine or cluster is needed:
# these are the tools' own offline checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "docker-compose config"
secrets=(CRM_DB_PASSWORD CRM_AUTH_DB_PASSWORD CRM_CUSTOMERS_DB_PASSWORD CRM_PIPELINE_DB_PASSWORD
         CRM_CONTRACTS_DB_PASSWORD CRM_PAYMENTS_DB_PASSWORD CRM_SERVICE_DB_PASSWORD
         CRM_ANALYTICS_DB_PASSWORD CRM_ADMIN_PASSWORD)
compose_env=()
for s in "${secrets[@]}"; do compose_env+=("$s=secret-$s"); done
env "${compose_env[@]}" docker-compose -f "$root/docker-compose.yml" config >"$tmp/compose.yaml" \
  || fail "docker-compose.yml does not validate"
# Secrets are required, not defaulted: each one missing alone is refused.
for s in "${secrets[@]}"; do
  others=()
  for o in "${secrets[@]}"; do [[ $o == "$s" ]] || others+=("$o=secret-$o"); done
  if (unset "${secrets[@]}"; env "${others[@]}" \
      docker-compose -f "$root/docker-compose.yml" config -q) 2>/dev/null; then
    fail "docker-compose.yml must refuse to run without $s"
  fi
done

for dir in base overlays/local overlays/production; do
  echo "kubectl kustomize deploy/k8s/$dir"
  kubectl kustomize "$root/deploy/k8s/$dir" >"$tmp/rendered.yaml" || fail "kustomize $dir"
  for kind in Deployment Service HorizontalPodAutoscaler PodDisruptionBudget ServiceMonitor PrometheusRule \
              NetworkPolicy Ingress; do
    grep -q "^kind: $kind$" "$tmp/rendered.yaml" || fail "$dir renders no $kind"
  done
  # The kubelet's gRPC probe, or (production, where the gRPC ports speak TLS) crmctl health over
  # the pod's Unix socket.
  grep -Eq "^ +grpc:$|crmctl" "$tmp/rendered.yaml" || fail "$dir: no gRPC health probes"
  for svc in auth customers pipeline contracts payments service analytics gateway; do
    grep -q "^  name: crm-$svc$" "$tmp/rendered.yaml" || fail "$dir renders no crm-$svc"
  done
done
kubectl kustomize "$root/deploy/k8s/overlays/local" | grep -q "replicas: 1" || fail "local overlay"

echo "production overlay: resources, TLS, probes, migration Jobs, autoscaling, no stand-in"
kubectl kustomize "$root/deploy/k8s/overlays/production" >"$tmp/production.yaml"
python3 "$root/tests/deploy/check_production.py" "$tmp/production.yaml" \
  || fail "production overlay"

echo "token and secret settings agree across compose and kubernetes"
kubectl kustomize "$root/deploy/k8s/base" >"$tmp/k8s.yaml"
python3 "$root/tests/deploy/check_settings.py" "$tmp/compose.yaml" "$tmp/k8s.yaml" \
  || fail "inconsistent token or secret settings"
python3 "$root/tests/deploy/check_settings.py" "$tmp/compose.yaml" "$tmp/production.yaml" \
  || fail "inconsistent token or secret settings in the production overlay"

echo "promtool check rules / test rules / check config"
awk 'f{sub(/^  /,""); print} /^spec:/{f=1}' "$root/deploy/k8s/base/prometheus-rules.yaml" >"$tmp/rules.yml"
promtool check rules "$tmp/rules.yml" >/dev/null || fail "alert rules"
# The unit tests name rules.yml, next to them.
cp "$root/deploy/prometheus/rules_test.yml" "$tmp/"
(cd "$tmp" && promtool test rules rules_test.yml) || fail "alert rule unit tests"
python3 "$root/tests/deploy/check_alerts.py" "$tmp/rules.yml" "$root/docs/operations.md" \
  "$root/deploy/prometheus/rules_test.yml" || fail "alerts without severity, runbook or tests"
cp "$root/deploy/prometheus/prometheus.yml" "$tmp/"
promtool check config "$tmp/prometheus.yml" >/dev/null || fail "prometheus.yml"
echo "Grafana dashboards (structure, PromQL, the methods they name)"
python3 "$root/tests/deploy/check_dashboards.py" >/dev/null || fail "dashboards"
echo "deployment artefacts OK"
