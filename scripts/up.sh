#!/usr/bin/env bash
# Brings up the whole local stack with demo data: installs what is missing, builds, starts a
# project-managed PostgreSQL, provisions each service's role and schema, starts every
# service (which applies its migrations), loads the demo organisation, and prints the
# endpoints and an example call. Idempotent: running it again restarts the services on the
# new build and leaves the data as it is. Stop everything with scripts/down.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# CRM_PORT_OFFSET (default 0) moves every port, for a second stack beside the first (the
# browser tests start one with CRM_LOCAL elsewhere).
port() { echo $(($1 + ${CRM_PORT_OFFSET:-0})); }

crm_install_deps
crm_build
crm_build_web

pg_dir="$CRM_LOCAL/pg"
pg_port=${CRM_PG_PORT:-$(port 55432)}
run="$CRM_LOCAL/run"
logs="$CRM_LOCAL/logs"
secrets="$CRM_LOCAL/secrets"
keys="$CRM_LOCAL/keys"
mkdir -p "$run" "$logs" "$secrets" "$keys"
chmod 700 "$secrets" "$keys"

crm_reserve_ports "$pg_port" "$(port 50050)-$(port 50060)"
crm_log "starting PostgreSQL on port $pg_port"
pg_admin=$(crm_pg_start "$pg_dir" "$pg_port")
crm_provision "$pg_admin" crm auth crm_auth
crm_provision "$pg_admin" crm customers crm_customers
crm_provision "$pg_admin" crm pipeline crm_pipeline
crm_provision "$pg_admin" crm contracts crm_contracts
crm_provision "$pg_admin" crm payments crm_payments
crm_provision "$pg_admin" crm service crm_service
crm_provision "$pg_admin" crm analytics crm_analytics

# Secrets are generated once, never hard-coded.
[[ -f "$keys/auth-1.pem" ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
  -out "$keys/auth-1.pem" 2>/dev/null
openssl pkey -in "$keys/auth-1.pem" -pubout -out "$keys/auth-1.pub.pem"
for f in admin-password demo-password; do
  [[ -f "$secrets/$f" ]] || openssl rand -base64 12 | tr -d '/+=' >"$secrets/$f"
done
chmod 600 "$secrets"/* "$keys/auth-1.pem"

# start_service <name> <binary> <grpc port> <metrics port> [args…]
start_service() {
  local name=$1 binary=$2 port=$3 metrics=$4
  shift 4
  if [[ -f "$run/$name.pid" ]] && kill -0 "$(cat "$run/$name.pid")" 2>/dev/null; then
    crm_log "stopping the running $name"
    kill -TERM "$(cat "$run/$name.pid")"
    for _ in $(seq 1 100); do kill -0 "$(cat "$run/$name.pid")" 2>/dev/null || break; sleep 0.1; done
  fi
  crm_log "starting $name on port $port"
  nohup "$binary" --grpc-port="$port" --metrics-port="$metrics" "$@" \
    >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  for _ in $(seq 1 300); do
    if "$CRM_BUILD/tests/tools/crmctl" --addr="localhost:$port" health >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$(cat "$run/$name.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not become healthy; last log lines:" >&2
  tail -n 20 "$logs/$name.log" >&2
  exit 1
}

# A stand-in for the company's sales system (products, inventory, order history), with an
# order for one of the demo customers every minute.
start_service salesys-fake "$CRM_BUILD/services/salesys-fake/crm-salesys-fake" $(port 50060) $(port 9470) \
  --new-order-interval=1m

start_service auth "$CRM_BUILD/services/auth/crm-auth" $(port 50051) $(port 9464) \
  --db-url="$pg_admin dbname=crm user=crm_auth" \
  --jwt-private-key-file="$keys/auth-1.pem" \
  --bootstrap-admin-password-file="$secrets/admin-password"

customers_args=(--db-url="$pg_admin dbname=crm user=crm_customers"
  --jwt-public-keys="auth-1=$keys/auth-1.pub.pem" --auth-address=localhost:$(port 50051))
start_service customers "$CRM_BUILD/services/customers/crm-customers" $(port 50052) $(port 9465) "${customers_args[@]}"

pipeline_args=(--db-url="$pg_admin dbname=crm user=crm_pipeline"
  --jwt-public-keys="auth-1=$keys/auth-1.pub.pem" --auth-address=localhost:$(port 50051)
  --customers-address=localhost:$(port 50052))
start_service pipeline "$CRM_BUILD/services/pipeline/crm-pipeline" $(port 50053) $(port 9466) "${pipeline_args[@]}"

contracts_args=(--db-url="$pg_admin dbname=crm user=crm_contracts"
  --jwt-public-keys="auth-1=$keys/auth-1.pub.pem" --auth-address=localhost:$(port 50051)
  --customers-address=localhost:$(port 50052) --pipeline-address=localhost:$(port 50053)
  --salesys-address=localhost:$(port 50060))
start_service contracts "$CRM_BUILD/services/contracts/crm-contracts" $(port 50054) $(port 9467) "${contracts_args[@]}"

payments_args=(--db-url="$pg_admin dbname=crm user=crm_payments"
  --jwt-public-keys="auth-1=$keys/auth-1.pub.pem" --auth-address=localhost:$(port 50051)
  --contracts-address=localhost:$(port 50054))
start_service payments "$CRM_BUILD/services/payments/crm-payments" $(port 50055) $(port 9468) "${payments_args[@]}"

service_args=(--db-url="$pg_admin dbname=crm user=crm_service"
  --jwt-public-keys="auth-1=$keys/auth-1.pub.pem" --auth-address=localhost:$(port 50051)
  --customers-address=localhost:$(port 50052))
start_service service "$CRM_BUILD/services/service/crm-service" $(port 50056) $(port 9469) "${service_args[@]}"

crm_log "loading demo data"
"$CRM_BUILD/tests/fixtures/crm-demo-data" --addr=localhost:$(port 50051) --customers-addr=localhost:$(port 50052) \
  --pipeline-addr=localhost:$(port 50053) --contracts-addr=localhost:$(port 50054) --salesys-addr=localhost:$(port 50060) \
  --service-addr=localhost:$(port 50056) --admin-password-file="$secrets/admin-password" \
  --demo-password-file="$secrets/demo-password" --secrets-dir="$secrets"

# The demo data (re)issues the service accounts through which the pipeline and the contracts
# follow customers' hand-overs and merges (and the pipeline the contracts of its
# opportunities, the contracts the payments' settlements), the customers service follows
# orders (the contracts' order events and the sales system's order stream) and the tickets'
# satisfaction, the payments service follows signed contracts, and the service service
# customers' hand-overs and merges; restart them with those.
start_service pipeline "$CRM_BUILD/services/pipeline/crm-pipeline" $(port 50053) $(port 9466) "${pipeline_args[@]}" \
  --service-client-id=pipeline-follower \
  --service-client-secret-file="$secrets/pipeline-follower.secret" \
  --contracts-address=localhost:$(port 50054)
start_service contracts "$CRM_BUILD/services/contracts/crm-contracts" $(port 50054) $(port 9467) \
  "${contracts_args[@]}" --service-client-id=contracts-follower \
  --service-client-secret-file="$secrets/contracts-follower.secret" \
  --payments-address=localhost:$(port 50055)
start_service customers "$CRM_BUILD/services/customers/crm-customers" $(port 50052) $(port 9465) \
  "${customers_args[@]}" --service-client-id=customers-follower \
  --service-client-secret-file="$secrets/customers-follower.secret" \
  --order-events-address=localhost:$(port 50054) --follow-sales-system-orders \
  --salesys-address=localhost:$(port 50060) --service-address=localhost:$(port 50056)
start_service payments "$CRM_BUILD/services/payments/crm-payments" $(port 50055) $(port 9468) \
  "${payments_args[@]}" --service-client-id=payments-follower \
  --service-client-secret-file="$secrets/payments-follower.secret"
start_service service "$CRM_BUILD/services/service/crm-service" $(port 50056) $(port 9469) \
  "${service_args[@]}" --service-client-id=service-follower \
  --service-client-secret-file="$secrets/service-follower.secret"

# Analytics follows every service's events into the reports' read models.
start_service analytics "$CRM_BUILD/services/analytics/crm-analytics" $(port 50057) $(port 9471) \
  --db-url="$pg_admin dbname=crm user=crm_analytics" \
  --jwt-public-keys="auth-1=$keys/auth-1.pub.pem" --auth-address=localhost:$(port 50051) \
  --customers-address=localhost:$(port 50052) --pipeline-address=localhost:$(port 50053) \
  --contracts-address=localhost:$(port 50054) --payments-address=localhost:$(port 50055) \
  --service-address=localhost:$(port 50056) --service-client-id=analytics-follower \
  --service-client-secret-file="$secrets/analytics-follower.secret"

# The gateway: every service's API over gRPC and HTTP/JSON on one address, composed views,
# and the web front end.
start_service gateway "$CRM_BUILD/services/gateway/crm-gateway" $(port 50050) $(port 9463) \
  --http-port=$(port 8080) --jwt-public-keys="auth-1=$keys/auth-1.pub.pem" \
  --salesys-address=localhost:$(port 50060) --cors-origins="http://localhost:$(port 8080)" \
  --auth-address=localhost:$(port 50051) --customers-address=localhost:$(port 50052) \
  --pipeline-address=localhost:$(port 50053) --contracts-address=localhost:$(port 50054) \
  --payments-address=localhost:$(port 50055) --service-address=localhost:$(port 50056) \
  --analytics-address=localhost:$(port 50057) --web-root="$CRM_ROOT/web/dist"

crm_log "loading demo receivables, payments and deliveries"
"$CRM_BUILD/tests/fixtures/crm-demo-data" --addr=localhost:$(port 50051) --payments-addr=localhost:$(port 50055) \
  --admin-password-file="$secrets/admin-password" --demo-password-file="$secrets/demo-password"
crm_log "loading demo sales targets and churn steps"
"$CRM_BUILD/tests/fixtures/crm-demo-data" --addr=localhost:$(port 50051) --analytics-addr=localhost:$(port 50057) \
  --customers-addr=localhost:$(port 50052) --admin-password-file="$secrets/admin-password" \
  --demo-password-file="$secrets/demo-password"

cat <<MSG

The CRM stack is up. Open the web front end at http://localhost:$(port 8080)/ and sign in as
one of the demo users below.

  gateway    gRPC localhost:$(port 50050)   HTTP/JSON http://localhost:$(port 8080) (API: /openapi.json)
             metrics http://localhost:$(port 9463)/metrics   log $logs/gateway.log
  auth       gRPC localhost:$(port 50051)   metrics http://localhost:$(port 9464)/metrics   log $logs/auth.log
  customers  gRPC localhost:$(port 50052)   metrics http://localhost:$(port 9465)/metrics   log $logs/customers.log
  pipeline   gRPC localhost:$(port 50053)   metrics http://localhost:$(port 9466)/metrics   log $logs/pipeline.log
  contracts  gRPC localhost:$(port 50054)   metrics http://localhost:$(port 9467)/metrics   log $logs/contracts.log
  payments   gRPC localhost:$(port 50055)   metrics http://localhost:$(port 9468)/metrics   log $logs/payments.log
  service    gRPC localhost:$(port 50056)   metrics http://localhost:$(port 9469)/metrics   log $logs/service.log
  analytics  gRPC localhost:$(port 50057)   metrics http://localhost:$(port 9471)/metrics   log $logs/analytics.log
  salesys-fake (stand-in for the sales system)
             gRPC localhost:$(port 50060)   metrics http://localhost:$(port 9470)/metrics   log $logs/salesys-fake.log
  postgres  $pg_admin dbname=crm

  admin password   $(cat "$secrets/admin-password")   (file $secrets/admin-password)
  demo users       zhang.wei (executive), wang.qiang / li.na / zhao.min (sales_manager),
                   chen.jie / liu.yang / sun.mei / … (account_manager), he.jing (service_lead),
                   lin.xue (service_agent), qian.hui (finance); password $(cat "$secrets/demo-password")

Try it (every call through the gateway):

  export PATH=$CRM_BUILD/tests/tools:\$PATH
  export CRM_ADDR=localhost:$(port 50050)
  CRM_PASSWORD=$(cat "$secrets/demo-password") crmctl login li.na
  export CRM_TOKEN=\$(CRM_PASSWORD=$(cat "$secrets/demo-password") crmctl token li.na)
  crmctl call crm.auth.v1.DirectoryService/ListUsers '{"page_size": 5}'
  crmctl call crm.customers.v1.CustomersService/SearchCustomers '{"query": "华为"}'
  curl -s -H "Authorization: Bearer \$CRM_TOKEN" 'http://localhost:$(port 8080)/v1/customers:search?query=%E5%8D%8E%E4%B8%BA'
  curl -s http://localhost:$(port 8080)/openapi.json | head -c 300
  crmctl call crm.pipeline.v1.PipelineService/ListOpportunities '{"page_size": 5}'
  crmctl call crm.contracts.v1.ContractsService/ListContracts '{"status": "CONTRACT_STATUS_SIGNED"}'
  export CRM_TOKEN=\$(CRM_PASSWORD=$(cat "$secrets/demo-password") crmctl token qian.hui)
  crmctl call crm.payments.v1.PaymentsService/ListOverdueInstallments '{}'
  export CRM_TOKEN=\$(CRM_PASSWORD=$(cat "$secrets/demo-password") crmctl token lin.xue)
  crmctl call crm.service.v1.TicketsService/ListTickets '{"query": "发票", "open_only": true}'
  export CRM_TOKEN=\$(CRM_PASSWORD=$(cat "$secrets/demo-password") crmctl token zhang.wei)
  crmctl call crm.analytics.v1.AnalyticsService/RunReport '{"kind": "REPORT_KIND_SALES_PERFORMANCE", "period": {"unit": "PERIOD_UNIT_YEAR", "date": {"year": $(date +%Y), "month": 1, "day": 1}}, "dimension": "owner"}'
  crmctl list            # every RPC

Stop it with scripts/down.sh.
MSG
