#!/usr/bin/env bash
# Run test files again and again, one at a time, and count the runs each passed and failed: how a flaky test
# is shown not to be. Usage: scripts/repeat-tests.sh RUNS FILE... (a run stops nothing: every failure is
# counted and its output kept under $REPEAT_LOG_DIR, default /tmp/custos-repeat).
set -u
runs=${1:?usage: scripts/repeat-tests.sh RUNS FILE...}
shift
logs=${REPEAT_LOG_DIR:-/tmp/custos-repeat}
mkdir -p "$logs"
declare -A passed failed
for file in "$@"; do passed[$file]=0; failed[$file]=0; done
for ((i = 1; i <= runs; i++)); do
  for file in "$@"; do
    out="$logs/$(basename "$file" .test.ts).$i.log"
    if node --import tsx --test --test-concurrency=1 "$file" >"$out" 2>&1; then
      passed[$file]=$((passed[$file] + 1))
      rm -f "$out"
    else
      failed[$file]=$((failed[$file] + 1))
      echo "run $i: $file FAILED (output in $out)"
    fi
  done
  echo "after run $i: $(for f in "$@"; do printf '%s %d/%d  ' "$(basename "$f")" "${passed[$f]}" "$i"; done)"
done
status=0
for file in "$@"; do
  echo "$file: ${passed[$file]} passed, ${failed[$file]} failed of $runs"
  [ "${failed[$file]}" -eq 0 ] || status=1
done
exit $status
