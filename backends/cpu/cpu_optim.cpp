// Fused optimizer updates: one pass over a parameter instead of the optimizer's composite of
// about twenty small elementwise ops (each with its own output allocation and dispatch).
#include <cmath>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

/// The composite of nn/optim/adam.cpp element by element: each step is one of its ops, rounded
/// to T, and each number is cast to T on its own as the op's wrapped scalar is. (This file is
/// compiled without FMA contraction, so a * b + c rounds twice as two ops do.)
template <class T>
void adam_rows(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, int64_t lo, int64_t hi,
               const AdamStepParams& p) {
  const T decay = T(1.0 - p.lr * p.weight_decay), wd = T(p.weight_decay);
  const T beta1 = T(p.beta1), one_minus_beta1 = T(1.0 - p.beta1);
  const T beta2 = T(p.beta2), one_minus_beta2 = T(1.0 - p.beta2);
  const T bc2_sqrt = T(p.bias_correction2_sqrt), eps = T(p.eps), step_size = T(-p.lr / p.bias_correction1);
  const bool decay_param = p.weight_decay != 0.0 && p.decoupled_weight_decay;
  const bool decay_grad = p.weight_decay != 0.0 && !p.decoupled_weight_decay;
  for (int64_t i = lo; i < hi; ++i) {
    T g = grad[i];
    if (p.maximize) g = -g;
    T w = param[i];
    if (decay_param) w = w * decay;
    if (decay_grad) g = g + w * wd;
    T m = exp_avg[i] * beta1;
    m = m + g * one_minus_beta1;
    T v = exp_avg_sq[i] * beta2;
    v = v + (g * g) * one_minus_beta2;
    T second = v;
    if (p.amsgrad) {
      const T mx = max_exp_avg_sq[i];
      second = std::isnan(mx) || std::isnan(v) ? mx + v : std::max(mx, v);
      max_exp_avg_sq[i] = second;
    }
    T denom = std::sqrt(second);
    denom = denom / bc2_sqrt;
    denom = denom + eps;
    param[i] = w + (m / denom) * step_size;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
  }
}

template <class T>
void adam_typed(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
                const TensorView& exp_avg_sq, const TensorView& max_exp_avg_sq, const AdamStepParams& p) {
  const int64_t n = param.numel();
  T* mx = p.amsgrad ? max_exp_avg_sq.ptr<T>() : nullptr;
  // Elementwise and independent: large parameters split into chunks across threads.
  const int64_t chunks = n >= 2 * kParallelGrain ? std::min<int64_t>(omp_get_max_threads() * 4, n / kParallelGrain) : 1;
  parallel_for_if(chunks > 1, chunks, [&](int64_t c) {
    adam_rows<T>(param.ptr<T>(), grad.ptr<T>(), exp_avg.ptr<T>(), exp_avg_sq.ptr<T>(), mx, n * c / chunks,
                 n * (c + 1) / chunks, p);
  });
}

/// The composite of nn/optim/sgd.cpp element by element (same rules as adam_rows).
template <class T>
void sgd_rows(T* param, const T* grad, T* buf, int64_t lo, int64_t hi, const SgdStepParams& p) {
  const T wd = T(p.weight_decay), momentum = T(p.momentum), one_minus_dampening = T(1.0 - p.dampening);
  const T step_size = T(-p.lr);
  for (int64_t i = lo; i < hi; ++i) {
    T g = grad[i];
    if (p.maximize) g = -g;
    const T w = param[i];
    if (p.weight_decay != 0.0) g = g + w * wd;
    if (p.momentum != 0.0) {
      T b = g;
      if (!p.first_step) {
        b = buf[i] * momentum;
        b = b + g * one_minus_dampening;
      }
      buf[i] = b;
      g = p.nesterov ? g + b * momentum : b;
    }
    param[i] = w + g * step_size;
  }
}

template <class T>
void sgd_typed(const TensorView& param, const TensorView& grad, const TensorView& buf, const SgdStepParams& p) {
  const int64_t n = param.numel();
  T* b = p.momentum != 0.0 ? buf.ptr<T>() : nullptr;
  const int64_t chunks = n >= 2 * kParallelGrain ? std::min<int64_t>(omp_get_max_threads() * 4, n / kParallelGrain) : 1;
  parallel_for_if(chunks > 1, chunks, [&](int64_t c) {
    sgd_rows<T>(param.ptr<T>(), grad.ptr<T>(), b, n * c / chunks, n * (c + 1) / chunks, p);
  });
}

}  // namespace

bool CpuBackend::sgd_step(const TensorView& param, const TensorView& grad, const TensorView& momentum_buffer,
                          const SgdStepParams& p) {
  if (param.dtype == DType::F32) sgd_typed<float>(param, grad, momentum_buffer, p);
  else if (param.dtype == DType::F64) sgd_typed<double>(param, grad, momentum_buffer, p);
  else return false;
  return true;
}

bool CpuBackend::adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
                           const TensorView& exp_avg_sq, const TensorView& max_exp_avg_sq, const AdamStepParams& p) {
  // 16-bit floats would need a rounding after every op to match the composite: left to it.
  if (param.dtype == DType::F32) adam_typed<float>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, p);
  else if (param.dtype == DType::F64) adam_typed<double>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, p);
  else return false;
  return true;
}

}  // namespace tz::cpu
