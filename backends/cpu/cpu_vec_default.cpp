// The contiguous float32 loops compiled for default (see cpu_vec_kernels.inc).
#define TZ_VEC_NS vec_default
#include "backends/cpu/cpu_vec_kernels.inc"
