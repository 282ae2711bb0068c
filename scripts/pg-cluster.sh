#!/usr/bin/env bash
# A project-managed PostgreSQL cluster in a directory of our own (no system service).
#
#   pg-cluster.sh start <dir> <port> [--fast]   initialise if needed, then start
#   pg-cluster.sh stop <dir>                    stop (fast shutdown)
#   pg-cluster.sh conninfo <dir> <port>         print the superuser conninfo (without dbname)
#
# The server listens on 127.0.0.1:<port> and on a Unix socket in <dir>. Local connections are
# trusted: this is for development and tests only. --fast turns off fsync (test clusters).
# PostgreSQL refuses to run as root, so as root the server runs as the postgres user.
set -euo pipefail

cmd=${1:?usage: pg-cluster.sh start|stop|conninfo <dir> [port]}
dir=${2:?data directory required}
port=${3:-55432}

bindir=${CRM_PG_BINDIR:-}
if [[ -z "$bindir" ]]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[[ -x "$bindir/pg_ctl" ]] || { echo "pg-cluster: PostgreSQL server binaries not found" >&2; exit 1; }

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pguser() { if [[ $(id -u) -eq 0 ]]; then echo postgres; else id -un; fi; }

case "$cmd" in
  start)
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      as_pg "$bindir/initdb" -D "$dir/data" -U "$(pguser)" -E UTF8 --locale=C.UTF-8 \
        --auth=trust >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
      {
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$dir'"
        echo "max_connections = 300"
        echo "shared_buffers = 256MB"
        echo "log_min_messages = warning"
        echo "log_min_error_statement = panic"
      } >>"$dir/data/postgresql.conf"
      if [[ "${4:-}" == "--fast" ]]; then
        { echo "fsync = off"; echo "synchronous_commit = off"; echo "full_page_writes = off"; } \
          >>"$dir/data/postgresql.conf"
      fi
    fi
    if as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then exit 0; fi
    as_pg "$bindir/pg_ctl" -D "$dir/data" -o "-p $port" -l "$dir/server.log" -w -t 60 start \
      >/dev/null || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    if [[ -f "$dir/data/PG_VERSION" ]]; then
      as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  conninfo)
    echo "host=$dir port=$port user=$(pguser)"
    ;;
  *)
    echo "pg-cluster: unknown command $cmd" >&2
    exit 2
    ;;
esac
