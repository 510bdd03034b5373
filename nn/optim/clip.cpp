#include "nn/optim/clip.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"

namespace tz::nn::utils {

Tensor clip_grad_norm_(const TensorList& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  const char* op = "clip_grad_norm_";
  NoGradGuard no_grad;
  TensorList grads;
  for (const Tensor& p : params)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return scalar_tensor(0.0);
  // Per-gradient norms, combined in the widest floating dtype among them on the first device.
  DType dtype = grads.front().dtype();
  for (const Tensor& g : grads) dtype = promote(dtype, g.dtype());
  const Device device = grads.front().device();
  TensorList norms;
  for (const Tensor& g : grads) norms.push_back(norm(g, norm_type).to(device, dtype));
  const Tensor total = norm(stack(norms), norm_type);
  if (error_if_nonfinite) {
    const double value = total.item<double>();
    TZ_CHECK(std::isfinite(value), op, "the total norm of order ", norm_type, " for gradients from `parameters` is ",
             value, ": set error_if_nonfinite=false to clip anyway");
  }
  // A tensor coefficient (no host sync) as PyTorch; multiplying by 1 leaves small norms unchanged.
  const Tensor coef = clamp_max(max_norm / (total + 1e-6), Scalar(1.0));
  for (Tensor g : grads) g.mul_(coef.to(g.device(), g.dtype()));
  return total;
}

void clip_grad_value_(const TensorList& params, double clip_value) {
  TZ_CHECK(clip_value >= 0.0, "clip_grad_value_", "clip_value must be non-negative, got ", clip_value);
  NoGradGuard no_grad;
  for (const Tensor& p : params) {
    if (!p.defined()) continue;
    Tensor g = p.grad();
    if (g.defined()) g.clamp_(Scalar(-clip_value), Scalar(clip_value));
  }
}

}  // namespace tz::nn::utils
