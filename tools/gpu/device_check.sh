#!/usr/bin/env bash
# One-shot GPU check of the CUDA backend on a lent GPU machine (see docs/cuda.md): builds the
# CUDA targets, runs the CUDA tests and the op-parity table on the GPU, the parity table under
# compute-sanitizer (memcheck) and the CUDA tests under racecheck, then the benchmarks side by
# side with the PyTorch installed there. Logs go to $OUT (or ./gpu-out).
#
# The machine has nvcc, CMake, ninja and PyTorch but no Debian packages: GoogleTest,
# nlohmann-json and zlib headers travel unpacked in .devdeps (apt-get download + dpkg -x).
#   STAGES="build test sanitize bench" (default all)
set -uo pipefail
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
STAGES=${STAGES:-"build test sanitize bench"}
JOBS=${JOBS:-$(nproc)}
BUILD=${BUILD:-build-gpu}
DEPS=$PWD/.devdeps/usr
has() { [[ " $STAGES " == *" $1 "* ]]; }
log() { echo "== $* ($(date +%T))"; }

log "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
nvcc --version | tail -2 | head -1
python3 -c 'import torch; print("torch", torch.__version__)' 2>/dev/null

# cuDNN: the toolkit's, else the one PyTorch's wheels bring.
CUDNN_ARGS=()
if ! ls /usr/local/cuda/include/cudnn.h >/dev/null 2>&1; then
  CUDNN_DIR=$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' 2>/dev/null || true)
  if [[ -n "$CUDNN_DIR" && -f "$CUDNN_DIR/include/cudnn.h" ]]; then
    CUDNN_LIB=$(ls "$CUDNN_DIR"/lib/libcudnn.so* | head -1)
    CUDNN_ARGS=(-DTZ_CUDNN_INCLUDE="$CUDNN_DIR/include" -DTZ_CUDNN_LIBRARY="$CUDNN_LIB")
    export LD_LIBRARY_PATH="$CUDNN_DIR/lib:${LD_LIBRARY_PATH:-}"
  fi
fi

if has build; then
  log "configure"
  ZLIB_SO=$(ls /usr/lib/x86_64-linux-gnu/libz.so* /lib/x86_64-linux-gnu/libz.so* 2>/dev/null | head -1)
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DTZ_WITH_CUDA=ON -DTZ_WITH_OPENBLAS=OFF -DTZ_WITH_ONEDNN=OFF -DCMAKE_PREFIX_PATH="$DEPS" \
    -DZLIB_LIBRARY="$ZLIB_SO" -DZLIB_INCLUDE_DIR="$DEPS/include" "${CUDNN_ARGS[@]}" >"$OUT/configure.log" 2>&1 \
    || { tail -30 "$OUT/configure.log"; exit 1; }
  grep "tensorzoo:" "$OUT/configure.log"
  log "build"
  ninja -C "$BUILD" -j"$JOBS" tensorzoo tensorzoo_cli tz_test_cuda tz_test_ops tz_test_nn tz_bench_gpt_step \
    $(ninja -C "$BUILD" -t targets all 2>/dev/null | grep -o '^tz_bench_cuda[a-z_]*' | sort -u) >"$OUT/build.log" 2>&1 \
    || { grep -E "error|FAILED" -A5 "$OUT/build.log" | head -60; exit 1; }
  log "built"
fi

T=$BUILD/tests
if has test; then
  log "cuda tests"
  "$T/tz_test_cuda" --gtest_brief=1 2>&1 | tee "$OUT/test_cuda.log" | tail -40
  log "parity table (cpu and cuda against the reference backend)"
  "$T/tz_test_ops" --gtest_filter='Table/Parity.*' --gtest_brief=1 2>&1 | tee "$OUT/test_parity.log" | tail -40
  log "nn tests on the build (autocast, attention plumbing)"
  "$T/tz_test_nn" --gtest_brief=1 2>&1 | tail -5
fi

if has sanitize; then
  log "compute-sanitizer memcheck: parity table"
  compute-sanitizer --tool memcheck --error-exitcode 9 "$T/tz_test_ops" --gtest_filter='Table/Parity.*' --gtest_brief=1 \
    >"$OUT/memcheck.log" 2>&1; echo "memcheck exit $?"; grep -E "ERROR SUMMARY|FAILED|PASSED" "$OUT/memcheck.log" | tail -5
  log "compute-sanitizer racecheck: cuda tests"
  compute-sanitizer --tool racecheck --error-exitcode 9 "$T/tz_test_cuda" --gtest_brief=1 \
    >"$OUT/racecheck.log" 2>&1; echo "racecheck exit $?"; grep -E "ERROR SUMMARY|RACE|FAILED|PASSED" "$OUT/racecheck.log" | tail -8
fi

if has bench; then
  B=$BUILD/bench
  log "benchmarks: tensorzoo then PyTorch, same GPU"
  for exe in "$B"/tz_bench_cuda*; do [[ -x $exe ]] && "$exe" 2>&1 | tee -a "$OUT/bench_tz.log"; done
  log "attention forward with the other query-tile size (128 rows at D = 128; see docs/cuda.md)"
  TZ_CUDA_ATTENTION_QUERY_ROWS=128 "$B/tz_bench_cuda_attention" 2>&1 | tee -a "$OUT/bench_tz_rows128.log"
  for py in tools/bench/torch_cuda*.py; do [[ -f $py ]] && python3 "$py" 2>&1 | tee -a "$OUT/bench_torch.log"; done
  GPT="--device cuda --layers 12 --d 768 --heads 12 --block 1024 --batch 8 --steps 10 --warmup 3"
  "$B/tz_bench_gpt_step" $GPT 2>&1 | tee -a "$OUT/bench_tz.log"
  python3 tools/bench/torch_gpt_step.py $GPT 2>&1 | tee -a "$OUT/bench_torch.log"
  "$B/tz_bench_gpt_step" $GPT --autocast bf16 2>&1 | tee -a "$OUT/bench_tz.log"
  python3 tools/bench/torch_gpt_step.py $GPT --autocast bf16 2>&1 | tee -a "$OUT/bench_torch.log"
fi
log "done"
