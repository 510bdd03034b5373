// View ops: results share the input's storage; gradients flow back into the base.
#include <algorithm>
#include <cstdint>
#include <numeric>

#include "autograd/ops_index.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz {

using autograd::BackwardArgs;
using ViewFn = std::function<Tensor(const Tensor&)>;

namespace {

Tensor raw_view(const Tensor& x, const Shape& sizes, const Strides& strides, int64_t offset) {
  return dispatch::make_view(x, sizes, strides, offset);
}

/// Scatters g into zeros of `in_shape` at the region view_fn selects. Differentiable: its
/// backward applies view_fn to the incoming gradient. Overlapping views (unfold, as_strided)
/// accumulate through scatter_add.
Tensor view_scatter(const Tensor& g, const Shape& in_shape, const ViewFn& view_fn, bool overlapping) {
  Tensor z = zeros(in_shape, TensorOptions(g.dtype(), g.device()));
  {
    NoGradGuard ng;
    if (!overlapping) {
      dispatch::copy_into(view_fn(z), g);
    } else {
      Tensor idx = view_fn(arange(numel_of(in_shape), TensorOptions(DType::I64, g.device())).view(in_shape));
      z = scatter_add(z.flatten(), 0, idx.reshape({-1}), g.reshape({-1})).view(in_shape);
    }
  }
  if (autograd::needs_grad({g}))
    autograd::record("ViewScatterBackward", {g}, {z}, [view_fn](const BackwardArgs& a) { return TensorList{view_fn(a.grads[0])}; });
  return z;
}

/// Records `node` for a view y = view_fn(x) whose gradient scatters back into x's shape.
Tensor region_view(const char* node, const Tensor& x, const Tensor& y, ViewFn view_fn, bool overlapping = false) {
  if (autograd::needs_grad({x})) {
    autograd::record(node, {x}, {y}, [shape = x.shape(), view_fn, overlapping](const BackwardArgs& a) {
      return TensorList{view_scatter(a.grads[0], shape, view_fn, overlapping)};
    });
  }
  return y;
}

std::optional<Strides> view_strides(const Shape& old_s, const Strides& old_st, const Shape& new_s) {
  Strides ns(new_s.size());
  if (numel_of(old_s) == 0 || old_s.empty()) return contiguous_strides(new_s);
  int64_t view_d = int64_t(new_s.size()) - 1;
  int64_t chunk = old_st.back(), tensor_numel = 1, view_numel = 1;
  for (int64_t td = int64_t(old_s.size()) - 1; td >= 0; --td) {
    tensor_numel *= old_s[size_t(td)];
    if (td == 0 || (old_s[size_t(td - 1)] != 1 && old_st[size_t(td - 1)] != tensor_numel * chunk)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_s[size_t(view_d)] == 1)) {
        ns[size_t(view_d)] = view_numel * chunk;
        view_numel *= new_s[size_t(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (td > 0) {
        chunk = old_st[size_t(td - 1)];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return ns;
}

Shape infer_shape(const Shape& shape, int64_t numel, const char* op) {
  Shape s = shape;
  int64_t known = 1, infer = -1;
  bool overflow = false, zero = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      TZ_CHECK(infer < 0, op, "only one dimension can be inferred in ", shape_str(shape));
      infer = int64_t(i);
    } else {
      TZ_CHECK(s[i] >= 0, op, "invalid shape dimension ", s[i], " in ", shape_str(shape));
      zero |= s[i] == 0;
      overflow |= __builtin_mul_overflow(known, s[i], &known);
    }
  }
  if (zero) known = 0;  // a 0 size empties the shape whatever the other sizes
  // A product past INT64_MAX can never match an existing tensor's numel.
  TZ_CHECK(zero || !overflow, op, "shape ", shape_str(shape), " is invalid for input of size ", numel,
           " (integer multiplication overflow)");
  if (infer >= 0) {
    TZ_CHECK(known != 0 && numel % known == 0, op, "shape ", shape_str(shape), " is invalid for input of size ", numel);
    s[size_t(infer)] = numel / known;
  }
  TZ_CHECK(numel_of(s, op) == numel, op, "shape ", shape_str(shape), " is invalid for input of size ", numel);
  return s;
}

/// Reshape-like views share one node: the gradient is reshaped back.
Tensor reshaped_view(const Tensor& x, const Shape& s, const Strides& st) {
  Tensor y = raw_view(x, s, st, x.storage_offset());
  if (autograd::needs_grad({x}))
    autograd::record("ViewBackward", {x}, {y}, [shape = x.shape()](const BackwardArgs& a) {
      return TensorList{reshape(a.grads[0], shape)};
    });
  return y;
}

}  // namespace

Tensor view(const Tensor& x, const Shape& shape) {
  const Shape s = infer_shape(shape, x.numel(), "view");
  auto st = view_strides(x.shape(), x.strides(), s);
  TZ_CHECK(st.has_value(), "view", "size ", shape_str(s), " is not compatible with the input's size ", shape_str(x.shape()),
           " and strides ", shape_str(x.strides()), " (at least one dimension spans two contiguous subspaces); use reshape()");
  return reshaped_view(x, s, *st);
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  const Shape s = infer_shape(shape, x.numel(), "reshape");
  if (auto st = view_strides(x.shape(), x.strides(), s)) return reshaped_view(x, s, *st);
  // The copy is reshape's own allocation: report an impossible one (a huge expanded view) as such.
  dispatch::check_allocation(s, x.dtype(), x.device(), "reshape");
  return view(contiguous(x), s);
}

Tensor permute(const Tensor& x, const Dims& dims) {
  TZ_CHECK(int64_t(dims.size()) == x.dim(), "permute", "number of dims ", dims.size(), " does not match the input's ",
           x.dim(), " (", describe(x), ")");
  Dims d(dims.size());
  std::vector<bool> seen(dims.size(), false);
  Shape s(dims.size());
  Strides st(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    d[i] = wrap_dim(dims[i], x.dim(), "permute");
    TZ_CHECK(!seen[size_t(d[i])], "permute", "repeated dim ", dims[i], " in ", shape_str(dims));
    seen[size_t(d[i])] = true;
    s[i] = x.size(d[i]);
    st[i] = x.stride(d[i]);
  }
  Tensor y = raw_view(x, s, st, x.storage_offset());
  if (autograd::needs_grad({x})) {
    Dims inv(d.size());
    for (size_t i = 0; i < d.size(); ++i) inv[size_t(d[i])] = int64_t(i);
    autograd::record("PermuteBackward", {x}, {y}, [inv](const BackwardArgs& a) { return TensorList{permute(a.grads[0], inv)}; });
  }
  return y;
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  if (x.dim() == 0) return x;
  Dims p(size_t(x.dim()));
  std::iota(p.begin(), p.end(), 0);
  std::swap(p[size_t(wrap_dim(d0, x.dim(), "transpose"))], p[size_t(wrap_dim(d1, x.dim(), "transpose"))]);
  return permute(x, p);
}

Tensor movedim(const Tensor& x, int64_t source, int64_t destination) {
  const int64_t s = wrap_dim(source, x.dim(), "movedim"), d = wrap_dim(destination, x.dim(), "movedim");
  Dims p;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i != s) p.push_back(i);
  p.insert(p.begin() + d, s);
  return permute(x, p);
}

Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  TZ_CHECK(x.dim() > 0, "slice", "cannot slice a 0-d tensor");
  TZ_CHECK(step > 0, "slice", "step must be positive, got ", step);
  const int64_t d = wrap_dim(dim, x.dim(), "slice"), n = x.size(d);
  int64_t s = start.value_or(0), e = end.value_or(n);
  if (s < 0) s += n;
  if (e < 0) e += n;
  s = std::clamp<int64_t>(s, 0, n);
  e = std::clamp<int64_t>(e, s, n);
  Shape sz = x.shape();
  Strides st = x.strides();
  // Not (e - s + step - 1) / step: that overflows for a huge step (x[::2**63-1] is x[0:1]).
  const int64_t len = e > s ? (e - s - 1) / step + 1 : 0;
  sz[size_t(d)] = len;
  // stride * step and s * stride only overflow where they are never used to move: a result of
  // at most one element along d (the step) or none (the offset of an empty slice).
  if (__builtin_mul_overflow(x.stride(d), step, &st[size_t(d)])) {
    TZ_CHECK(len <= 1, "slice", "stride ", x.stride(d), " * step ", step, " overflows int64 (", describe(x), ")");
    st[size_t(d)] = x.stride(d);
  }
  int64_t off = 0;
  if (__builtin_mul_overflow(s, x.stride(d), &off) || __builtin_add_overflow(off, x.storage_offset(), &off)) {
    TZ_CHECK(len == 0, "slice", "offset of start ", s, " overflows int64 (", describe(x), ")");
    off = x.storage_offset();
  }
  Tensor y = raw_view(x, sz, st, off);
  return region_view("SliceBackward", x, y, [d, s, e, step](const Tensor& t) { return slice(t, d, s, e, step); });
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  const int64_t d = wrap_dim(dim, x.dim(), "narrow"), n = x.size(d);
  if (start < 0) start += n;
  // length <= n - start, not start + length <= n: the sum overflows for length near INT64_MAX.
  TZ_CHECK(start >= 0 && start <= n && length >= 0 && length <= n - start, "narrow", "start ", start, " + length ",
           length, " exceeds dimension size ", n, " (", describe(x), ")");
  return slice(x, d, start, start + length, 1);
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  TZ_CHECK(x.dim() > 0, "select", "cannot select from a 0-d tensor");
  const int64_t d = wrap_dim(dim, x.dim(), "select"), n = x.size(d);
  TZ_CHECK(index >= -n && index < n, "select", "index ", index, " out of range for dim ", d, " of size ", n, " (",
           describe(x), ")");
  const int64_t i = index < 0 ? index + n : index;
  Shape sz = x.shape();
  Strides st = x.strides();
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  Tensor y = raw_view(x, sz, st, x.storage_offset() + i * x.stride(d));
  return region_view("SliceBackward", x, y, [d, i](const Tensor& t) { return select(t, d, i); });
}

Tensor expand(const Tensor& x, const Shape& shape) {
  TZ_CHECK(int64_t(shape.size()) >= x.dim(), "expand", "the target ", shape_str(shape), " has fewer dims than the input ",
           describe(x));
  const int64_t lead = int64_t(shape.size()) - x.dim();
  Shape sz(shape.size());
  Strides st(shape.size(), 0);
  for (int64_t i = 0; i < int64_t(shape.size()); ++i) {
    if (i < lead) {
      TZ_CHECK(shape[size_t(i)] >= 0, "expand", "-1 is not allowed in a new leading dim of ", shape_str(shape));
      sz[size_t(i)] = shape[size_t(i)];
      continue;
    }
    const int64_t have = x.size(i - lead), want = shape[size_t(i)] == -1 ? have : shape[size_t(i)];
    TZ_CHECK(want >= 0, "expand", "invalid size ", want, " in ", shape_str(shape), " (only -1 may be negative)");
    TZ_CHECK(have == want || have == 1, "expand", "cannot expand ", shape_str(x.shape()), " to ", shape_str(shape),
             " (dim ", i, ": ", have, " vs ", want, ")");
    sz[size_t(i)] = want;
    st[size_t(i)] = have == want ? x.stride(i - lead) : 0;
  }
  if (sz == x.shape()) return x;
  // A view may be far larger than memory (stride 0), but its element count must fit int64, as
  // in PyTorch; every op that later allocates its shape checks the bytes.
  numel_of(sz, "expand");
  Tensor y = raw_view(x, sz, st, x.storage_offset());
  if (autograd::needs_grad({x}))
    autograd::record("ExpandBackward", {x}, {y}, [shape = x.shape()](const BackwardArgs& a) {
      return TensorList{autograd::sum_to(a.grads[0], shape)};
    });
  return y;
}

Tensor squeeze(const Tensor& x, std::optional<int64_t> dim) {
  Shape s;
  Strides st;
  const int64_t d = dim ? wrap_dim(*dim, x.dim(), "squeeze") : -1;
  for (int64_t i = 0; i < x.dim(); ++i) {
    const bool drop = x.size(i) == 1 && (d < 0 || i == d);
    if (!drop) s.push_back(x.size(i)), st.push_back(x.stride(i));
  }
  if (s.size() == size_t(x.dim())) return x;
  return reshaped_view(x, s, st);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim() + 1, "unsqueeze");
  Shape s = x.shape();
  Strides st = x.strides();
  int64_t new_stride = 1;
  // Only an empty tensor (a 0 elsewhere in the shape) can have stride * size past int64, and
  // its strides are never used to move: saturate instead of wrapping.
  if (d < x.dim() && __builtin_mul_overflow(x.stride(d), x.size(d), &new_stride)) new_stride = INT64_MAX;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, new_stride);
  return reshaped_view(x, s, st);
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  const int64_t s = wrap_dim(start_dim, x.dim(), "flatten"), e = wrap_dim(end_dim, x.dim(), "flatten");
  TZ_CHECK(s <= e, "flatten", "start_dim ", start_dim, " comes after end_dim ", end_dim);
  Shape ns(x.shape().begin(), x.shape().begin() + s);
  // Overflows only when another dim is 0: PyTorch would wrap, we refuse.
  ns.push_back(numel_of(Shape(x.shape().begin() + s, x.shape().begin() + e + 1), "flatten"));
  ns.insert(ns.end(), x.shape().begin() + e + 1, x.shape().end());
  return reshape(x, ns);
}

Tensor unflatten(const Tensor& x, int64_t dim, const Shape& sizes) {
  const int64_t d = wrap_dim(dim, x.dim(), "unflatten");
  const Shape inner = infer_shape(sizes, x.size(d), "unflatten");
  Shape ns(x.shape().begin(), x.shape().begin() + d);
  ns.insert(ns.end(), inner.begin(), inner.end());
  ns.insert(ns.end(), x.shape().begin() + d + 1, x.shape().end());
  return view(x, ns);
}

Tensor unfold(const Tensor& x, int64_t dim, int64_t size, int64_t step) {
  const int64_t d = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), "unfold");
  const int64_t n = x.dim() == 0 ? 1 : x.size(d);
  TZ_CHECK(size >= 0 && size <= n, "unfold", "window size ", size, " exceeds dimension ", d, " of size ", n, " (",
           describe(x), ")");
  TZ_CHECK(step > 0, "unfold", "step must be positive, got ", step);
  Shape s = x.shape();
  Strides st = x.strides();
  const int64_t base_stride = x.dim() == 0 ? 1 : x.stride(d);
  if (x.dim() == 0) {
    s = {1};
    st = {1};
  }
  s[size_t(d)] = (n - size) / step + 1;
  // As in slice: stride * step only overflows for a huge step, which leaves one window.
  if (__builtin_mul_overflow(base_stride, step, &st[size_t(d)])) {
    TZ_CHECK(s[size_t(d)] <= 1, "unfold", "stride ", base_stride, " * step ", step, " overflows int64 (", describe(x), ")");
    st[size_t(d)] = base_stride;
  }
  s.push_back(size);
  st.push_back(base_stride);
  Tensor y = raw_view(x, s, st, x.storage_offset());
  return region_view("UnfoldBackward", x, y, [d, size, step](const Tensor& t) { return unfold(t, d, size, step); },
                     /*overlapping=*/step < size);
}

Tensor diagonal(const Tensor& x, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t a = wrap_dim(dim1, x.dim(), "diagonal"), b = wrap_dim(dim2, x.dim(), "diagonal");
  TZ_CHECK(a != b, "diagonal", "dim1 and dim2 must differ, got ", dim1, " and ", dim2);
  int64_t len, off = x.storage_offset();
  if (offset >= 0) {
    len = std::max<int64_t>(std::min(x.size(a), x.size(b) - offset), 0);
    off += len > 0 ? offset * x.stride(b) : 0;
  } else {
    len = std::max<int64_t>(std::min(x.size(a) + offset, x.size(b)), 0);
    off -= len > 0 ? offset * x.stride(a) : 0;
  }
  Shape s;
  Strides st;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i != a && i != b) s.push_back(x.size(i)), st.push_back(x.stride(i));
  s.push_back(len);
  int64_t dstride = 0;
  if (__builtin_add_overflow(x.stride(a), x.stride(b), &dstride)) {
    // Strides this large only occur on empty tensors, whose strides never move.
    TZ_CHECK(len <= 1 || x.numel() == 0, "diagonal", "stride ", x.stride(a), " + ", x.stride(b), " overflows int64 (",
             describe(x), ")");
    dstride = INT64_MAX;
  }
  st.push_back(dstride);
  Tensor y = raw_view(x, s, st, off);
  return region_view("SliceBackward", x, y, [offset, a, b](const Tensor& t) { return diagonal(t, offset, a, b); });
}

Tensor as_strided(const Tensor& x, const Shape& sizes, const Strides& strides, std::optional<int64_t> storage_offset) {
  TZ_CHECK(sizes.size() == strides.size(), "as_strided", "sizes ", shape_str(sizes), " and strides ", shape_str(strides),
           " differ in length");
  const int64_t off = storage_offset.value_or(x.storage_offset());
  // The extent (offset + sum (size - 1) * stride + 1 elements, in bytes) is computed with
  // overflow checks: a wrapped extent would pass the bound check and read foreign memory.
  int64_t end = off;
  bool overflow = false;
  for (size_t i = 0; i < sizes.size(); ++i) {
    TZ_CHECK(sizes[i] >= 0 && strides[i] >= 0, "as_strided", "negative size or stride in ", shape_str(sizes), " / ",
             shape_str(strides));
    int64_t span = 0;
    if (sizes[i] > 0)
      overflow |= __builtin_mul_overflow(sizes[i] - 1, strides[i], &span) || __builtin_add_overflow(end, span, &end);
  }
  overflow = overflow || __builtin_add_overflow(end, int64_t(1), &end) ||
             __builtin_mul_overflow(end, int64_t(dtype_size(x.dtype())), &end);
  const bool empty = numel_of(sizes, "as_strided") == 0;
  TZ_CHECK(empty || (off >= 0 && !overflow && end <= int64_t(x.storage()->nbytes())), "as_strided", "view of ",
           shape_str(sizes), " with strides ", shape_str(strides), " and offset ", off, " reaches outside the storage of ",
           x.storage()->nbytes(), " bytes", overflow ? " (its extent overflows int64)" : "");
  Tensor y = raw_view(x, sizes, strides, off);
  // The gradient geometry is relative to a contiguous tensor of x's shape, like PyTorch's
  // as_strided backward on a contiguous input.
  const int64_t rel = off - x.storage_offset();
  return region_view("AsStridedBackward", x, y, [sizes, strides, rel](const Tensor& t) {
    return as_strided(t, sizes, strides, t.storage_offset() + rel);
  }, /*overlapping=*/true);
}

TensorList unbind(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim(), "unbind");
  TensorList out;
  for (int64_t i = 0; i < x.size(d); ++i) out.push_back(select(x, d, i));
  return out;
}

}  // namespace tz
