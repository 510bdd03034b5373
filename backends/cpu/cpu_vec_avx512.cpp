// The contiguous float32 loops compiled for avx512 (see cpu_vec_kernels.inc).
#define TZ_VEC_NS vec_avx512
#include "backends/cpu/cpu_vec_kernels.inc"
