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

void ensure_fast_openblas_kernels(char** argv) {
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr || openblas_get_corename == nullptr) return;
  const char* current = openblas_get_corename();
  if (current == nullptr || strcasecmp(current, "prescott") != 0) return;  // OpenBLAS knew this CPU
  const char* core = nullptr;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    core = "SkylakeX";
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    core = "Haswell";
  if (core == nullptr) return;
  setenv("OPENBLAS_CORETYPE", core, /*overwrite=*/0);
  execv("/proc/self/exe", argv);  // returns only on failure: then carry on with the slow kernels
#else
  (void)argv;
#endif
}

}  // namespace tz::cli
