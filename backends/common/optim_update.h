#pragma once
/// The element update of the fused optimizer kernels (Backend::adam_step / sgd_step), written
/// once for the CPU (backends/cpu/cpu_optim.cpp) and CUDA (backends/cuda/cuda_optim.cu) loops.
///
/// Each element must get exactly what the optimizer's composite of elementwise ops gives
/// (nn/optim/adam.cpp, nn/optim/sgd.cpp): every step below is one of its ops, rounded to T, with
/// the numbers of core/optim_step.h each already rounded to T. So nothing may be contracted into
/// a fused multiply-add: on the GPU the steps use the _rn intrinsics (which nvcc never
/// contracts); on the host they are plain operators in files compiled without FMA contraction
/// (the library's host flags do not enable FMA; the emulated CUDA tests pass -ffp-contract=off).
#include "backends/common/scalar_ops.h"
#include "core/optim_step.h"

namespace tz::scalar {

// One IEEE round-to-nearest operation each.
#if defined(__CUDA_ARCH__)
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float div_rn(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ double div_rn(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ float sqrt_rn(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double sqrt_rn(double a) { return __dsqrt_rn(a); }
#else
template <class T> TZ_HOST_DEVICE inline T mul_rn(T a, T b) { return a * b; }
template <class T> TZ_HOST_DEVICE inline T add_rn(T a, T b) { return a + b; }
template <class T> TZ_HOST_DEVICE inline T div_rn(T a, T b) { return a / b; }
template <class T> TZ_HOST_DEVICE inline T sqrt_rn(T a) { return sqrt(a); }
#endif

/// One Adam/AdamW step of one element, in place of param, exp_avg, exp_avg_sq and (with
/// s.amsgrad) *max_exp_avg_sq (may be null otherwise); grad is read.
template <class T>
TZ_HOST_DEVICE inline void adam_update(const AdamScalars<T>& s, T grad, T& param, T& exp_avg, T& exp_avg_sq,
                                       T* max_exp_avg_sq) {
  T g = grad;
  if (s.maximize) g = -g;
  T w = param;
  if (s.decay_param) w = mul_rn(w, s.decay);
  if (s.decay_grad) g = add_rn(g, mul_rn(w, s.wd));
  const T m = add_rn(mul_rn(exp_avg, s.beta1), mul_rn(g, s.one_minus_beta1));
  const T v = add_rn(mul_rn(exp_avg_sq, s.beta2), mul_rn(mul_rn(g, g), s.one_minus_beta2));
  T second = v;
  if (s.amsgrad) {
    second = maximum(*max_exp_avg_sq, v);  // maximum(): NaN if either is NaN
    *max_exp_avg_sq = second;
  }
  const T denom = add_rn(div_rn(sqrt_rn(second), s.bc2_sqrt), s.eps);
  param = add_rn(w, mul_rn(div_rn(m, denom), s.step_size));
  exp_avg = m;
  exp_avg_sq = v;
}

/// One SGD step of one element, in place of param and (with momentum) *momentum_buffer (may be
/// null otherwise); grad is read.
template <class T>
TZ_HOST_DEVICE inline void sgd_update(const SgdScalars<T>& s, T grad, T& param, T* momentum_buffer) {
  T g = grad;
  if (s.maximize) g = -g;
  const T w = param;
  if (s.decay) g = add_rn(g, mul_rn(w, s.wd));
  if (s.use_momentum) {
    const T b = s.first_step ? g : add_rn(mul_rn(*momentum_buffer, s.momentum), mul_rn(g, s.one_minus_dampening));
    *momentum_buffer = b;
    g = s.nesterov ? add_rn(g, mul_rn(b, s.momentum)) : b;
  }
  param = add_rn(w, mul_rn(g, s.step_size));
}

}  // namespace tz::scalar
