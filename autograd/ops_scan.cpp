// Scans: cumsum and cumprod along one dim (optionally from the end), with their gradients.
#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_reduce_detail.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;
using autograd::SavedTensor;

namespace {

/// Runs the backend scan along `dim` (moved to the back of both kernel views). Raw: no autograd.
/// Errors name the op by scan_op_name ("cumsum", "cumprod").
Tensor raw_scan(ScanOp op, const Tensor& x, int64_t dim, bool reverse) {
  dispatch::check_supported(scan_op_name(op), x, OpKey(OpKind::Scan, int(op)), x.dtype());
  Tensor out = dispatch::empty(x.shape(), x.dtype(), x.device());
  auto to_back = [&](const Tensor& t) {
    TensorView v = t.kernel_view();
    if (t.dim() == 0) {
      v.sizes = {1};
      v.strides = {1};
      return v;
    }
    Shape sizes;
    Strides strides;
    for (int64_t i = 0; i < t.dim(); ++i)
      if (i != dim) sizes.push_back(t.size(i)), strides.push_back(t.stride(i));
    sizes.push_back(t.size(dim));
    strides.push_back(t.stride(dim));
    v.sizes = sizes;
    v.strides = strides;
    return v;
  };
  if (x.numel() > 0) dispatch::backend_of(x).scan(op, to_back(out), to_back(x), reverse);
  return out;
}

/// Integer and bool inputs accumulate in int64, as PyTorch.
Tensor scan_input(const Tensor& x) { return is_floating(x.dtype()) ? x : dispatch::cast(x, DType::I64); }

bool has_zero(const Tensor& x) {
  NoGradGuard ng;
  return any(eq(x.detach(), 0)).item<bool>();
}

/// dL/dx_k = sum_{i >= k} g_i prod_{j <= i, j != k} x_j (indices in scan order).
///
/// Without zeros that is rcumsum(g * y)_k / x_k. With zeros, let z be the first zero of a line:
///  - k < z: the division formula still holds (x_k != 0);
///  - k = z: rcumsum(g * cumprod(x1))_z, where x1 is x with x_z replaced by 1;
///  - k > z: every product contains x_z, so the value is x_z * grad(x1)_k = 0. Writing it as that
///    product (instead of a constant 0) keeps its derivative w.r.t. x_z right.
/// grad(x1) recurses once; at the second level the k > z' terms only need a correct value (they
/// are multiplied by x_z = 0 above), so rcumsum(g * cumprod(x2)) is used without recursing.
/// Values and first derivatives are therefore exact for any number of zeros.
Tensor cumprod_grad(const Tensor& g, const Tensor& x, const Tensor& y, int64_t dim, bool reverse, int depth) {
  if (!has_zero(x)) return cumsum(g * y, dim, !reverse) / x;
  const Tensor is_zero = eq(x, 0);
  const Tensor zeros_so_far = cumsum(is_zero, dim, reverse);
  const Tensor before = eq(zeros_so_far, 0);
  const Tensor first = logical_and(is_zero, eq(zeros_so_far, 1));
  const Tensor a = cumsum(g * y, dim, !reverse) / where(is_zero, 1.0, x);
  const Tensor x1 = where(first, 1.0, x);
  const Tensor y1 = cumprod(x1, dim, reverse);
  const Tensor b = depth == 0 ? cumprod_grad(g, x1, y1, dim, reverse, depth + 1) : cumsum(g * y1, dim, !reverse);
  const Tensor x_first = sum(where(first, x, 0.0), {dim}, /*keepdim=*/true);  // 0, but carries d/dx_z
  return where(before, a, where(first, b, x_first * b));
}

}  // namespace

namespace detail {
Tensor cumprod_backward(const Tensor& g, const Tensor& x, const Tensor& y, int64_t dim, bool reverse) {
  if (x.dim() == 0) return g;
  return cumprod_grad(g, x, y, wrap_dim(dim, x.dim(), "cumprod"), reverse, 0);
}
}  // namespace detail

Tensor cumsum(const Tensor& x0, int64_t dim, bool reverse) {
  const Tensor x = scan_input(x0);
  const int64_t d = wrap_dim(dim, x.dim(), "cumsum");
  Tensor y = raw_scan(ScanOp::CumSum, x, d, reverse);
  if (autograd::needs_grad({x})) {
    autograd::record("CumsumBackward", {x}, {y}, [d, reverse, zero_d = x.dim() == 0](const BackwardArgs& a) {
      // Each input feeds every later output: the gradient is the cumsum of g from the other end.
      return TensorList{zero_d ? a.grads[0] : cumsum(a.grads[0], d, !reverse)};
    });
  }
  return y;
}

Tensor cumprod(const Tensor& x0, int64_t dim, bool reverse) {
  const Tensor x = scan_input(x0);
  const int64_t d = wrap_dim(dim, x.dim(), "cumprod");
  Tensor y = raw_scan(ScanOp::CumProd, x, d, reverse);
  if (autograd::needs_grad({x})) {
    autograd::record("CumprodBackward", {x}, {y},
                     [sx = SavedTensor::input(x), sy = SavedTensor::output(y, 0), d, reverse](const BackwardArgs& a) {
                       return TensorList{detail::cumprod_backward(a.grads[0], sx.unpack(), sy.unpack(&a.node), d, reverse)};
                     });
  }
  return y;
}

}  // namespace tz
