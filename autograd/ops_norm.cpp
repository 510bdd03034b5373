// Normalisations: layer_norm (fused forward when the backend has it), rms_norm, batch_norm and
// group_norm. 16-bit inputs are normalised in f32 and rounded once, as PyTorch's CPU kernels do.
#include <limits>

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
Tensor widen(const Tensor& t) { return t.defined() && is_16bit(t.dtype()) ? to_dtype(t, DType::F32) : t; }

/// The trailing `k` dims of an n-d tensor.
Dims trailing_dims(int64_t n, int64_t k) {
  Dims d;
  for (int64_t i = n - k; i < n; ++i) d.push_back(i);
  return d;
}

/// Checks x ends with normalized_shape and that weight/bias (when given) have exactly that shape.
void check_normalized(const char* op, const Tensor& x, const Shape& ns, const Tensor& w, const Tensor& b) {
  TZ_CHECK(is_floating(x.dtype()), op, "expects a floating input, got ", describe(x));
  const int64_t k = int64_t(ns.size());
  TZ_CHECK(k > 0, op, "normalized_shape must name at least one dim, got ", shape_str(ns));
  bool ok = x.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = x.size(x.dim() - k + i) == ns[size_t(i)];
  TZ_CHECK(ok, op, "given normalized_shape=", shape_str(ns), ", expected input with shape [*, ",
           shape_str(ns).substr(1), " but got input ", describe(x));
  for (const Tensor* p : {&w, &b})
    if (p->defined()) {
      TZ_CHECK(p->shape() == ns, op, (p == &w ? "weight " : "bias "), describe(*p), " must have the normalized shape ",
               shape_str(ns));
      TZ_CHECK(p->dtype() == x.dtype(), op, "expected ", (p == &w ? "weight " : "bias "), describe(*p),
               " to have the input's dtype ", dtype_name(x.dtype()));
    }
}

/// Composite layer norm over `dims` in f32/f64 (also the reference for the fused kernel).
Tensor layer_norm_composite(const Tensor& x, const Dims& dims, const Tensor& w, const Tensor& b, double eps) {
  const Tensor xf = widen(x);
  const Tensor xc = xf - mean(xf, dims, true);
  Tensor y = xc * rsqrt(mean(xc * xc, dims, true) + eps);
  if (w.defined()) y = y * widen(w);
  if (b.defined()) y = y + widen(b);
  return to_dtype(y, x.dtype());
}

/// The fused kernel on [rows, n]; undefined when the backend declines.
Tensor layer_norm_fused(const Tensor& x, int64_t n, const Tensor& w, const Tensor& b, double eps) {
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  const Tensor xc = dispatch::contiguous(x).reshape({rows, n});
  const DType stat = is_16bit(x.dtype()) ? DType::F32 : x.dtype();
  Tensor out = dispatch::empty({rows, n}, x.dtype(), x.device());
  Tensor mu = dispatch::empty({rows}, stat, x.device()), rstd = dispatch::empty({rows}, stat, x.device());
  auto flat = [&](const Tensor& t) {
    if (!t.defined()) return TensorView{nullptr, x.dtype(), {n}, {1}};
    return dispatch::contiguous(t).reshape({n}).kernel_view();
  };
  const Tensor wc = w.defined() ? dispatch::contiguous(w) : Tensor(), bc = b.defined() ? dispatch::contiguous(b) : Tensor();
  if (!dispatch::backend_of(x).layer_norm(out.kernel_view(), mu.kernel_view(), rstd.kernel_view(), xc.kernel_view(),
                                          flat(wc), flat(bc), eps))
    return {};
  return out.reshape(x.shape());
}

/// Flat [n] kernel view of an optional per-feature tensor (null data when undefined).
TensorView feature_view(const Tensor& t, int64_t n, DType dtype) {
  if (!t.defined()) return TensorView{nullptr, dtype, {n}, {1}};
  return t.kernel_view();
}

/// The backend's fused layer_norm / rms_norm backward on [rows, n] views; an empty list when
/// the backend declines (the caller runs the composite). Only used when no graph is built for
/// the backward itself (the fused kernel is not differentiable).
TensorList norm_backward_fused(const Tensor& x, const Tensor& w, bool has_b, const Shape& bshape, const Tensor& g,
                               int64_t n, double eps, const std::vector<bool>& needs, bool rms) {
  if (GradMode::is_enabled() || n == 0 || x.numel() == 0 || g.dtype() != x.dtype() || g.shape() != x.shape()) return {};
  const int64_t rows = x.numel() / n;
  const Tensor xc = dispatch::contiguous(x).reshape({rows, n}), gc = dispatch::contiguous(g).reshape({rows, n});
  const Tensor wc = w.defined() ? dispatch::contiguous(w).reshape({n}) : Tensor();
  Tensor gi = dispatch::empty({rows, n}, x.dtype(), x.device());
  Tensor gw = w.defined() && needs[1] ? dispatch::empty({n}, x.dtype(), x.device()) : Tensor();
  Tensor gb = !rms && has_b && needs[2] ? dispatch::empty({n}, x.dtype(), x.device()) : Tensor();
  Backend& be = dispatch::backend_of(x);
  const bool ok = rms ? be.rms_norm_backward(gi.kernel_view(), feature_view(gw, n, x.dtype()), gc.kernel_view(),
                                             xc.kernel_view(), feature_view(wc, n, x.dtype()), eps)
                      : be.layer_norm_backward(gi.kernel_view(), feature_view(gw, n, x.dtype()),
                                               feature_view(gb, n, x.dtype()), gc.kernel_view(), xc.kernel_view(),
                                               feature_view(wc, n, x.dtype()), eps);
  if (!ok) return {};
  TensorList r(rms ? 2 : 3);
  if (needs[0]) r[0] = gi.reshape(x.shape());
  if (gw.defined()) r[1] = gw.reshape(w.shape());
  if (gb.defined()) r[2] = gb.reshape(bshape);
  return r;
}

/// rms_norm through the backend's fused kernel (forward recorded with RmsNormBackward);
/// undefined when the backend declines.
Tensor rms_norm_fused(const Tensor& x, const Dims& dims, int64_t n, const Tensor& w, double eps) {
  if (n == 0 || x.numel() == 0) return {};
  Tensor y;
  {
    NoGradGuard no_grad;
    const int64_t rows = x.numel() / n;
    const Tensor xc = dispatch::contiguous(x).reshape({rows, n});
    const Tensor wc = w.defined() ? dispatch::contiguous(w).reshape({n}) : Tensor();
    Tensor out = dispatch::empty({rows, n}, x.dtype(), x.device());
    const DType stat = is_16bit(x.dtype()) ? DType::F32 : x.dtype();
    if (!dispatch::backend_of(x).rms_norm(out.kernel_view(), TensorView{nullptr, stat, {rows}, {1}}, xc.kernel_view(),
                                          feature_view(wc, n, x.dtype()), eps))
      return {};
    y = out.reshape(x.shape());
  }
  if (autograd::needs_grad({x, w})) {
    autograd::record("RmsNormBackward", {x, w}, {y},
                     [sx = SavedTensor::input(x), sw = SavedTensor::input(w), dims, n, eps](const BackwardArgs& a) {
                       const Tensor X = sx.unpack(), W = sw.unpack();
                       TensorList fused = norm_backward_fused(X, W, false, {}, a.grads[0], n, eps, a.needs_input_grad, true);
                       if (!fused.empty()) return fused;
                       // Differentiable form (double backward): with r = rsqrt(mean(x^2) + eps),
                       // dx = r * gh - x * r^3 * mean(gh * x), dw = sum(g * x * r).
                       const Tensor xf = widen(X), g = widen(a.grads[0]);
                       const Tensor r = rsqrt(mean(xf * xf, dims, true) + eps);
                       const Tensor gh = W.defined() ? g * widen(W) : g;
                       TensorList out(2);
                       if (a.needs_input_grad[0])
                         out[0] = to_dtype(r * gh - xf * (r * r * r) * mean(gh * xf, dims, true), X.dtype());
                       if (W.defined() && a.needs_input_grad[1])
                         out[1] = to_dtype(autograd::sum_to(g * xf * r, W.shape()), W.dtype());
                       return out;
                     });
  }
  return y;
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias, double eps) {
  if (autocast::is_enabled())
    return autocast::f32([&](const Tensor& x2, const Tensor& w2, const Tensor& b2) { return layer_norm(x2, normalized_shape, w2, b2, eps); },
                         x, weight, bias);
  check_normalized("layer_norm", x, normalized_shape, weight, bias);
  const Dims dims = trailing_dims(x.dim(), int64_t(normalized_shape.size()));
  const int64_t n = numel_of(normalized_shape);
  Tensor y;
  {
    NoGradGuard no_grad;
    if (x.numel() == 0) y = dispatch::empty(x.shape(), x.dtype(), x.device());
    else {
      y = layer_norm_fused(x, n, weight, bias, eps);
      if (!y.defined()) y = layer_norm_composite(x, dims, weight, bias, eps);
    }
  }
  if (autograd::needs_grad({x, weight, bias})) {
    autograd::record("LayerNormBackward", {x, weight, bias}, {y},
                     [sx = SavedTensor::input(x), sw = SavedTensor::input(weight), has_b = bias.defined(),
                      bshape = bias.defined() ? bias.shape() : Shape{}, dims, n, eps](const BackwardArgs& a) {
                       // The statistics are recomputed from x with differentiable ops, so the
                       // gradient itself can be differentiated again.
                       const Tensor X = sx.unpack(), W = sw.unpack();
                       TensorList fused = norm_backward_fused(X, W, has_b, bshape, a.grads[0], n, eps, a.needs_input_grad, false);
                       if (!fused.empty()) return fused;
                       const Tensor xf = widen(X), g = widen(a.grads[0]);
                       const Tensor xc = xf - mean(xf, dims, true);
                       const Tensor rstd = rsqrt(mean(xc * xc, dims, true) + eps);
                       const Tensor xhat = xc * rstd;
                       const Tensor gh = W.defined() ? g * widen(W) : g;
                       TensorList r(3);
                       if (a.needs_input_grad[0])
                         r[0] = to_dtype(rstd * (gh - mean(gh, dims, true) - xhat * mean(gh * xhat, dims, true)), X.dtype());
                       if (a.needs_input_grad[1]) r[1] = to_dtype(autograd::sum_to(g * xhat, W.shape()), W.dtype());
                       if (has_b && a.needs_input_grad[2]) r[2] = to_dtype(autograd::sum_to(g, bshape), a.grads[0].dtype());
                       return r;
                     });
  }
  return y;
}

Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, std::optional<double> eps) {
  if (autocast::is_enabled())
    return autocast::f32([&](const Tensor& x2, const Tensor& w2) { return rms_norm(x2, normalized_shape, w2, eps); }, x, weight);
  check_normalized("rms_norm", x, normalized_shape, weight, Tensor());
  const Dims dims = trailing_dims(x.dim(), int64_t(normalized_shape.size()));
  double e = 0;
  if (eps) e = *eps;
  else {
    switch (x.dtype()) {
      case DType::F64: e = std::numeric_limits<double>::epsilon(); break;
      case DType::F16: e = 0.0009765625; break;  // torch.finfo(float16).eps
      case DType::BF16: e = 0.0078125; break;    // torch.finfo(bfloat16).eps
      default: e = std::numeric_limits<float>::epsilon(); break;
    }
  }
  const Tensor fused = rms_norm_fused(x, dims, numel_of(normalized_shape), weight, e);
  if (fused.defined()) return fused;
  const Tensor xf = widen(x);
  Tensor y = xf * rsqrt(mean(xf * xf, dims, true) + e);
  if (weight.defined()) y = y * widen(weight);
  return to_dtype(y, x.dtype());
}

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  TZ_CHECK(is_floating(x.dtype()), "batch_norm", "expects a floating input, got ", describe(x));
  TZ_CHECK(x.dim() >= 2, "batch_norm", "expects an input [N, C, *], got ", describe(x));
  const int64_t C = x.size(1);
  for (const Tensor* p : {&running_mean, &running_var, &weight, &bias})
    if (p->defined())
      TZ_CHECK(p->dim() == 1 && p->size(0) == C, "batch_norm", "per-channel tensors must be [", C, "] for input ",
               describe(x), ", got ", describe(*p));
  TZ_CHECK(running_mean.defined() == running_var.defined(), "batch_norm",
           "running_mean and running_var must both be given or both be undefined");
  Dims dims{0};
  Shape bshape(size_t(x.dim()), 1);
  bshape[1] = C;
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  const Tensor xf = widen(x);
  Tensor mu, var;
  if (training) {
    const int64_t n = C == 0 ? 0 : x.numel() / C;
    TZ_CHECK(n > 1, "batch_norm", "expected more than 1 value per channel when training, got input ", describe(x));
    mu = mean(xf, dims, true);
    var = mean(square(xf - mu), dims, true);
    if (running_mean.defined()) {
      // Running statistics are buffers: updated in place, outside the graph, with the unbiased
      // variance (PyTorch's convention).
      NoGradGuard no_grad;
      const Tensor bm = mu.detach().reshape({C}), bv = var.detach().reshape({C}) * (double(n) / double(n - 1));
      dispatch::copy_into(running_mean, widen(running_mean) * (1.0 - momentum) + bm * momentum);
      dispatch::copy_into(running_var, widen(running_var) * (1.0 - momentum) + bv * momentum);
      running_mean.bump_version();
      running_var.bump_version();
    }
  } else {
    TZ_CHECK(running_mean.defined(), "batch_norm", "running_mean and running_var must be defined in evaluation mode");
    mu = widen(running_mean).reshape(bshape);
    var = widen(running_var).reshape(bshape);
  }
  Tensor y = (xf - mu) * rsqrt(var + eps);
  if (weight.defined()) y = y * widen(weight).reshape(bshape);
  if (bias.defined()) y = y + widen(bias).reshape(bshape);
  return to_dtype(y, x.dtype());
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  if (autocast::is_enabled())
    return autocast::f32([&](const Tensor& x2, const Tensor& w2, const Tensor& b2) { return group_norm(x2, num_groups, w2, b2, eps); },
                         x, weight, bias);
  TZ_CHECK(x.dim() >= 2, "group_norm", "expects an input [N, C, *], got ", describe(x));
  const int64_t N = x.size(0), C = x.size(1);
  TZ_CHECK(num_groups > 0 && C % num_groups == 0, "group_norm", "expected the number of channels ", C,
           " to be divisible by num_groups=", num_groups, " (input ", describe(x), ")");
  for (const Tensor* p : {&weight, &bias})
    if (p->defined())
      TZ_CHECK(p->dim() == 1 && p->size(0) == C, "group_norm", "weight and bias must be [", C, "] for input ",
               describe(x), ", got ", describe(*p));
  const int64_t group_size = C / num_groups * numel_of(Shape(x.shape().begin() + 2, x.shape().end()));
  Tensor y = layer_norm(reshape(x, {N, num_groups, group_size}), {group_size}, Tensor(), Tensor(), eps).reshape(x.shape());
  Shape bshape(size_t(x.dim()), 1);
  bshape[1] = C;
  if (weight.defined()) y = y * weight.reshape(bshape);
  if (bias.defined()) y = y + bias.reshape(bshape);
  return y;
}

}  // namespace tz
