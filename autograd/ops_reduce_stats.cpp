// Statistics and norms: var/std, logsumexp and the vector p-norms.
#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_reduce_detail.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "autograd/record.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz {

using autograd::BackwardArgs;
using autograd::SavedTensor;

namespace {

bool is_half(DType dt) { return dt == DType::F16 || dt == DType::BF16; }

/// 16-bit inputs are reduced in float32 (their sums of squares and exponentials overflow or lose
/// all precision in 16 bits) and the result is cast back, as PyTorch accumulates them.
Tensor widen(const Tensor& x) { return is_half(x.dtype()) ? dispatch::cast(x, DType::F32) : x; }

}  // namespace

Tensor var(const Tensor& x, const Dims& dims, int64_t correction, bool keepdim) {
  TZ_CHECK(is_floating(x.dtype()), "var", "expects a floating input, got ", describe(x));
  const Dims rd = detail::reduction_dims(x, dims, "var");
  // PyTorch divides by max(0, N - correction): a non-positive count gives inf or nan.
  const double denom = double(std::max<int64_t>(0, detail::reduced_numel(x, rd) - correction));
  Tensor y;
  {
    NoGradGuard ng;
    const Tensor xw = widen(x.detach());
    const Tensor centered = xw - mean(xw, rd, /*keepdim=*/true);
    y = dispatch::cast(sum(centered * centered, rd, keepdim) / denom, x.dtype());
  }
  if (autograd::needs_grad({x})) {
    autograd::record("VarBackward", {x}, {y}, [sx = SavedTensor::input(x), rd, keepdim, denom](const BackwardArgs& a) {
      const Tensor x = sx.unpack();
      const Tensor centered = x - mean(x, rd, /*keepdim=*/true);
      return TensorList{detail::unsqueeze_back(a.grads[0], rd, keepdim) * centered * (2.0 / denom)};
    });
  }
  return y;
}

// The square root's own backward (SqrtBackward) chains onto VarBackward.
Tensor std(const Tensor& x, const Dims& dims, int64_t correction, bool keepdim) {
  TZ_CHECK(is_floating(x.dtype()), "std", "expects a floating input, got ", describe(x));
  return sqrt(var(x, dims, correction, keepdim));
}

Tensor logsumexp(const Tensor& x0, const Dims& dims, bool keepdim) {
  // Integers promote to the default float, as PyTorch.
  const Tensor x = is_floating(x0.dtype()) ? x0 : dispatch::cast(x0, kDefaultFloat);
  const Dims rd = detail::reduction_dims(x, dims, "logsumexp");
  Tensor y;
  {
    NoGradGuard ng;
    const Tensor xw = widen(x.detach());
    // Shift by the max so exp cannot overflow; an infinite max (all -inf, or some +inf) shifts
    // by 0 so that -inf - -inf never makes a NaN. An empty reduction gives log(0) = -inf.
    Tensor m = detail::reduced_numel(x, rd) == 0 ? zeros(detail::reduced_shape(x, rd, true), TensorOptions(xw.dtype(), x.device()))
                                                 : detail::raw_reduce(ReduceOp::Max, xw, rd, /*keepdim=*/true);
    m = where(isinf(m), 0.0, m);
    Tensor r = log(sum(exp(xw - m), rd, /*keepdim=*/true)) + m;
    y = dispatch::cast(keepdim ? r : r.reshape(detail::reduced_shape(x, rd, false)), x.dtype());
  }
  if (autograd::needs_grad({x})) {
    autograd::record("LogsumexpBackward", {x},
                     {y}, [sx = SavedTensor::input(x), sy = SavedTensor::output(y, 0), rd, keepdim](const BackwardArgs& a) {
                       const Tensor x = sx.unpack(), yb = detail::unsqueeze_back(sy.unpack(&a.node), rd, keepdim);
                       return TensorList{detail::unsqueeze_back(a.grads[0], rd, keepdim) * exp(x - yb)};
                     });
  }
  return y;
}

namespace {

/// Gradient of the p-norm y of x (y and g already broadcast against x).
Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& y, double p, const Dims& rd) {
  if (p == 0.0) return g * zeros_like(x);  // a count: zero gradient everywhere
  if (p == 1.0) return g * sign(x);
  if (std::isinf(p)) {
    // Split evenly among the elements whose |x| attains the max (min for -inf).
    const Tensor mask = to_dtype(eq(abs(x).detach(), y.detach()), x.dtype());
    return g * sign(x) * (mask / sum(mask, rd, /*keepdim=*/true));
  }
  // A zero norm means a zero slice: its (sub)gradient is 0, and a safe divisor keeps NaNs out of
  // the higher derivatives.
  const Tensor safe = where(eq(y.detach(), 0), 1.0, y);
  if (p == 2.0) return g * x / safe;
  return g * sign(x) * pow(abs(x), p - 1.0) / pow(safe, p - 1.0);
}

}  // namespace

Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim) {
  TZ_CHECK(is_floating(x.dtype()), "norm", "expects a floating input, got ", describe(x));
  TZ_CHECK(!std::isnan(p), "norm", "p must not be NaN");
  const Dims rd = detail::reduction_dims(x, dims, "norm");
  if (std::isinf(p)) detail::check_nonempty(x, rd, "norm");
  Tensor y;
  {
    NoGradGuard ng;
    const Tensor a = abs(widen(x.detach()));
    if (p == 0.0) y = sum(to_dtype(ne(a, 0), a.dtype()), rd, keepdim);
    else if (p == 1.0) y = sum(a, rd, keepdim);
    else if (p == 2.0) y = sqrt(sum(a * a, rd, keepdim));
    else if (std::isinf(p)) y = detail::raw_reduce(p > 0 ? ReduceOp::Max : ReduceOp::Min, a, rd, keepdim);
    else y = pow(sum(pow(a, p), rd, keepdim), 1.0 / p);
    y = dispatch::cast(y, x.dtype());
  }
  if (autograd::needs_grad({x})) {
    autograd::record("NormBackward", {x}, {y},
                     [sx = SavedTensor::input(x), sy = SavedTensor::output(y, 0), p, rd, keepdim](const BackwardArgs& a) {
                       const Tensor yb = detail::unsqueeze_back(sy.unpack(&a.node), rd, keepdim);
                       return TensorList{norm_backward(detail::unsqueeze_back(a.grads[0], rd, keepdim), sx.unpack(), yb, p, rd)};
                     });
  }
  return y;
}

}  // namespace tz
