#pragma once
/// Automatic mixed precision (PyTorch's torch.autocast): inside a Guard scope, the ops that gain
/// from lower precision run in the autocast dtype and the ones that need range run in f32:
///
///   {
///     tz::autocast::Guard amp(DType::BF16);   // or DType::F16 (pair with optim::GradScaler)
///     Tensor logits = model.forward(x);        // linear/matmul/conv/attention: bf16
///     Tensor loss = cross_entropy(logits, y);  // softmax/norms/losses: f32
///   }
///   loss.backward();  // f32 parameters get f32 gradients (the casts are differentiable)
///
/// Lower-precision ops (inputs cast to the autocast dtype): matmul, mm, bmm, linear, einsum,
/// every convolution (conv1d/2d/3d, conv_transpose*), scaled_dot_product_attention.
/// F32 ops (16-bit inputs cast up to f32): softmax, log_softmax, layer_norm, rms_norm,
/// group_norm, and the losses (cross_entropy, nll_loss, binary_cross_entropy(_with_logits),
/// mse_loss, l1_loss, smooth_l1_loss, kl_div). Other ops run on the dtypes they get (mixed
/// operands promote as usual). Only floating tensors other than f64 are cast, as in PyTorch.
///
/// Differences from PyTorch: one thread-local state covers every device (CPU autocast works
/// the same way, which is how the tests run without a GPU); casts of weights are not cached
/// across ops within a scope; the elementwise f32 ops of PyTorch's list (exp, log, pow, sum,
/// ...) are not hooked. Inside a hooked op autocast is suspended, so its internals run exactly
/// as written on the cast inputs; the autograd engine also suspends it while running backward.
#include <tuple>
#include <utility>

#include "core/tensor.h"

namespace tz::autocast {

/// Whether autocast is active on this thread.
bool is_enabled();
/// The lower-precision dtype of the active scope (BF16 by default).
DType dtype();

/// Enables autocast with `dtype` (BF16 or F16) for the scope; Guard(dtype, false) disables it
/// (PyTorch's autocast(enabled=False) inside an autocast region). Restores the previous state.
class Guard {
 public:
  explicit Guard(DType dtype = DType::BF16, bool enabled = true);
  ~Guard();
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  bool prev_enabled_;
  DType prev_dtype_;
};

/// Turns autocast off for the scope, keeping its dtype (used inside hooked ops and by the
/// autograd engine).
class Suspend {
 public:
  Suspend();
  ~Suspend();
  Suspend(const Suspend&) = delete;
  Suspend& operator=(const Suspend&) = delete;

 private:
  bool prev_enabled_;
};

/// `t` in the autocast dtype when it is a floating tensor other than f64 (differentiable cast);
/// undefined and other tensors pass through.
Tensor to_lower(const Tensor& t);
/// `t` in f32 when it is a 16-bit floating tensor; others pass through.
Tensor to_f32(const Tensor& t);

/// The hooks at the top of the listed ops: call `op` on the cast tensors with autocast
/// suspended, e.g.  if (autocast::is_enabled()) return autocast::lower(
///   [&](const Tensor& a2, const Tensor& b2) { return matmul(a2, b2); }, a, b);
template <class Op, class... Ts>
auto lower(Op&& op, const Ts&... tensors) {
  auto cast = std::make_tuple(to_lower(tensors)...);
  Suspend off;
  return std::apply(std::forward<Op>(op), cast);
}
template <class Op, class... Ts>
auto f32(Op&& op, const Ts&... tensors) {
  auto cast = std::make_tuple(to_f32(tensors)...);
  Suspend off;
  return std::apply(std::forward<Op>(op), cast);
}

}  // namespace tz::autocast
