#!/usr/bin/env bash
# The sanitizer and fuzzing stage of CI (.ci/run runs it after the README's test command; see
# docs/reliability.md). Three instrumented builds, each of the library and only the tests it runs:
#   build-asan  clang, ASan + UBSan + libFuzzer coverage: the core, autograd, gradcheck, nn and
#               reliability tests, the fuzz corpus replays, then each fuzzer for FUZZ_SECONDS
#   build-tsan  g++, TSan: the thread tests (label threads)
# Usage: tools/ci/sanitize.sh [asan|fuzz|tsan ...]   (default: all three, in that order)
# Environment: FUZZ_SECONDS (default 30) per fuzz target; JOBS (default nproc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
tools/install-deps.sh --sanitize
export CCACHE_BASEDIR="$PWD"
jobs="${JOBS:-$(nproc)}"
fuzz_seconds="${FUZZ_SECONDS:-30}"
stages=("$@")
((${#stages[@]})) || stages=(asan fuzz tsan)
fuzzers=(fuzz_safetensors fuzz_checkpoint fuzz_config fuzz_idx fuzz_csv)
# -O1 keeps the instrumented tests quick enough; -g1 gives file:line in reports.
opt=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
     "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
# OpenMP's runtime and the BLAS/oneDNN libraries are not instrumented: one OpenMP thread per
# process keeps their synchronisation out of the reports (our own std::thread tests still race
# for real).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"

configure_asan() {
  cmake -S . -B build-asan -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${opt[@]}" \
    -DTZ_SANITIZE=address,undefined -DTZ_FUZZ=ON >/dev/null
}

stage_asan() {
  echo "== ASan + UBSan: core, autograd, gradcheck, nn, reliability"
  configure_asan
  cmake --build build-asan -j"$jobs" --target tz_test_core tz_test_engine tz_test_autograd tz_test_nn \
    tz_test_reliability tensorzoo_cli "${fuzzers[@]}"
  ctest --test-dir build-asan -j"$jobs" -L '^(core|autograd|gradcheck|nn|reliability|fuzz)$' -LE install \
    --output-on-failure --timeout 900 --no-tests=error
}

stage_fuzz() {
  echo "== libFuzzer: ${fuzz_seconds} s per target"
  configure_asan
  cmake --build build-asan -j"$jobs" --target "${fuzzers[@]}"
  local findings=build-asan/fuzz/findings
  mkdir -p "$findings"
  for f in "${fuzzers[@]}"; do
    # New inputs go to a scratch corpus; the committed one (tests/fuzz/corpus) is read only.
    # A crash, leak, uncaught non-tz::Error, 10 s hang or 2 GiB of memory is written to
    # $findings and fails the stage: add it to the committed corpus with the fix.
    local scratch="build-asan/fuzz/corpus-$f"
    mkdir -p "$scratch"
    local log="build-asan/fuzz/$f.log"
    if ! build-asan/fuzz/"$f" "$scratch" "tests/fuzz/corpus/$f" -max_total_time="$fuzz_seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/$f-" >"$log" 2>&1; then
      tail -n 60 "$log"
      echo "fuzz: $f found a failure; the input is in $findings" >&2
      return 1
    fi
    echo "-- $f: $(grep -oE 'number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+') inputs," \
         "corpus $(ls "$scratch" | wc -l) new + $(ls "tests/fuzz/corpus/$f" | wc -l) committed, clean"
  done
}

stage_tsan() {
  echo "== TSan: thread tests"
  cmake -S . -B build-tsan -G Ninja "${opt[@]}" -DTZ_SANITIZE=thread -DTZ_BUILD_TOOLS=OFF >/dev/null
  cmake --build build-tsan -j"$jobs" --target tz_test_threads
  # No suppressions: with one OpenMP thread the uninstrumented libraries report nothing.
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
    ctest --test-dir build-tsan -j"$jobs" -L '^threads$' --output-on-failure --timeout 900 --no-tests=error
}

for s in "${stages[@]}"; do
  case "$s" in
    asan) stage_asan ;;
    fuzz) stage_fuzz ;;
    tsan) stage_tsan ;;
    *) echo "sanitize.sh: unknown stage '$s' (asan, fuzz, tsan)" >&2; exit 2 ;;
  esac
done
echo "sanitize.sh: ${stages[*]} clean"
