// Extrema: amax/amin, max/min (over all, or along a dim with indices) and argmax/argmin.
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

/// Max/min values over `dims`. The gradient is split evenly among the elements equal to the
/// result (as torch.amax), NaNs counting as equal to a NaN result.
Tensor extremum(ReduceOp op, const Tensor& x, const Dims& dims, bool keepdim, const char* name, const char* node) {
  const Dims rd = detail::reduction_dims(x, dims, name);
  detail::check_nonempty(x, rd, name);
  Tensor y = detail::raw_reduce(op, x, rd, keepdim);
  if (autograd::needs_grad({x})) {
    autograd::record(node, {x}, {y},
                     [sx = SavedTensor::input(x), sy = SavedTensor::output(y, 0), rd, keepdim](const BackwardArgs& a) {
                       const Tensor x = sx.unpack(), yb = detail::unsqueeze_back(sy.unpack(&a.node).detach(), rd, keepdim);
                       const Tensor hit = logical_or(eq(x, yb), logical_and(isnan(x), isnan(yb)));
                       const Tensor mask = to_dtype(hit, x.dtype());
                       const Tensor count = sum(mask, rd, /*keepdim=*/true);
                       return TensorList{detail::unsqueeze_back(a.grads[0], rd, keepdim) * (mask / count)};
                     });
  }
  return y;
}

/// Values and first indices along one dim; the gradient goes to the chosen index only.
ValuesIndices extremum_dim(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim, const char* node) {
  const char* name = op == ReduceOp::Max ? "max" : "min";
  const int64_t d = wrap_dim(dim, x.dim(), name);
  auto [values, indices] = detail::raw_arg_reduce(op, x, d, keepdim);
  if (autograd::needs_grad({x})) {
    // Saved (not just captured) so that an in-place write to the returned indices is caught.
    autograd::record(node, {x}, {values}, [shape = x.shape(), si = SavedTensor::input(indices), d, keepdim](const BackwardArgs& a) {
      const Tensor& g = a.grads[0];
      const Tensor indices = si.unpack();
      if (shape.empty()) return TensorList{g};
      // Mask of the selected positions: arange along `dim` compared with the indices.
      Shape along(shape.size(), 1);
      along[size_t(d)] = shape[size_t(d)];
      const Tensor positions = arange(shape[size_t(d)], TensorOptions(DType::I64, g.device())).view(along);
      const Tensor chosen = eq(positions, keepdim ? indices : indices.unsqueeze(d));
      return TensorList{where(chosen, keepdim ? g : g.unsqueeze(d), 0.0)};
    });
  }
  return {values, indices};
}

Tensor arg_extremum(ReduceOp op, const Tensor& x, std::optional<int64_t> dim, bool keepdim, const char* name) {
  TZ_CHECK(x.dtype() != DType::Bool, name, "does not support bool input (", describe(x), ")");
  const Tensor xd = x.detach();
  if (dim) return detail::raw_arg_reduce(op, xd, wrap_dim(*dim, x.dim(), name), keepdim).second;
  // No dim: the index into the flattened tensor.
  TZ_CHECK(x.numel() > 0, name, "cannot reduce an empty tensor ", describe(x), " without a dim (it has no identity)");
  Tensor idx = detail::raw_arg_reduce(op, xd.reshape({-1}), 0, false).second;
  return keepdim ? idx.reshape(Shape(size_t(x.dim()), 1)) : idx;
}

}  // namespace

Tensor amax(const Tensor& x, const Dims& dims, bool keepdim) {
  return extremum(ReduceOp::Max, x, dims, keepdim, "amax", "AmaxBackward");
}
Tensor amin(const Tensor& x, const Dims& dims, bool keepdim) {
  return extremum(ReduceOp::Min, x, dims, keepdim, "amin", "AminBackward");
}
// Over all elements PyTorch's max()/min() also split the gradient among ties, like amax.
Tensor max(const Tensor& x) { return extremum(ReduceOp::Max, x, {}, false, "max", "AmaxBackward"); }
Tensor min(const Tensor& x) { return extremum(ReduceOp::Min, x, {}, false, "min", "AminBackward"); }

ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim) {
  return extremum_dim(ReduceOp::Max, x, dim, keepdim, "MaxBackward");
}
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim) {
  return extremum_dim(ReduceOp::Min, x, dim, keepdim, "MinBackward");
}

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extremum(ReduceOp::Max, x, dim, keepdim, "argmax");
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extremum(ReduceOp::Min, x, dim, keepdim, "argmin");
}

}  // namespace tz
