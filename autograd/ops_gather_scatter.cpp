// gather / scatter family: gather, take_along_dim, scatter, scatter_add, scatter_reduce,
// index_select, index_add, with backward formulas written in these same public ops.
#include <algorithm>

#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_index_detail.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/factories.h"

namespace tz {

using autograd::BackwardArgs;
using autograd::SavedTensor;

namespace index_detail {

TensorView view_nd(const Tensor& t) {
  TensorView v = t.kernel_view();
  if (v.sizes.empty()) {
    v.sizes = {1};
    v.strides = {1};
  }
  return v;
}

Tensor as_long_index(const Tensor& index, const char* op) {
  TZ_CHECK(index.defined(), op, "index tensor is undefined");
  TZ_CHECK(index.dtype() == DType::I64 || index.dtype() == DType::I32, op,
           "tensors used as indices must be long, int or bool tensors, got ", describe(index));
  return dispatch::cast(index, DType::I64);
}

Tensor reshape_fresh(const Tensor& t, const Shape& shape) {
  Tensor c = dispatch::contiguous(t);
  Tensor out = dispatch::make_view(c, shape, contiguous_strides(shape), c.storage_offset());
  out.impl()->is_view = false;
  return out;
}

Tensor raw_index_select(const Tensor& x, int64_t d, const Tensor& index, const char* op) {
  Shape out_shape = x.dim() == 0 ? Shape{} : x.shape();
  if (x.dim() > 0) out_shape[size_t(d)] = index.numel();
  Tensor out = dispatch::empty(out_shape, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  TensorView iv = view_nd(index);
  TensorView xv = view_nd(x), ov = view_nd(out);
  // The index runs along d and is broadcast (stride 0) over every other dim.
  TensorView idx{iv.data, DType::I64, ov.sizes, Strides(ov.sizes.size(), 0)};
  idx.strides[size_t(d)] = iv.strides[0];
  as_op(op, [&] { dispatch::backend_of(x).gather(ov, xv, idx, int(d)); });
  return out;
}

}  // namespace index_detail

namespace {

using index_detail::as_op;
using index_detail::view_nd;

/// PyTorch's shape rules for gather/scatter: same rank; index no larger than src anywhere and
/// no larger than x outside dim.
void check_index_shape(const char* op, const Tensor& x, int64_t d, const Tensor& index, const Tensor* src) {
  TZ_CHECK(index.dtype() == DType::I64, op, "expected an int64 index, got ", describe(index));
  TZ_CHECK(std::max<int64_t>(index.dim(), 1) == std::max<int64_t>(x.dim(), 1), op,
           "index ", describe(index), " must have as many dims as the input ", describe(x));
  for (int64_t i = 0; i < index.dim(); ++i) {
    TZ_CHECK(i == d || x.dim() == 0 || index.size(i) <= x.size(i), op, "index ", describe(index),
             " is larger than the input ", describe(x), " in dim ", i);
    if (src && src->dim() > 0)
      TZ_CHECK(index.size(i) <= src->size(i), op, "index ", describe(index), " is larger than src ", describe(*src),
               " in dim ", i);
  }
  if (src) {
    TZ_CHECK(src->dtype() == x.dtype(), op, "src ", describe(*src), " must have the input's dtype (", describe(x), ")");
    TZ_CHECK(src->dim() == 0 || std::max<int64_t>(src->dim(), 1) == std::max<int64_t>(index.dim(), 1), op,
             "src ", describe(*src), " must have as many dims as the index ", describe(index));
  }
}

/// Leading block of t with `shape` (t is at least as large in every dim).
Tensor narrow_to(const Tensor& t, const Shape& shape) {
  Tensor r = t;
  for (int64_t i = 0; i < int64_t(shape.size()); ++i)
    if (r.size(i) != shape[size_t(i)]) r = narrow(r, i, 0, shape[size_t(i)]);
  return r;
}

/// t zero-padded at the end of each dim up to `shape` (differentiable: a scatter into zeros).
Tensor pad_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  Shape col(size_t(t.dim()), 1);
  col[0] = t.size(0);
  Tensor rows = arange(t.size(0), TensorOptions(DType::I64, t.device())).view(col).expand(t.shape());
  return scatter(zeros(shape, TensorOptions(t.dtype(), t.device())), 0, rows, t);
}

Tensor zeros_of(const Shape& s, const Tensor& like) { return zeros(s, TensorOptions(like.dtype(), like.device())); }

/// out = x with src scattered along d (no autograd). src may be a 0-d tensor (broadcast).
Tensor raw_scatter(const char* op, ScatterReduce r, const Tensor& x, int64_t d, const Tensor& index, const Tensor& src,
                   bool include_self) {
  Tensor out = dispatch::empty(x.shape(), x.dtype(), x.device());
  dispatch::backend_of(x).copy(out.kernel_view(), x.kernel_view());
  if (index.numel() == 0) return out;
  TensorView iv = view_nd(index), sv = view_nd(src);
  sv.sizes = iv.sizes;
  if (src.dim() == 0) sv.strides.assign(iv.sizes.size(), 0);
  as_op(op, [&] { dispatch::backend_of(x).scatter(r, view_nd(out), iv, sv, int(d), include_self); });
  return out;
}

ScatterReduce parse_reduce(const std::string& reduce) {
  if (reduce == "sum") return ScatterReduce::Sum;
  if (reduce == "prod") return ScatterReduce::Prod;
  if (reduce == "mean") return ScatterReduce::Mean;
  if (reduce == "amax") return ScatterReduce::Amax;
  if (reduce == "amin") return ScatterReduce::Amin;
  TZ_FAIL("scatter_reduce", "reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', got '", reduce, "'");
}

/// True where no index scatters into x (the positions that keep x when include_self=false).
Tensor untouched_mask(const Shape& shape, int64_t d, const Tensor& index, Device dev) {
  Tensor ones_mask = full(shape, true, TensorOptions(DType::Bool, dev));
  return scatter(ones_mask, d, index, Scalar(false));
}

/// Gradients of scatter_reduce w.r.t. self and src (src's full shape).
TensorList scatter_reduce_grads(ScatterReduce r, const Tensor& g, const Tensor& x, const Tensor& src, const Tensor& y,
                                int64_t d, const Tensor& index, bool inc) {
  const Tensor sv = narrow_to(src, index.shape());
  Tensor gx, gs;
  switch (r) {
    case ScatterReduce::Sum:
      gx = inc ? g : scatter(g, d, index, Scalar(0));
      gs = gather(g, d, index);
      break;
    case ScatterReduce::Mean: {
      Tensor n = scatter_add(full(x.shape(), inc ? 1.0 : 0.0, TensorOptions(g.dtype(), g.device())), d, index,
                             ones(index.shape(), TensorOptions(g.dtype(), g.device())));
      n = where(eq(n, 0.0), 1.0, n);
      gx = inc ? g / n : scatter(g, d, index, Scalar(0));
      gs = gather(g / n, d, index);
      break;
    }
    case ScatterReduce::Amax: case ScatterReduce::Amin: {
      // Ties share the gradient evenly among self (when included) and every src hitting y.
      Tensor src_hit = eq(sv, gather(y, d, index)).to(g.dtype());
      Tensor self_hit = (inc ? eq(x, y) : untouched_mask(x.shape(), d, index, g.device())).to(g.dtype());
      Tensor count = self_hit + scatter_add(zeros_of(x.shape(), g), d, index, src_hit);
      count = where(eq(count, 0.0), 1.0, count);
      gx = g * self_hit / count;
      gs = gather(g / count, d, index) * src_hit;
      break;
    }
    case ScatterReduce::Prod: {
      // d y / d e = product of the other members of e's group. With zeros in the group: only a
      // lone zero member gets a nonzero gradient (the product of the nonzero members).
      Tensor xz = eq(x, 0.0), sz = eq(sv, 0.0);
      Tensor zc = scatter_add(inc ? xz.to(g.dtype()) : zeros_of(x.shape(), g), d, index, sz.to(g.dtype()));
      Tensor x1 = where(xz, 1.0, x), s1 = where(sz, 1.0, sv);
      Tensor y_nz = scatter_reduce(x1, d, index, s1, "prod", inc);
      Tensor no_zero = eq(zc, 0.0), one_zero = eq(zc, 1.0);
      if (inc) gx = g * where(xz, where(one_zero, y_nz, 0.0), where(no_zero, y_nz / x1, 0.0));
      else gx = where(untouched_mask(x.shape(), d, index, g.device()), g, 0.0);
      Tensor gk = gather(g, d, index), yk = gather(y_nz, d, index);
      Tensor zk0 = gather(no_zero, d, index), zk1 = gather(one_zero, d, index);
      gs = gk * where(sz, where(zk1, yk, 0.0), where(zk0, yk / s1, 0.0));
      break;
    }
    case ScatterReduce::Assign: TZ_FAIL("scatter_reduce", "internal: assign has no reduce gradient");
  }
  return {gx, pad_to(gs, src.shape())};
}

}  // namespace

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  dispatch::check_same_device("gather", {&x, &index});
  const int64_t d = wrap_dim(dim, x.dim(), "gather");
  check_index_shape("gather", x, d, index, nullptr);
  Tensor y = dispatch::empty(index.shape(), x.dtype(), x.device());
  if (y.numel() > 0) dispatch::backend_of(x).gather(view_nd(y), view_nd(x), view_nd(index), int(d));
  if (autograd::needs_grad({x}))
    autograd::record("GatherBackward", {x}, {y}, [shape = x.shape(), d, index](const BackwardArgs& a) {
      return TensorList{scatter_add(zeros_of(shape, a.grads[0]), d, index, a.grads[0])};
    });
  return y;
}

Tensor take_along_dim(const Tensor& x, const Tensor& index, std::optional<int64_t> dim) {
  if (!dim) return gather(x.reshape({-1}), 0, index.reshape({-1}));
  TZ_CHECK(x.dim() == index.dim(), "take_along_dim", "input ", describe(x), " and indices ", describe(index),
           " should have the same number of dims");
  const int64_t d = wrap_dim(*dim, x.dim(), "take_along_dim");
  if (x.dim() == 0) return gather(x, 0, index);
  Shape sx = x.shape(), si = index.shape();
  sx[size_t(d)] = 1;
  si[size_t(d)] = 1;
  Shape b = broadcast_shapes(sx, si, "take_along_dim");
  Shape bx = b, bi = b;
  bx[size_t(d)] = x.size(d);
  bi[size_t(d)] = index.size(d);
  return gather(x.expand(bx), d, index.expand(bi));
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  dispatch::check_same_device("scatter", {&x, &index, &src});
  const int64_t d = wrap_dim(dim, x.dim(), "scatter");
  check_index_shape("scatter", x, d, index, &src);
  Tensor y = raw_scatter("scatter", ScatterReduce::Assign, x, d, index, src, true);
  if (autograd::needs_grad({x, src}))
    autograd::record("ScatterBackward", {x, src}, {y}, [d, index, src_shape = src.shape()](const BackwardArgs& a) {
      const Tensor& g = a.grads[0];
      return TensorList{a.needs_input_grad[0] ? scatter(g, d, index, Scalar(0)) : Tensor(),
                        a.needs_input_grad[1] ? pad_to(gather(g, d, index), src_shape) : Tensor()};
    });
  return y;
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Scalar& value) {
  dispatch::check_same_device("scatter", {&x, &index});
  const int64_t d = wrap_dim(dim, x.dim(), "scatter");
  check_index_shape("scatter", x, d, index, nullptr);
  Tensor v = dispatch::scalar_tensor(value, x.dtype(), x.device());
  Tensor y = raw_scatter("scatter", ScatterReduce::Assign, x, d, index, v, true);
  if (autograd::needs_grad({x}))
    autograd::record("ScatterBackward", {x}, {y}, [d, index](const BackwardArgs& a) {
      return TensorList{scatter(a.grads[0], d, index, Scalar(0))};
    });
  return y;
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  dispatch::check_same_device("scatter_add", {&x, &index, &src});
  const int64_t d = wrap_dim(dim, x.dim(), "scatter_add");
  check_index_shape("scatter_add", x, d, index, &src);
  Tensor y = raw_scatter("scatter_add", ScatterReduce::Sum, x, d, index, src, true);
  if (autograd::needs_grad({x, src}))
    autograd::record("ScatterAddBackward", {x, src}, {y}, [d, index, src_shape = src.shape()](const BackwardArgs& a) {
      const Tensor& g = a.grads[0];
      return TensorList{a.needs_input_grad[0] ? g : Tensor(),
                        a.needs_input_grad[1] ? pad_to(gather(g, d, index), src_shape) : Tensor()};
    });
  return y;
}

Tensor scatter_reduce(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                      bool include_self) {
  dispatch::check_same_device("scatter_reduce", {&x, &index, &src});
  const ScatterReduce r = parse_reduce(reduce);
  const int64_t d = wrap_dim(dim, x.dim(), "scatter_reduce");
  check_index_shape("scatter_reduce", x, d, index, &src);
  Tensor y = raw_scatter("scatter_reduce", r, x, d, index, src, include_self);
  if (autograd::needs_grad({x, src}))
    autograd::record("ScatterReduceBackward", {x, src}, {y},
                     [r, d, index, include_self, sx = SavedTensor::input(x), ss = SavedTensor::input(src),
                      sy = SavedTensor::output(y, 0)](const BackwardArgs& a) {
                       TensorList g = scatter_reduce_grads(r, a.grads[0], sx.unpack(), ss.unpack(), sy.unpack(&a.node), d,
                                                           index, include_self);
                       if (!a.needs_input_grad[0]) g[0] = Tensor();
                       if (!a.needs_input_grad[1]) g[1] = Tensor();
                       return g;
                     });
  return y;
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  dispatch::check_same_device("index_select", {&x, &index});
  const Tensor idx = index_detail::as_long_index(index, "index_select");
  TZ_CHECK(idx.dim() <= 1, "index_select", "index must be 0-d or 1-d, got ", describe(index));
  const int64_t d = wrap_dim(dim, x.dim(), "index_select");
  Tensor y = index_detail::raw_index_select(x, d, idx, "index_select");
  if (autograd::needs_grad({x}))
    autograd::record("IndexSelectBackward", {x}, {y}, [shape = x.shape(), d, idx](const BackwardArgs& a) {
      return TensorList{index_add(zeros_of(shape, a.grads[0]), d, idx, a.grads[0])};
    });
  return y;
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  dispatch::check_same_device("index_add", {&x, &index, &source});
  const Tensor idx = index_detail::as_long_index(index, "index_add");
  TZ_CHECK(idx.dim() <= 1, "index_add", "index must be 0-d or 1-d, got ", describe(index));
  const int64_t d = wrap_dim(dim, x.dim(), "index_add");
  TZ_CHECK(source.dtype() == x.dtype(), "index_add", "source ", describe(source), " must have the input's dtype (",
           describe(x), ")");
  Shape want = x.dim() == 0 ? Shape{} : x.shape();
  if (x.dim() > 0) want[size_t(d)] = idx.numel();
  TZ_CHECK(source.shape() == want || (x.dim() == 0 && source.numel() == idx.numel() && idx.numel() <= 1), "index_add",
           "source ", describe(source), " must have shape ", shape_str(want), " for input ", describe(x), " and index ",
           describe(index));
  const bool scaled = alpha.to_double() != 1.0;
  Tensor src = scaled ? dispatch::binary(BinaryOp::Mul, source, dispatch::scalar_tensor(alpha, x.dtype(), x.device()))
                      : source;
  // The 1-d index is broadcast over the other dims of source, which scatter then reduces with Sum.
  TensorView iv = view_nd(idx);
  Shape src_sizes = view_nd(src).sizes;
  Strides istr(src_sizes.size(), 0);
  istr[size_t(d)] = iv.strides[0];
  Tensor idx_b = dispatch::make_view(idx, src_sizes, istr, idx.storage_offset());
  Tensor src_b = src.dim() == 0 ? reshape(src, {1}) : src;
  Tensor x_b = x.dim() == 0 ? reshape(x, {1}) : x;
  Tensor y = raw_scatter("index_add", ScatterReduce::Sum, x_b, d, idx_b, src_b, true);
  if (x.dim() == 0) y = index_detail::reshape_fresh(y, {});
  if (autograd::needs_grad({x, source}))
    autograd::record("IndexAddBackward", {x, source}, {y}, [d, idx, alpha, scaled, sshape = source.shape()](const BackwardArgs& a) {
      const Tensor& g = a.grads[0];
      Tensor gs;
      if (a.needs_input_grad[1]) {
        gs = index_select(g, d, idx).reshape(sshape);
        if (scaled) gs = gs * alpha;
      }
      return TensorList{a.needs_input_grad[0] ? g : Tensor(), gs};
    });
  return y;
}

}  // namespace tz
