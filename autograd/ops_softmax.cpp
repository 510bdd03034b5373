// softmax, log_softmax and masked_softmax. The forward runs the backend's fused kernel when it
// has one and the composite otherwise; both compute 16-bit inputs in f32 and round once.
#include <algorithm>
#include <cmath>

#include "autograd/autocast.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;
using autograd::SavedTensor;

namespace {

bool is_16bit(DType d) { return d == DType::F16 || d == DType::BF16; }
Tensor widen(const Tensor& t) { return is_16bit(t.dtype()) ? to_dtype(t, DType::F32) : t; }

/// Max along dim (kept as size 1), outside autograd: the softmax shift cancels out of the result.
Tensor row_max(const Tensor& x, int64_t dim) {
  Tensor xm = movedim(x.detach(), dim, -1);
  Shape os(xm.shape().begin(), xm.shape().end() - 1);
  Tensor out = dispatch::empty(os, x.dtype(), x.device());
  dispatch::check_supported("softmax", x, ReduceOp::Max, x.dtype());
  dispatch::backend_of(x).reduce(ReduceOp::Max, out.kernel_view(), xm.kernel_view(), 1);
  return unsqueeze(out, dim);
}

/// Runs `kernel` on x moved to a contiguous last-dim layout; undefined when the backend declines.
template <class Kernel>
Tensor on_last_dim(const TensorList& xs, int64_t dim, Kernel kernel) {
  TensorList moved;
  for (const Tensor& x : xs) moved.push_back(dispatch::contiguous(movedim(x, dim, -1)));
  Tensor out = dispatch::empty(moved[0].shape(), moved[0].dtype(), moved[0].device());
  if (!kernel(dispatch::backend_of(out), out, moved)) return {};
  const int64_t last = out.dim() - 1;
  return dim == last ? out : dispatch::contiguous(movedim(out, last, dim));
}

Tensor softmax_forward(const Tensor& x, int64_t dim, bool log) {
  Tensor y = on_last_dim({x}, dim, [&](Backend& be, const Tensor& out, const TensorList& in) {
    return be.softmax(out.kernel_view(), in[0].kernel_view(), log);
  });
  if (y.defined()) return y;
  const Tensor xf = widen(x);
  const Tensor shifted = xf - row_max(xf, dim);
  if (log) y = shifted - tz::log(sum(exp(shifted), {dim}, true));
  else {
    const Tensor e = exp(shifted);
    y = e / sum(e, {dim}, true);
  }
  return to_dtype(y, x.dtype());
}

/// Gradient of (log-)softmax: the fused kernel when no graph is being built for the backward
/// itself, else the composite of differentiable ops (so grad-of-grad works).
Tensor softmax_grad(const Tensor& g, const Tensor& y, int64_t dim, bool log) {
  if (!GradMode::is_enabled()) {
    Tensor gi = on_last_dim({g.to(y.dtype()), y}, dim, [&](Backend& be, const Tensor& out, const TensorList& in) {
      return be.softmax_backward(out.kernel_view(), in[0].kernel_view(), in[1].kernel_view(), log);
    });
    if (gi.defined()) return gi;
  }
  const Tensor gf = widen(g), yf = widen(y);
  const Tensor r = log ? gf - exp(yf) * sum(gf, {dim}, true) : yf * (gf - sum(gf * yf, {dim}, true));
  return to_dtype(r, y.dtype());
}

Tensor softmax_op(const Tensor& x, int64_t dim, bool log) {
  if (autocast::is_enabled()) return autocast::f32([&](const Tensor& x2) { return softmax_op(x2, dim, log); }, x);
  const char* op = log ? "log_softmax" : "softmax";
  TZ_CHECK(is_floating(x.dtype()), op, "expects a floating input, got ", describe(x));
  const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), op);
  Tensor y;
  {
    NoGradGuard no_grad;
    const Tensor xx = x.dim() == 0 ? x.reshape({1}) : x;
    y = xx.numel() == 0 ? dispatch::empty(xx.shape(), x.dtype(), x.device()) : softmax_forward(xx, d, log);
    if (x.dim() == 0) y = dispatch::contiguous(y).reshape({});
  }
  if (autograd::needs_grad({x})) {
    autograd::record(log ? "LogSoftmaxBackward" : "SoftmaxBackward", {x}, {y},
                     [sy = SavedTensor::output(y, 0), d, log](const BackwardArgs& a) {
                       const Tensor y = sy.unpack(&a.node);
                       if (y.dim() == 0) return TensorList{a.grads[0] * 0.0};  // softmax of one element is constant
                       return TensorList{softmax_grad(a.grads[0], y, d, log)};
                     });
  }
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_op(x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_op(x, dim, true); }

Tensor masked_softmax(const Tensor& x, const Tensor& mask, int64_t dim) {
  TZ_CHECK(is_floating(x.dtype()), "masked_softmax", "expects a floating input, got ", describe(x));
  TZ_CHECK(mask.defined() && mask.dtype() == DType::Bool, "masked_softmax", "mask must be bool, got ",
           mask.defined() ? describe(mask) : std::string("undefined"));
  TZ_CHECK(broadcast_shapes(x.shape(), mask.shape(), "masked_softmax") == x.shape(), "masked_softmax", "mask ",
           describe(mask), " must broadcast to the input ", describe(x));
  const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), "masked_softmax");
  if (x.dim() == 0) return masked_softmax(x.reshape({1}), mask.reshape({1}), 0).reshape({});
  if (x.numel() == 0) return x * 0.0;
  // Masked entries become exp(-inf) = 0. The shift is the max over kept entries (0 for a fully
  // masked row), and an all-zero row divides by 1 instead of 0: zeros, not NaN, and finite
  // gradients everywhere.
  const Tensor xf = widen(x);
  const Tensor filled = masked_fill(xf, logical_not(mask), -INFINITY);
  Tensor shift;
  {
    NoGradGuard no_grad;
    shift = row_max(filled, d);
    shift = masked_fill(shift, isinf(shift), 0.0);
  }
  const Tensor e = exp(filled - shift);
  const Tensor s = sum(e, {d}, true);
  return to_dtype(e / where(s > 0.0, s, 1.0), x.dtype());
}

}  // namespace tz
