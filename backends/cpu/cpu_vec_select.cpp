// Run-time choice of the float32 SIMD loops (cpu_vec_kernels.inc, compiled once per instruction
// set in cpu_vec_default/avx2/avx512.cpp): the widest set the running CPU supports, decided once.
#include "backends/cpu/vec_dispatch.h"

namespace tz::cpu {

#define TZ_VEC_DECLS                                                \
  bool unary_f32(UnaryOp, float*, const float*, int64_t);           \
  void softmax_row_f32(float*, const float*, int64_t);
namespace vec_default { TZ_VEC_DECLS }
namespace vec_avx2 { TZ_VEC_DECLS }
namespace vec_avx512 { TZ_VEC_DECLS }
#undef TZ_VEC_DECLS

namespace {
enum class Isa { Default, Avx2, Avx512 };
Isa best_isa() {
#if defined(__x86_64__)
  static const Isa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
      return Isa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
    return Isa::Default;
  }();
  return isa;
#else
  return Isa::Default;
#endif
}
}  // namespace

UnaryF32 best_unary_f32() {
  switch (best_isa()) {
    case Isa::Avx512: return &vec_avx512::unary_f32;
    case Isa::Avx2: return &vec_avx2::unary_f32;
    case Isa::Default: break;
  }
  return &vec_default::unary_f32;
}

SoftmaxRowF32 best_softmax_row_f32() {
  switch (best_isa()) {
    case Isa::Avx512: return &vec_avx512::softmax_row_f32;
    case Isa::Avx2: return &vec_avx2::softmax_row_f32;
    case Isa::Default: break;
  }
  return &vec_default::softmax_row_f32;
}

}  // namespace tz::cpu
