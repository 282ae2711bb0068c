#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (in build-fuzz/, with AddressSanitizer)
# and runs each for --runs=N executions (default 1,000,000), keeping each target's corpus in
# .local/fuzz/<target> between runs. Exits non-zero when a target crashes.
set -euo pipefail
runs=1000000
for arg in "$@"; do
  case "$arg" in
    --runs=*) runs=${arg#--runs=} ;;
    *) echo "usage: $0 [--runs=N]" >&2; exit 2 ;;
  esac
done
export CRM_BUILD="$(cd "$(dirname "$0")/.." && pwd)/build-fuzz"
export CRM_CMAKE_ARGS="-DCRM_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++"
source "$(dirname "$0")/lib.sh"

crm_install_deps
targets=(token_fuzz page_token_fuzz flags_fuzz validation_fuzz)
crm_build "${targets[@]}"
for t in "${targets[@]}"; do
  corpus="$CRM_LOCAL/fuzz/$t"
  mkdir -p "$corpus"
  crm_log "fuzzing $t: $runs runs"
  status=0
  "$CRM_BUILD/tests/fuzz/$t" -runs="$runs" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$CRM_LOCAL/fuzz/$t-" "$corpus" >"$CRM_LOCAL/fuzz/$t.log" 2>&1 || status=$?
  grep -E "^(Done|stat::number_of_executed_units)|SUMMARY" "$CRM_LOCAL/fuzz/$t.log" || true
  if ((status != 0)); then
    crm_log "$t crashed: see $CRM_LOCAL/fuzz/$t.log and the input saved next to it"
    exit 1
  fi
done
crm_log "fuzzing passed"
