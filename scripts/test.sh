#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, starts a throw-away PostgreSQL
# cluster, then runs unit, database, end-to-end and deployment tests, the proto lint, and the
# browser tests of the web front end (a stack of their own, headless Chromium).
# Exits non-zero when anything fails. Idempotent.
#   --sanitize=address|thread  build (in build-<sanitizer>/) and run everything under that
#                              sanitizer; any report fails the run.
set -euo pipefail
for arg in "$@"; do
  case "$arg" in
    --sanitize=address | --sanitize=thread)
      sanitizer=${arg#--sanitize=}
      export CRM_BUILD="$(cd "$(dirname "$0")/.." && pwd)/build-$sanitizer"
      export CRM_CMAKE_ARGS="-DCRM_SANITIZE=$sanitizer"
      export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" TSAN_OPTIONS="halt_on_error=1"
      export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp"
      TSAN_OPTIONS+=":suppressions=$(cd "$(dirname "$0")" && pwd)/tsan.supp"
      ;;
    *) echo "usage: $0 [--sanitize=address|thread]" >&2; exit 2 ;;
  esac
done
source "$(dirname "$0")/lib.sh"

crm_install_deps
crm_build

test_pg="$CRM_LOCAL/pg-test${sanitizer:+-$sanitizer}"
port=${CRM_TEST_PG_PORT:-55433}
crm_pg_stop "$test_pg" 2>/dev/null || true
rm -rf "$test_pg"
export CRM_TEST_PG
CRM_TEST_PG=$(crm_pg_start "$test_pg" "$port" --fast)
trap 'crm_pg_stop "$test_pg"' EXIT

failed=0
crm_log "proto lint (buf)"
crm_buf lint "$CRM_BUILD/crm_protos.binpb" --path crm --path external --config "$CRM_ROOT/proto/buf.yaml" || failed=1

crm_log "tests (ctest)"
(cd "$CRM_BUILD" && ctest --output-on-failure -j "$(nproc)" --timeout 300) || failed=1

if [[ -z "${sanitizer:-}" ]]; then
  crm_log "fuzz targets, a short run of each"
  "$CRM_ROOT/scripts/fuzz.sh" --runs=20000 || failed=1
  # (scripts/up.sh, which the browser tests run, builds the web front end.)
  crm_log "browser tests (the web front end against a stack of its own)"
  "$CRM_ROOT/tests/browser/run.sh" || failed=1
fi

if ((failed)); then
  crm_log "FAILED"
  exit 1
fi
crm_log "all tests passed"
