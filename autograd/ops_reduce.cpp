// Reductions: the shared helpers, sum/mean/prod and the boolean reductions. Extrema live in
// ops_reduce_extrema.cpp, statistics and norms in ops_reduce_stats.cpp, scans in ops_scan.cpp.
#include "autograd/ops_reduce.h"

#include <algorithm>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_reduce_detail.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz {

using autograd::BackwardArgs;
using autograd::SavedTensor;

namespace detail {

Dims reduction_dims(const Tensor& x, const Dims& dims, const char* op) {
  Dims d;
  if (dims.empty()) {
    for (int64_t i = 0; i < x.dim(); ++i) d.push_back(i);
    return d;
  }
  for (int64_t v : dims) d.push_back(wrap_dim(v, x.dim(), op));
  std::sort(d.begin(), d.end());
  const auto repeated = std::adjacent_find(d.begin(), d.end());
  TZ_CHECK(repeated == d.end(), op, "dim ", repeated == d.end() ? 0 : *repeated,
           " appears more than once in the reduction dims ", shape_str(dims), " of ", describe(x));
  if (x.dim() == 0) d.clear();
  return d;
}

Shape reduced_shape(const Tensor& x, const Dims& rd, bool keepdim) {
  Shape s;
  for (int64_t i = 0; i < x.dim(); ++i) {
    const bool r = std::binary_search(rd.begin(), rd.end(), i);
    if (!r) s.push_back(x.size(i));
    else if (keepdim) s.push_back(1);
  }
  return s;
}

int64_t reduced_numel(const Tensor& x, const Dims& rd) {
  int64_t n = 1;
  for (int64_t d : rd) n *= x.size(d);
  return n;
}

void check_nonempty(const Tensor& x, const Dims& rd, const char* op) {
  for (int64_t d : rd)
    TZ_CHECK(x.size(d) > 0, op, "cannot reduce over an empty dim: dim ", d, " of ", describe(x),
             " has size 0 (the reduction has no identity)");
}

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
  if (op == ReduceOp::Max || op == ReduceOp::Min) check_nonempty(x, rd, reduce_op_name(op));
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

std::pair<Tensor, Tensor> raw_arg_reduce(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim) {
  const char* name = op == ReduceOp::Max ? "max" : "min";
  dispatch::check_supported(name, x, OpKey(OpKind::ArgReduce, int(op)), x.dtype());
  TensorView in = x.kernel_view();
  Shape out_shape;
  if (x.dim() == 0) {
    in.sizes = {1};
    in.strides = {1};
  } else {
    TZ_CHECK(x.size(dim) > 0, name, "cannot reduce over an empty dim: dim ", dim, " of ", describe(x), " has size 0");
    // Move `dim` to the back of the kernel view.
    Shape sizes;
    Strides strides;
    for (int64_t i = 0; i < x.dim(); ++i)
      if (i != dim) sizes.push_back(x.size(i)), strides.push_back(x.stride(i));
    out_shape = sizes;
    sizes.push_back(x.size(dim));
    strides.push_back(x.stride(dim));
    in.sizes = sizes;
    in.strides = strides;
  }
  Tensor values = dispatch::empty(out_shape, x.dtype(), x.device());
  Tensor indices = dispatch::empty(out_shape, DType::I64, x.device());
  dispatch::backend_of(x).arg_reduce(op, values.kernel_view(), indices.kernel_view(), in);
  if (keepdim && x.dim() > 0) {
    Shape ks = x.shape();
    ks[size_t(dim)] = 1;
    for (Tensor* t : {&values, &indices}) {
      *t = dispatch::make_view(*t, ks, contiguous_strides(ks), 0);
      t->impl()->is_view = false;
    }
  }
  return {values, indices};
}

Tensor unsqueeze_back(const Tensor& y, const Dims& rd, bool keepdim) {
  Tensor r = y;
  if (!keepdim)
    for (int64_t d : rd) r = r.unsqueeze(d);
  return r;
}

Tensor expand_back(const Tensor& g, const Shape& in_shape, const Dims& rd, bool keepdim) {
  return unsqueeze_back(g, rd, keepdim).expand(in_shape);
}

}  // namespace detail

namespace {

bool has_zero(const Tensor& x) {
  NoGradGuard ng;
  return any(eq(x.detach(), 0)).item<bool>();
}

/// d prod / dx = prod of the other elements. Without zeros that is y / x; with zeros the reduced
/// dims are flattened into one trailing dim and the product's gradient is the cumprod gradient
/// of its last element (exact at zeros, including the first derivatives of the gradient).
Tensor prod_backward(const Tensor& g, const Tensor& x, const Tensor& y, const Dims& rd, bool keepdim) {
  if (rd.empty()) return g;  // 0-d input: the product is the element itself
  if (!has_zero(x)) return detail::unsqueeze_back(g * y, rd, keepdim) / x;
  Dims perm;
  Shape kept, permuted;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (!std::binary_search(rd.begin(), rd.end(), i)) perm.push_back(i), kept.push_back(x.size(i));
  for (int64_t d : rd) perm.push_back(d);
  for (int64_t d : perm) permuted.push_back(x.size(d));
  const int64_t n = detail::reduced_numel(x, rd);
  Shape flat = kept;
  flat.push_back(n);
  Shape kept1 = kept;
  kept1.push_back(1);
  Tensor xf = reshape(permute(x, perm), flat);
  Tensor last = eq(arange(n, TensorOptions(DType::I64, x.device())), n - 1);
  Tensor g_last = where(last, reshape(g, kept1), 0.0);
  Tensor gf = detail::cumprod_backward(g_last, xf, cumprod(xf, -1), -1, false);
  Dims inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[size_t(perm[i])] = int64_t(i);
  return permute(reshape(gf, permuted), inverse);
}

}  // namespace

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
  return sum(x, dims, keepdim) / double(detail::reduced_numel(x, rd));
}

Tensor prod(const Tensor& x, const Dims& dims, bool keepdim) {
  const Dims rd = detail::reduction_dims(x, dims, "prod");
  // Integers and bool multiply in int64, as PyTorch.
  Tensor xin = is_floating(x.dtype()) ? x : dispatch::cast(x, DType::I64);
  Tensor y = detail::raw_reduce(ReduceOp::Prod, xin, rd, keepdim);
  if (autograd::needs_grad({xin})) {
    autograd::record("ProdBackward", {xin}, {y},
                     [sx = SavedTensor::input(xin), sy = SavedTensor::output(y, 0), rd, keepdim](const BackwardArgs& a) {
                       return TensorList{prod_backward(a.grads[0], sx.unpack(), sy.unpack(&a.node), rd, keepdim)};
                     });
  }
  return y;
}

namespace {
Tensor boolean_reduce(ReduceOp op, const Tensor& x, const Dims& dims, bool keepdim, const char* name) {
  const Dims rd = detail::reduction_dims(x, dims, name);
  Tensor y = detail::raw_reduce(op, x.detach(), rd, keepdim);
  // PyTorch keeps uint8 for uint8 inputs (a legacy rule); every other dtype gives bool.
  return x.dtype() == DType::U8 ? dispatch::cast(y, DType::U8) : y;
}
}  // namespace

Tensor any(const Tensor& x, const Dims& dims, bool keepdim) { return boolean_reduce(ReduceOp::Any, x, dims, keepdim, "any"); }
Tensor all(const Tensor& x, const Dims& dims, bool keepdim) { return boolean_reduce(ReduceOp::All, x, dims, keepdim, "all"); }

Tensor count_nonzero(const Tensor& x, const Dims& dims) {
  detail::reduction_dims(x, dims, "count_nonzero");  // validates dims with this op's name
  return sum(ne(x.detach(), 0), dims);
}

}  // namespace tz
