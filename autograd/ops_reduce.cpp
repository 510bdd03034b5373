// Reductions: sum and mean (the rest of the family lives beside them as it lands).
#include "autograd/ops_reduce.h"

#include <algorithm>

#include "autograd/ops_binary.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz {

using autograd::BackwardArgs;

namespace detail {

/// Sorted, wrapped, de-duplicated reduction dims (all dims when empty).
Dims reduction_dims(const Tensor& x, const Dims& dims, const char* op) {
  Dims d;
  if (dims.empty()) {
    for (int64_t i = 0; i < x.dim(); ++i) d.push_back(i);
    return d;
  }
  for (int64_t v : dims) d.push_back(wrap_dim(v, x.dim(), op));
  std::sort(d.begin(), d.end());
  TZ_CHECK(std::adjacent_find(d.begin(), d.end()) == d.end(), op, "dim appears more than once in the reduction dims");
  if (x.dim() == 0) d.clear();
  return d;
}

/// Output shape of a reduction (keepdim keeps size-1 dims).
Shape reduced_shape(const Tensor& x, const Dims& rd, bool keepdim) {
  Shape s;
  for (int64_t i = 0; i < x.dim(); ++i) {
    const bool r = std::binary_search(rd.begin(), rd.end(), i);
    if (!r) s.push_back(x.size(i));
    else if (keepdim) s.push_back(1);
  }
  return s;
}

/// Runs the backend reduce kernel over `rd` (raw: no autograd). Output dtype: x's (Bool for
/// Any/All).
Tensor raw_reduce(ReduceOp op, const Tensor& x, const Dims& rd, bool keepdim) {
  // Permute reduced dims to the back of a kernel view.
  TensorView v = x.kernel_view();
  Shape sizes;
  Strides strides;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (!std::binary_search(rd.begin(), rd.end(), i)) sizes.push_back(x.size(i)), strides.push_back(x.stride(i));
  for (int64_t i : rd) sizes.push_back(x.size(i)), strides.push_back(x.stride(i));
  v.sizes = sizes;
  v.strides = strides;
  const bool boolean = op == ReduceOp::Any || op == ReduceOp::All;
  Tensor out = dispatch::empty(reduced_shape(x, rd, false), boolean ? DType::Bool : x.dtype(), x.device());
  dispatch::check_supported(reduce_op_name(op), x, op, x.dtype());
  dispatch::backend_of(x).reduce(op, out.kernel_view(), v, int(rd.size()));
  if (keepdim) {
    Shape ks = reduced_shape(x, rd, true);
    out = dispatch::make_view(out, ks, contiguous_strides(ks), 0);
    out.impl()->is_view = false;
  }
  return out;
}

/// Gradient of a reduction broadcast back to the input's shape (re-inserting reduced dims).
Tensor expand_back(const Tensor& g, const Shape& in_shape, const Dims& rd, bool keepdim) {
  Tensor r = g;
  if (!keepdim)
    for (int64_t d : rd) r = r.unsqueeze(d);
  return r.expand(in_shape);
}

}  // namespace detail

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim, std::optional<DType> dtype) {
  const Dims rd = detail::reduction_dims(x, dims, "sum");
  Tensor xin = dtype ? to_dtype(x, *dtype) : (is_floating(x.dtype()) ? x : dispatch::cast(x, DType::I64));
  Tensor y = detail::raw_reduce(ReduceOp::Sum, xin, rd, keepdim);
  if (autograd::needs_grad({xin})) {
    autograd::record("SumBackward", {xin}, {y}, [shape = xin.shape(), rd, keepdim](const BackwardArgs& a) {
      return TensorList{detail::expand_back(a.grads[0], shape, rd, keepdim)};
    });
  }
  return y;
}

Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  TZ_CHECK(is_floating(x.dtype()), "mean", "expects a floating input, got ", describe(x), " (cast it first)");
  const Dims rd = detail::reduction_dims(x, dims, "mean");
  int64_t n = 1;
  for (int64_t d : rd) n *= x.size(d);
  return sum(x, dims, keepdim) / double(n);
}

}  // namespace tz
