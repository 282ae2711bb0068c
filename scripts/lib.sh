# Shared by scripts/up.sh, scripts/test.sh and .ci/run. Source it; do not run it.

CRM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CRM_BUILD=${CRM_BUILD:-$CRM_ROOT/build}
CRM_LOCAL=${CRM_LOCAL:-$CRM_ROOT/.local}

# Debian 12 packages the build, the stack and the tests need.
CRM_APT_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libpqxx-dev prometheus-cpp-dev libgtest-dev libgmock-dev golang-github-gogo-googleapis-dev
  libsodium-dev nlohmann-json3-dev libssl-dev libcivetweb-dev libjemalloc-dev libnghttp2-dev
  postgresql postgresql-client postgresql-contrib openssl clang
  prometheus nghttp2-client docker-compose
  chromium fonts-wqy-zenhei
)

crm_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

crm_sudo() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# Installs whatever is missing: Debian packages, kubectl, npm and buf.
crm_install_deps() {
  local missing=()
  for p in "${CRM_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  command -v kubectl >/dev/null || missing+=(kubernetes-client)
  command -v npm >/dev/null || missing+=(npm)
  if ((${#missing[@]})); then
    crm_log "installing Debian packages: ${missing[*]}"
    crm_sudo apt-get update -qq
    crm_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  if [[ ! -x "$CRM_ROOT/.local/npm/node_modules/.bin/buf" ]]; then
    crm_log "installing buf from the npm registry"
    mkdir -p "$CRM_ROOT/.local/npm"
    npm install --silent --no-audit --no-fund --prefix "$CRM_ROOT/.local/npm" @bufbuild/buf@1 >/dev/null
  fi
}

crm_buf() { "$CRM_ROOT/.local/npm/node_modules/.bin/buf" "$@"; }

# Configures (once) and builds everything with Ninja, through ccache when present.
crm_build() {
  if [[ ! -f "$CRM_BUILD/build.ninja" ]]; then
    crm_log "configuring"
    cmake -S "$CRM_ROOT" -B "$CRM_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      ${CRM_CMAKE_ARGS:-} >/dev/null
  fi
  crm_log "building"
  ninja -C "$CRM_BUILD" "$@"
}

# Builds the web front end into web/dist (served by the gateway): npm packages from the
# lockfile, a type check, Vite's build, and a gzip twin of every asset.
crm_build_web() {
  local web="$CRM_ROOT/web"
  if [[ ! -d "$web/node_modules" || "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]]; then
    crm_log "installing the web front end's npm packages"
    (cd "$web" && npm ci --silent --no-audit --no-fund >/dev/null)
  fi
  crm_log "building the web front end"
  (cd "$web" && npm run --silent build >/dev/null)
  find "$web/dist" -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) \
    -exec gzip -9 -k -f -n {} +
}

# Keeps ports a stack listens on out of Linux's range of ports for outgoing connections (ours lie
# in it), so that no connection takes one between two starts. Root only; otherwise a no-op.
crm_reserve_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports
  [[ $(id -u) -eq 0 && -w $f ]] || return 0
  local current
  current=$(cat "$f")
  echo "${current:+$current,}$(IFS=,; echo "$*")" >"$f" 2>/dev/null || true
}

# crm_pg_start <dir> <port> [--fast]: a project-managed cluster; prints its conninfo.
crm_pg_start() {
  "$CRM_ROOT/scripts/pg-cluster.sh" start "$@" >&2
  "$CRM_ROOT/scripts/pg-cluster.sh" conninfo "$1" "$2"
}

crm_pg_stop() { "$CRM_ROOT/scripts/pg-cluster.sh" stop "$1"; }

# crm_provision <admin conninfo> <database> <schema> <role>: database, role and schema.
crm_provision() {
  local admin=$1 database=$2 schema=$3 role=$4
  psql -X -q "$admin dbname=postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" \
    | grep -q 1 || psql -X -q "$admin dbname=postgres" -c "CREATE DATABASE $database ENCODING 'UTF8'"
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -v role="$role" -v schema="$schema" \
    -f "$CRM_ROOT/deploy/sql/provision-service.sql" "$admin dbname=$database" >/dev/null
}
