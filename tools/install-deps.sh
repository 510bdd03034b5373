#!/usr/bin/env bash
# Installs every Debian package that tensorzoo's build, tests and demos need. Idempotent; run as
# root on a fresh Debian bookworm machine.
#   tools/install-deps.sh              build + test + demo dependencies
#   tools/install-deps.sh --reference  also the reference Python venv (.venv-ref: PyTorch,
#                                      safetensors, numpy) used to regenerate fixtures and for
#                                      side-by-side benchmarks; never needed by CI or tests.
#   tools/install-deps.sh --sanitize   also clang, its sanitizer/libFuzzer runtimes and OpenMP
#                                      (tools/ci/sanitize.sh, CI's sanitizer and fuzzing stage).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Everything is named: packages are installed with --no-install-recommends, so nothing that a
# package only recommends may be assumed (libdnnl-dev only recommends ocl-icd-opencl-dev, which
# its CMake package needs). tools/setup/time-readme-setup.sh runs this on a bare bookworm root.
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libopenblas-dev libdnnl-dev ocl-icd-opencl-dev nlohmann-json3-dev zlib1g-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  dataset-fashion-mnist fortunes fortunes-min python3-vega-datasets
)
reference=0
for arg in "$@"; do
  case "$arg" in
    # The reference venv needs Python's venv module, a separate package on Debian.
    --reference) reference=1; packages+=(python3 python3-venv python3-pip) ;;
    # libFuzzer and clang's ASan/UBSan runtimes are in libclang-rt-14-dev; clang's OpenMP is libomp.
    --sanitize) packages+=(clang libclang-rt-14-dev libomp-dev) ;;
    *) echo "install-deps.sh: unknown option '$arg' (--reference, --sanitize)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ((reference)); then
  venv="$here/.venv-ref"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/tools/ref/requirements.txt"
  echo "reference venv ready: $venv"
fi
