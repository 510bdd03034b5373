#!/usr/bin/env bash
# Runs the mini Long Range Arena tables (docs/lra.md) for a list of mixers and rewrites the
# results section of docs/lra.md. One command, from the repository root after building:
#
#   tools/lra/run_all.sh                       # every registered mixer, full size
#   tools/lra/run_all.sh softmax linformer     # just these
#   SIZE=ci tools/lra/run_all.sh softmax       # the seconds-long ci size (smoke test)
#
# Environment: JOBS (1; 2 runs two mixers at a time, one thread each), SIZE (full), TASKS ("listops text retrieval image pathfinder"), LENGTHS
# (1024,2048,3072,4096), BENCH_STEPS (3), BENCH_BATCH (4: softmax at 4K then needs about 3 GB;
# LRA used 32 on TPUs), RESULTS (runs/lra/results-$SIZE.jsonl; appended to,
# later records win), DOC (docs/lra.md), TZ (build/tensorzoo), DEVICE (cpu).
# A mixer that cannot run a task (e.g. a fixed maximum length) is reported and skipped.
set -u
cd "$(dirname "$0")/../.."

TZ=${TZ:-build/tensorzoo}
SIZE=${SIZE:-full}
TASKS=${TASKS:-"listops text retrieval image pathfinder"}
LENGTHS=${LENGTHS:-1024,2048,3072,4096}
BENCH_STEPS=${BENCH_STEPS:-3}
BENCH_BATCH=${BENCH_BATCH:-4}
DEVICE=${DEVICE:-cpu}
RESULTS=${RESULTS:-runs/lra/results-$SIZE.jsonl}
DOC=${DOC:-docs/lra.md}

[ -x "$TZ" ] || { echo "run_all.sh: $TZ not found; build it first: ninja -C build tensorzoo_cli" >&2; exit 2; }
mkdir -p "$(dirname "$RESULTS")"

if [ $# -gt 0 ]; then
  MIXERS=("$@")
else
  # Every registered mixer (tz::nn::mixer_registry()), softmax first.
  mapfile -t MIXERS < <("$TZ" lra mixers | awk '$1 == "softmax"'; "$TZ" lra mixers | awk 'NF && $1 != "softmax"')
fi
[ ${#MIXERS[@]} -gt 0 ] || { echo "run_all.sh: no mixers registered" >&2; exit 2; }
echo "mixers: ${MIXERS[*]}"
echo "tasks:  $TASKS (size $SIZE); results: $RESULTS"

failed=()
start=$(date +%s)
# JOBS workers (default 1), each taking every JOBS-th mixer, one thread each when JOBS > 1.
JOBS=${JOBS:-1}
run_group() {
  local worker=$1 i=0 mixer task t0
  for mixer in "${MIXERS[@]}"; do
    if [ $(( i++ % JOBS )) -ne "$worker" ]; then continue; fi
    for task in $TASKS; do
      t0=$(date +%s)
      if "$TZ" lra "$task" --mixer "$mixer" --size "$SIZE" --device "$DEVICE" --quiet --results "$RESULTS"; then
        echo "  [$task / $mixer] $(( $(date +%s) - t0 )) s"
      else
        echo "  [$task / $mixer] FAILED" >&2
        echo "$task/$mixer" >>"$RESULTS.failed"
      fi
    done
  done
}
rm -f "$RESULTS.failed"
if [ "$JOBS" -gt 1 ]; then export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}; fi
for (( w = 0; w < JOBS; ++w )); do run_group "$w" & done
wait
if [ -f "$RESULTS.failed" ]; then mapfile -t failed <"$RESULTS.failed"; fi
unset OMP_NUM_THREADS

bench_mixers=$(IFS=,; echo "${MIXERS[*]}")
case ",$bench_mixers," in *,softmax,*) ;; *) bench_mixers="softmax,$bench_mixers" ;; esac
if [ "$SIZE" = ci ]; then LENGTHS=${CI_LENGTHS:-64,128}; fi
"$TZ" lra bench --mixers "$bench_mixers" --lengths "$LENGTHS" --steps "$BENCH_STEPS" --batch "$BENCH_BATCH" --device "$DEVICE" \
  --results "$RESULTS" || failed+=("bench")

"$TZ" lra table --results "$RESULTS" --size "$SIZE" --update "$DOC"
echo "total $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
