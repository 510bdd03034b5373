// Max and average pooling (1-3 spatial dims): PyTorch's shape rules, the backend's pool kernel
// with a composite fallback, and backward through public differentiable ops.
//
// Max pooling's gradient goes to the argmax: the output is re-expressed as a chain of where()
// selections among the strided slices of the (zero-padded) input, one slice per kernel offset,
// picking the slice whose flat input index equals the argmax index. Slices, where and the
// padding (a resample) are differentiable, so grad-of-grad works and no scatter is needed.
// Average pooling is linear and separable: its adjoint is the transposed per-dim resampling.
#include <cmath>
#include <limits>

#include "autograd/ops_binary.h"
#include "autograd/ops_conv.h"
#include "autograd/ops_shape.h"
#include "autograd/pool_support.h"
#include "autograd/record.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz {

using detail::ResampleTaps;
using detail::TapsPtr;

namespace {

/// Checked pooling problem on the batched input [N, C, *spatial].
struct PoolSetup {
  const char* op = "";
  int64_t nsp = 0;
  bool batched = true;
  Tensor xb;  // the input with a batch dim
  Shape in_shape;   // xb's shape (kept when xb is dropped from a backward closure)
  PoolParams p;
  Shape out_shape;  // batched
};

/// PyTorch's pooling output size: floor (or ceil) of the window count, where with ceil_mode the
/// last window must start inside the input or the left padding.
int64_t pool_output_size(int64_t in, int64_t k, int64_t pad, int64_t s, int64_t d, bool ceil_mode) {
  const int64_t num = in + 2 * pad - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
  if (ceil_mode && (out - 1) * s >= in + pad) --out;
  return out;
}

PoolSetup setup_pool(const char* op, PoolKind kind, const Tensor& x, int64_t nsp, const IntList& kernel_size,
                     const IntList& stride, const IntList& padding, const IntList& dilation, bool ceil_mode) {
  TZ_CHECK(x.defined(), op, "the input is undefined");
  TZ_CHECK(x.dim() == nsp + 1 || x.dim() == nsp + 2, op, "expected a ", nsp + 1, "-d (unbatched) or ", nsp + 2,
           "-d (batched) input, got ", describe(x));
  TZ_CHECK(x.is_floating_point(), op, "expected a floating input, got ", describe(x));
  for (int64_t d = x.dim() - nsp - 1; d < x.dim(); ++d)
    TZ_CHECK(x.size(d) > 0, op, "expected non-zero sizes for the non-batch dims, got ", describe(x));
  PoolSetup s;
  s.op = op;
  s.nsp = nsp;
  s.batched = x.dim() == nsp + 2;
  s.xb = s.batched ? x : x.unsqueeze(0);
  s.in_shape = s.xb.shape();
  s.p.kind = kind;
  s.p.kernel = detail::spatial_param(op, "kernel_size", kernel_size, nsp);
  s.p.stride = stride.empty() ? s.p.kernel : detail::spatial_param(op, "stride", stride, nsp);
  s.p.padding = detail::spatial_param(op, "padding", padding, nsp);
  s.p.dilation = detail::spatial_param(op, "dilation", dilation, nsp);
  s.p.ceil_mode = ceil_mode;
  s.out_shape = {s.xb.size(0), s.xb.size(1)};
  for (int64_t j = 0; j < nsp; ++j) {
    const int64_t k = s.p.kernel[size_t(j)], st = s.p.stride[size_t(j)], pad = s.p.padding[size_t(j)],
                  dil = s.p.dilation[size_t(j)];
    TZ_CHECK(k > 0, op, "kernel_size must be greater than zero, got ", detail::list_str(s.p.kernel));
    TZ_CHECK(st > 0, op, "stride must be greater than zero, got ", detail::list_str(s.p.stride));
    TZ_CHECK(dil > 0, op, "dilation must be greater than zero, got ", detail::list_str(s.p.dilation));
    TZ_CHECK(pad >= 0, op, "padding must be non-negative, got ", detail::list_str(s.p.padding));
    TZ_CHECK(pad <= k / 2, op, "pad should be at most half of kernel size, but got padding=",
             detail::list_str(s.p.padding), " and kernel_size=", detail::list_str(s.p.kernel));
    s.out_shape.push_back(pool_output_size(s.xb.size(2 + j), k, pad, st, dil, ceil_mode));
  }
  for (int64_t j = 0; j < nsp; ++j)
    TZ_CHECK(s.out_shape[size_t(2 + j)] >= 1, op, "input ", describe(x), " gives output size ",
             detail::list_str(Shape(s.out_shape.begin() + 2, s.out_shape.end())), ": output size is too small");
  return s;
}

Tensor unbatch(const PoolSetup& s, const Tensor& t) { return s.batched ? t : t.squeeze(0); }

/// Runs the backend kernel; false when the backend has none for this problem.
bool run_pool_kernel(const PoolSetup& s, const Tensor& out, const Tensor* indices) {
  Backend& backend = dispatch::backend_of(s.xb);
  if (detail::g_force_pool_composite || !backend.supports(OpKey(OpKind::Pool), s.xb.dtype())) return false;
  TensorView iv;
  if (indices) iv = indices->kernel_view();
  else {
    iv.dtype = DType::I64;
    iv.sizes = out.shape();
    iv.strides = out.strides();
  }
  return backend.pool(out.kernel_view(), iv, s.xb.kernel_view(), s.p);
}

// ---- max pooling ----------------------------------------------------------------------------

/// Geometry of the composite: the input zero-padded per dim to cover every window, and for each
/// kernel offset the flat (unpadded, per-plane) input index each output reads, -1 in padding.
struct MaxWindows {
  Tensor padded;                          // [N, C, *padded spatial]
  std::vector<Tensor> slices;             // per kernel offset: [N, C, *out spatial] views of padded
  std::vector<std::vector<int64_t>> flat;  // per kernel offset: flat input index per output
};

/// Zero padding of dim (2 + j) to `len` elements with `left` leading zeros, as a resample.
Tensor pad_dim(const Tensor& x, int64_t dim, int64_t left, int64_t len) {
  const int64_t in = x.size(dim);
  if (left == 0 && len <= in) return len == in ? x : x.narrow(dim, 0, len);
  auto t = std::make_shared<ResampleTaps>();
  t->in_len = in;
  t->out_len = len;
  t->taps = 1;
  t->index.assign(size_t(len), 0);
  t->weight.assign(size_t(len), 0.0);
  for (int64_t i = 0; i < len; ++i)
    if (i - left >= 0 && i - left < in) {
      t->index[size_t(i)] = i - left;
      t->weight[size_t(i)] = 1.0;
    }
  return detail::resample(x, dim, t);
}

MaxWindows max_windows(const PoolSetup& s) {
  MaxWindows w;
  const int64_t nsp = s.nsp;
  Tensor padded = s.xb;
  Shape in_sp, out_sp;
  for (int64_t j = 0; j < nsp; ++j) {
    in_sp.push_back(s.xb.size(2 + j));
    out_sp.push_back(s.out_shape[size_t(2 + j)]);
    const int64_t extent = (out_sp.back() - 1) * s.p.stride[size_t(j)] + (s.p.kernel[size_t(j)] - 1) * s.p.dilation[size_t(j)] + 1;
    padded = pad_dim(padded, 2 + j, s.p.padding[size_t(j)], extent);
  }
  w.padded = padded;
  const int64_t n_out = numel_of(out_sp);
  int64_t n_offsets = 1;
  for (int64_t k : s.p.kernel) n_offsets *= k;
  for (int64_t off = 0; off < n_offsets; ++off) {
    Shape kk(static_cast<size_t>(nsp));
    for (int64_t j = nsp - 1, r = off; j >= 0; --j) {
      kk[size_t(j)] = r % s.p.kernel[size_t(j)];
      r /= s.p.kernel[size_t(j)];
    }
    Tensor v = padded;
    for (int64_t j = 0; j < nsp; ++j) {
      const int64_t start = kk[size_t(j)] * s.p.dilation[size_t(j)];
      v = v.slice(2 + j, start, start + (out_sp[size_t(j)] - 1) * s.p.stride[size_t(j)] + 1, s.p.stride[size_t(j)]);
    }
    w.slices.push_back(v);
    std::vector<int64_t> flat(static_cast<size_t>(n_out));
    for (int64_t o = 0; o < n_out; ++o) {
      int64_t rem = o, f = 0, scale = 1;
      bool valid = true;
      for (int64_t j = nsp - 1; j >= 0; --j) {
        const int64_t oj = rem % out_sp[size_t(j)];
        rem /= out_sp[size_t(j)];
        const int64_t ij = oj * s.p.stride[size_t(j)] - s.p.padding[size_t(j)] + kk[size_t(j)] * s.p.dilation[size_t(j)];
        valid = valid && ij >= 0 && ij < in_sp[size_t(j)];
        f += ij * scale;
        scale *= in_sp[size_t(j)];
      }
      flat[size_t(o)] = valid ? f : -1;
    }
    w.flat.push_back(std::move(flat));
  }
  return w;
}

Tensor index_table(const std::vector<int64_t>& flat, const Shape& out_sp, Device device) {
  return from_vector(flat, out_sp, device);
}

/// Composite forward (no grad): running max over the kernel offsets with PyTorch's rule (a larger
/// value or a NaN takes over; padding never does), tracking the flat argmax index.
void max_pool_composite(const PoolSetup& s, const MaxWindows& w, Tensor& values, Tensor& indices) {
  NoGradGuard no_grad;
  const Shape out_sp(s.out_shape.begin() + 2, s.out_shape.end());
  const int64_t n_out = numel_of(out_sp);
  // The initial index is the first in-bounds window position, as in PyTorch's kernel.
  std::vector<int64_t> first(static_cast<size_t>(n_out), -1);
  for (const auto& flat : w.flat)
    for (int64_t o = 0; o < n_out; ++o)
      if (first[size_t(o)] < 0) first[size_t(o)] = flat[size_t(o)];
  Tensor best = full(s.out_shape, -std::numeric_limits<double>::infinity(), TensorOptions(s.xb.dtype(), s.xb.device()));
  Tensor best_idx = index_table(first, out_sp, s.xb.device()).expand(s.out_shape);
  for (size_t k = 0; k < w.slices.size(); ++k) {
    const Tensor flat = index_table(w.flat[k], out_sp, s.xb.device());
    const Tensor& v = w.slices[k];
    const Tensor better = logical_and(ge(flat, 0), logical_or(gt(v, best), isnan(v)));
    best = where(better, v, best);
    best_idx = where(better, flat, best_idx);
  }
  values = best;
  indices = best_idx.contiguous();
}

/// The differentiable output: each element selects the slice whose flat index is its argmax.
Tensor max_pool_select(const PoolSetup& s, const MaxWindows& w, const Tensor& indices) {
  const Shape out_sp(s.out_shape.begin() + 2, s.out_shape.end());
  Tensor out = w.slices[0];
  for (size_t k = 1; k < w.slices.size(); ++k)
    out = where(eq(indices, index_table(w.flat[k], out_sp, s.xb.device())), w.slices[k], out);
  return out;
}

ValuesIndices max_pool_impl(const char* op, const Tensor& x, int64_t nsp, const IntList& kernel_size,
                            const IntList& stride, const IntList& padding, const IntList& dilation, bool ceil_mode,
                            bool want_indices) {
  const PoolSetup s = setup_pool(op, PoolKind::Max, x, nsp, kernel_size, stride, padding, dilation, ceil_mode);
  const bool grad = autograd::needs_grad({x});
  Tensor values = dispatch::empty(s.out_shape, s.xb.dtype(), s.xb.device());
  Tensor indices = dispatch::empty(s.out_shape, DType::I64, s.xb.device());
  if (values.numel() > 0 && !run_pool_kernel(s, values, (want_indices || grad) ? &indices : nullptr)) {
    NoGradGuard no_grad;
    max_pool_composite(s, max_windows(s), values, indices);
  }
  if (grad && values.numel() > 0) {
    values = max_pool_select(s, max_windows(s), indices);  // same values, now with history
  } else if (grad) {
    values = s.xb.sum() * 0.0 + values;  // empty output: keep it attached to the graph
  }
  return {unbatch(s, values), unbatch(s, indices)};
}

// ---- average pooling ------------------------------------------------------------------------

/// Per-dim taps of average pooling: each output averages its window's in-bounds elements with
/// weight 1/count_d (the per-dim factor of PyTorch's divisor), or 1 with a divisor override.
TapsPtr avg_taps(const PoolSetup& s, int64_t j) {
  const int64_t in = s.in_shape[size_t(2 + j)], out = s.out_shape[size_t(2 + j)];
  const int64_t k = s.p.kernel[size_t(j)], st = s.p.stride[size_t(j)], pad = s.p.padding[size_t(j)];
  auto t = std::make_shared<ResampleTaps>();
  t->in_len = in;
  t->out_len = out;
  t->taps = k;
  t->index.assign(size_t(out * k), 0);
  t->weight.assign(size_t(out * k), 0.0);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * st - pad, end = std::min(start + k, in + pad);
    const int64_t lo = std::max<int64_t>(start, 0), hi = std::min(end, in);
    const int64_t count = s.p.count_include_pad ? end - start : hi - lo;
    const double weight = s.p.divisor_override ? 1.0 : 1.0 / double(count);
    for (int64_t i = lo; i < hi; ++i) {
      t->index[size_t(o * k + i - lo)] = i;
      t->weight[size_t(o * k + i - lo)] = weight;
    }
  }
  return t;
}

/// The linear map of average pooling (or its adjoint) as per-dim resamples; differentiable.
Tensor avg_pool_linear(const PoolSetup& s, const Tensor& t, bool adjoint) {
  Tensor r = t;
  if (adjoint && s.p.divisor_override) r = r / double(s.p.divisor_override);
  for (int64_t jj = 0; jj < s.nsp; ++jj) {
    const int64_t j = adjoint ? s.nsp - 1 - jj : jj;
    const TapsPtr taps = avg_taps(s, j);
    r = detail::resample(r, 2 + j, adjoint ? detail::transpose_taps(*taps) : taps);
  }
  if (!adjoint && s.p.divisor_override) r = r / double(s.p.divisor_override);
  return r;
}

Tensor avg_pool_impl(const char* op, const Tensor& x, int64_t nsp, const IntList& kernel_size, const IntList& stride,
                     const IntList& padding, bool ceil_mode, bool count_include_pad,
                     std::optional<int64_t> divisor_override) {
  PoolSetup s = setup_pool(op, PoolKind::Avg, x, nsp, kernel_size, stride, padding, {1}, ceil_mode);
  s.p.count_include_pad = count_include_pad;
  if (divisor_override) {
    TZ_CHECK(*divisor_override != 0, op, "divisor must be not zero");
    s.p.divisor_override = *divisor_override;
  }
  Tensor out = dispatch::empty(s.out_shape, s.xb.dtype(), s.xb.device());
  if (out.numel() == 0) return unbatch(s, autograd::needs_grad({x}) ? s.xb.sum() * 0.0 + out : out);
  if (!run_pool_kernel(s, out, nullptr)) return unbatch(s, avg_pool_linear(s, s.xb, false));
  if (autograd::needs_grad({s.xb})) {
    PoolSetup geometry = s;
    geometry.xb = Tensor();  // the backward needs the shapes only
    autograd::record("AvgPoolBackward", {s.xb}, {out}, [geometry](const autograd::BackwardArgs& a) {
      return TensorList{avg_pool_linear(geometry, a.grads[0], true)};
    });
  }
  return unbatch(s, out);
}

}  // namespace

Tensor max_pool1d(const Tensor& x, const IntList& kernel_size, const IntList& stride, const IntList& padding,
                  const IntList& dilation, bool ceil_mode) {
  return max_pool_impl("max_pool1d", x, 1, kernel_size, stride, padding, dilation, ceil_mode, false).values;
}
Tensor max_pool2d(const Tensor& x, const IntList& kernel_size, const IntList& stride, const IntList& padding,
                  const IntList& dilation, bool ceil_mode) {
  return max_pool_impl("max_pool2d", x, 2, kernel_size, stride, padding, dilation, ceil_mode, false).values;
}
Tensor max_pool3d(const Tensor& x, const IntList& kernel_size, const IntList& stride, const IntList& padding,
                  const IntList& dilation, bool ceil_mode) {
  return max_pool_impl("max_pool3d", x, 3, kernel_size, stride, padding, dilation, ceil_mode, false).values;
}
ValuesIndices max_pool2d_with_indices(const Tensor& x, const IntList& kernel_size, const IntList& stride,
                                      const IntList& padding, const IntList& dilation, bool ceil_mode) {
  return max_pool_impl("max_pool2d_with_indices", x, 2, kernel_size, stride, padding, dilation, ceil_mode, true);
}

Tensor avg_pool1d(const Tensor& x, const IntList& kernel_size, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad) {
  return avg_pool_impl("avg_pool1d", x, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, {});
}
Tensor avg_pool2d(const Tensor& x, const IntList& kernel_size, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool_impl("avg_pool2d", x, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override);
}
Tensor avg_pool3d(const Tensor& x, const IntList& kernel_size, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool_impl("avg_pool3d", x, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override);
}

}  // namespace tz
