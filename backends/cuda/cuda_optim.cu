// Fused optimizer updates on CUDA (Adam/AdamW and SGD): one kernel per parameter instead of the
// optimizers' composites of up to twenty elementwise ops (each a launch and an allocation). Each
// element gets exactly what the composite gives (core/backend.h, Backend::adam_step / sgd_step,
// the CPU's cpu_optim.cpp calls the same element update, backends/common/optim_update.h, whose
// device steps are _rn intrinsics so that nvcc cannot contract a * b + c into one fused
// multiply-add).
#include <cmath>

#include "backends/common/optim_update.h"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_launch.cuh"

namespace tz::cuda_backend {
namespace {

template <class T>
__global__ void adam_kernel(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, int64_t n,
                            AdamScalars<T> s) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    scalar::adam_update(s, grad[i], param[i], exp_avg[i], exp_avg_sq[i], s.amsgrad ? max_exp_avg_sq + i : nullptr);
}

template <class T>
void launch_adam(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
                 const TensorView& exp_avg_sq, const TensorView& max_exp_avg_sq, const AdamStepParams& p) {
  const AdamScalars<T> s = adam_scalars<T>(p);
  const int64_t n = param.numel();
  auto* kernel = adam_kernel<T>;
  TZ_LAUNCH_KERNEL(kernel, grid_for(n), kThreads, 0, current_stream(), param.ptr<T>(), grad.ptr<const T>(),
                   exp_avg.ptr<T>(), exp_avg_sq.ptr<T>(), p.amsgrad ? max_exp_avg_sq.ptr<T>() : nullptr, n, s);
  TZ_CUDA_CHECK_LAUNCH();
}

template <class T>
__global__ void sgd_kernel(T* param, const T* grad, T* buf, int64_t n, SgdScalars<T> s) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    scalar::sgd_update(s, grad[i], param[i], s.use_momentum ? buf + i : nullptr);
}

template <class T>
void launch_sgd(const TensorView& param, const TensorView& grad, const TensorView& buf, const SgdStepParams& p) {
  const SgdScalars<T> s = sgd_scalars<T>(p);
  const int64_t n = param.numel();
  auto* kernel = sgd_kernel<T>;
  TZ_LAUNCH_KERNEL(kernel, grid_for(n), kThreads, 0, current_stream(), param.ptr<T>(), grad.ptr<const T>(),
                   s.use_momentum ? buf.ptr<T>() : nullptr, n, s);
  TZ_CUDA_CHECK_LAUNCH();
}

}  // namespace

/// The fused step for f32 / f64 parameters (16-bit ones would need a rounding after every op to
/// match the composite: left to it, as on the CPU).
bool adam_step_kernel(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
                      const TensorView& exp_avg_sq, const TensorView& max_exp_avg_sq, const AdamStepParams& p) {
  if (param.numel() == 0) return true;
  if (param.dtype == DType::F32) launch_adam<float>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, p);
  else if (param.dtype == DType::F64) launch_adam<double>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, p);
  else return false;
  return true;
}

bool sgd_step_kernel(const TensorView& param, const TensorView& grad, const TensorView& momentum_buffer,
                     const SgdStepParams& p) {
  if (param.numel() == 0) return true;
  if (param.dtype == DType::F32) launch_sgd<float>(param, grad, momentum_buffer, p);
  else if (param.dtype == DType::F64) launch_sgd<double>(param, grad, momentum_buffer, p);
  else return false;
  return true;
}

bool CudaBackend::adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
                            const TensorView& exp_avg_sq, const TensorView& max_exp_avg_sq, const AdamStepParams& p) {
  return adam_step_kernel(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, p);
}

bool CudaBackend::sgd_step(const TensorView& param, const TensorView& grad, const TensorView& momentum_buffer,
                           const SgdStepParams& p) {
  return sgd_step_kernel(param, grad, momentum_buffer, p);
}

}  // namespace tz::cuda_backend
