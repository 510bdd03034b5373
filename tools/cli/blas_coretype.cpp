// Picks OpenBLAS's kernel family for CPUs the installed OpenBLAS does not recognise.
//
// Why: a DYNAMIC_ARCH OpenBLAS chooses its kernels from the CPU model number in a load-time
// constructor. Releases older than the CPU (Debian 12's 0.3.21 on Sapphire/Emerald Rapids, CPU
// model 143/207) do not know the model and fall back to "Prescott" (SSE3) kernels: sgemm then
// runs about 4x slower than with the AVX-512 kernels the CPU supports (measured on the
// vit-fmnist shapes, one thread: 27 GFLOP/s instead of 80-120). OpenBLAS honours
// OPENBLAS_CORETYPE, but reads it in that constructor, before main(); setting it from an ELF
// preinit hook does not work either (libc re-reads the original environment afterwards). So the
// CLI re-executes itself once with the variable set: an exec costs a few milliseconds.
//
// Policy: only when OPENBLAS_CORETYPE is unset and OpenBLAS itself picked Prescott (checked with
// openblas_get_corename); then "SkylakeX" when the CPU has the AVX-512 subset those kernels use
// (F, CD, BW, DQ, VL), "Haswell" for AVX2 + FMA, else nothing. A user-set OPENBLAS_CORETYPE always
// wins. Results are unchanged apart from floating-point summation order inside sgemm.
#include "tools/cli/blas_coretype.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern "C" char* openblas_get_corename(void) __attribute__((weak));

namespace tz::cli {

namespace {
/// The OpenBLAS kernel family to force, or nullptr when OpenBLAS chose well (or was told).
const char* better_openblas_core() {
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr || openblas_get_corename == nullptr) return nullptr;
  const char* current = openblas_get_corename();
  if (current == nullptr || strcasecmp(current, "prescott") != 0) return nullptr;  // OpenBLAS knew this CPU
  const char* core = nullptr;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    core = "SkylakeX";
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    core = "Haswell";
  return core;
#else
  return nullptr;
#endif
}
}  // namespace

void ensure_fast_openblas_kernels(char** argv) {
#if defined(__linux__)
  const char* core = better_openblas_core();
  // libgomp reads OMP_WAIT_POLICY when it loads, like OpenBLAS its core type. Busy-waiting
  // worker threads starve everything else on a shared or small machine (measured: gpt-char at
  // ~700 tokens/s instead of ~5,800 on a loaded 2-core box), so the CLI defaults to passive.
  const bool set_wait = std::getenv("OMP_WAIT_POLICY") == nullptr;
  if (core == nullptr && !set_wait) return;
  if (core != nullptr) setenv("OPENBLAS_CORETYPE", core, /*overwrite=*/0);
  if (set_wait) setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/0);
  execv("/proc/self/exe", argv);  // returns only on failure: then carry on as configured
#else
  (void)argv;
#endif
}

}  // namespace tz::cli
