// Fused optimizer updates: one pass over a parameter instead of the optimizer's composite of
// about twenty small elementwise ops (each with its own output allocation and dispatch).
#include "backends/common/optim_update.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

/// The composite of nn/optim/adam.cpp element by element (backends/common/optim_update.h).
template <class T>
void adam_rows(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, int64_t lo, int64_t hi,
               const AdamScalars<T>& s) {
  for (int64_t i = lo; i < hi; ++i)
    scalar::adam_update(s, grad[i], param[i], exp_avg[i], exp_avg_sq[i], s.amsgrad ? max_exp_avg_sq + i : nullptr);
}

template <class T>
void adam_typed(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
                const TensorView& exp_avg_sq, const TensorView& max_exp_avg_sq, const AdamStepParams& p) {
  const int64_t n = param.numel();
  T* mx = p.amsgrad ? max_exp_avg_sq.ptr<T>() : nullptr;
  const AdamScalars<T> s = adam_scalars<T>(p);
  // Elementwise and independent: large parameters split into chunks across threads.
  const int64_t chunks = n >= 2 * kParallelGrain ? std::min<int64_t>(omp_get_max_threads() * 4, n / kParallelGrain) : 1;
  parallel_for_if(chunks > 1, chunks, [&](int64_t c) {
    adam_rows<T>(param.ptr<T>(), grad.ptr<T>(), exp_avg.ptr<T>(), exp_avg_sq.ptr<T>(), mx, n * c / chunks,
                 n * (c + 1) / chunks, s);
  });
}

/// The composite of nn/optim/sgd.cpp element by element (backends/common/optim_update.h).
template <class T>
void sgd_rows(T* param, const T* grad, T* buf, int64_t lo, int64_t hi, const SgdScalars<T>& s) {
  for (int64_t i = lo; i < hi; ++i) scalar::sgd_update(s, grad[i], param[i], s.use_momentum ? buf + i : nullptr);
}

template <class T>
void sgd_typed(const TensorView& param, const TensorView& grad, const TensorView& buf, const SgdStepParams& p) {
  const int64_t n = param.numel();
  T* b = p.momentum != 0.0 ? buf.ptr<T>() : nullptr;
  const SgdScalars<T> s = sgd_scalars<T>(p);
  const int64_t chunks = n >= 2 * kParallelGrain ? std::min<int64_t>(omp_get_max_threads() * 4, n / kParallelGrain) : 1;
  parallel_for_if(chunks > 1, chunks, [&](int64_t c) {
    sgd_rows<T>(param.ptr<T>(), grad.ptr<T>(), b, n * c / chunks, n * (c + 1) / chunks, s);
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
