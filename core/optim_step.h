#pragma once
/// The numbers of one fused optimizer step (Backend::adam_step / sgd_step, core/backend.h) in the
/// parameter's dtype T: each is rounded to T on its own, as the optimizer composite's wrapped
/// scalars are, so a backend's fused kernel computes exactly what the composite computes. Shared
/// by the CPU (backends/cpu/cpu_optim.cpp) and CUDA (backends/cuda/cuda_optim.cu) kernels; plain
/// trivially copyable structs, so they can be passed to a device kernel by value.
#include "core/backend.h"

namespace tz {

template <class T>
struct AdamScalars {
  T decay, wd, beta1, one_minus_beta1, beta2, one_minus_beta2, bc2_sqrt, eps, step_size;
  bool decay_param;  // AdamW: p *= 1 - lr * weight_decay
  bool decay_grad;   // Adam with L2: g += weight_decay * p
  bool amsgrad, maximize;
};

template <class T>
AdamScalars<T> adam_scalars(const AdamStepParams& p) {
  AdamScalars<T> s;
  s.decay = T(1.0 - p.lr * p.weight_decay);
  s.wd = T(p.weight_decay);
  s.beta1 = T(p.beta1);
  s.one_minus_beta1 = T(1.0 - p.beta1);
  s.beta2 = T(p.beta2);
  s.one_minus_beta2 = T(1.0 - p.beta2);
  s.bc2_sqrt = T(p.bias_correction2_sqrt);
  s.eps = T(p.eps);
  s.step_size = T(-p.lr / p.bias_correction1);
  s.decay_param = p.weight_decay != 0.0 && p.decoupled_weight_decay;
  s.decay_grad = p.weight_decay != 0.0 && !p.decoupled_weight_decay;
  s.amsgrad = p.amsgrad;
  s.maximize = p.maximize;
  return s;
}

template <class T>
struct SgdScalars {
  T wd, momentum, one_minus_dampening, step_size;
  bool decay, use_momentum, first_step, nesterov, maximize;
};

template <class T>
SgdScalars<T> sgd_scalars(const SgdStepParams& p) {
  SgdScalars<T> s;
  s.wd = T(p.weight_decay);
  s.momentum = T(p.momentum);
  s.one_minus_dampening = T(1.0 - p.dampening);
  s.step_size = T(-p.lr);
  s.decay = p.weight_decay != 0.0;
  s.use_momentum = p.momentum != 0.0;
  s.first_step = p.first_step;
  s.nesterov = p.nesterov;
  s.maximize = p.maximize;
  return s;
}

}  // namespace tz
