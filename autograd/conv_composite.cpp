// Convolution from mandatory kernels only (copy, fill, binary add, batched matmul): the path a
// backend without conv kernels runs. im2col is a strided window view of the zero-padded input
// copied contiguous; the GEMMs go straight to the backend's matmul kernel on TensorViews.
#include "autograd/conv_internal.h"
#include "core/dispatch.h"

namespace tz::detail {

namespace {

int64_t prod(const Shape& s) { return numel_of(s); }

/// Kernel view of t with explicit sizes/strides/offset (elements, relative to t's first element).
TensorView sub_view(const Tensor& t, const Shape& sizes, const Strides& strides, int64_t offset) {
  TensorView v;
  v.data = static_cast<char*>(t.data_ptr()) + offset * int64_t(dtype_size(t.dtype()));
  v.dtype = t.dtype();
  v.sizes = sizes;
  v.strides = strides;
  return v;
}

bool has_padding(const ConvParams& p) {
  for (size_t i = 0; i < p.padding_begin.size(); ++i)
    if (p.padding_begin[i] != 0 || p.padding_end[i] != 0) return true;
  return false;
}

/// Offset (elements) of the first interior element of a padded tensor.
int64_t interior_offset(const Tensor& padded, const ConvParams& p) {
  int64_t off = 0;
  for (size_t i = 0; i < p.padding_begin.size(); ++i) off += p.padding_begin[i] * padded.stride(int64_t(2 + i));
  return off;
}

Shape padded_shape(const Shape& in_shape, const ConvParams& p) {
  Shape s = in_shape;
  for (size_t i = 0; i < p.padding_begin.size(); ++i) s[2 + i] += p.padding_begin[i] + p.padding_end[i];
  return s;
}

/// out[b] = a[b] @ bm[b] on views, through the backend kernel.
void gemm(const Tensor& like, const TensorView& out, const TensorView& a, const TensorView& bm) {
  dispatch::check_supported("convolution", like, OpKind::Matmul, like.dtype());
  dispatch::backend_of(like).matmul(out, a, bm, false);
}

}  // namespace

Shape conv_output_spatial(const Shape& in_spatial, const Shape& kernel, const ConvParams& p) {
  Shape out(in_spatial.size());
  for (size_t i = 0; i < in_spatial.size(); ++i)
    out[i] = (in_spatial[i] + p.padding_begin[i] + p.padding_end[i] - p.dilation[i] * (kernel[i] - 1) - 1) / p.stride[i] + 1;
  return out;
}

Tensor raw_im2col(const Tensor& x, const Shape& kernel, const ConvParams& p, const Shape& out_spatial) {
  const size_t n = kernel.size();
  Backend& be = dispatch::backend_of(x);
  Tensor xp = x;
  if (has_padding(p)) {
    xp = dispatch::empty(padded_shape(x.shape(), p), x.dtype(), x.device());
    be.fill(xp.kernel_view(), 0);
    be.copy(sub_view(xp, x.shape(), xp.strides(), interior_offset(xp, p)), x.kernel_view());
  }
  const Shape out_sp =
      out_spatial.empty() ? conv_output_spatial(Shape(x.shape().begin() + 2, x.shape().end()), kernel, p) : out_spatial;
  Shape sizes{x.size(0), x.size(1)};
  Strides strides{xp.stride(0), xp.stride(1)};
  for (size_t i = 0; i < n; ++i) sizes.push_back(kernel[i]), strides.push_back(p.dilation[i] * xp.stride(int64_t(2 + i)));
  for (size_t i = 0; i < n; ++i) sizes.push_back(out_sp[i]), strides.push_back(p.stride[i] * xp.stride(int64_t(2 + i)));
  Tensor cols = dispatch::empty(sizes, x.dtype(), x.device());
  if (cols.numel() > 0) be.copy(cols.kernel_view(), sub_view(xp, sizes, strides, 0));
  return cols;
}

Tensor raw_col2im(const Tensor& cols_in, const Shape& in_shape, const Shape& kernel, const ConvParams& p) {
  const size_t n = kernel.size();
  Backend& be = dispatch::backend_of(cols_in);
  const Tensor cols = dispatch::contiguous(cols_in);
  Tensor xp = dispatch::empty(padded_shape(in_shape, p), cols.dtype(), cols.device());
  be.fill(xp.kernel_view(), 0);
  // For one kernel offset the target positions are distinct, so each offset is one elementwise
  // add of a cols slice into a strided view of the padded buffer (through a temporary, since
  // kernel outputs may not alias their inputs).
  Shape sizes{in_shape[0], in_shape[1]};
  Strides target_strides{xp.stride(0), xp.stride(1)}, src_strides{cols.stride(0), cols.stride(1)};
  for (size_t i = 0; i < n; ++i) {
    sizes.push_back(cols.size(int64_t(2 + n + i)));
    target_strides.push_back(p.stride[i] * xp.stride(int64_t(2 + i)));
    src_strides.push_back(cols.stride(int64_t(2 + n + i)));
  }
  const int64_t K = prod(kernel);
  if (numel_of(sizes) > 0) {
    Tensor tmp = dispatch::empty(sizes, cols.dtype(), cols.device());
    for (int64_t kk = 0; kk < K; ++kk) {
      int64_t rem = kk, target_off = 0, src_off = 0;
      for (int64_t i = int64_t(n) - 1; i >= 0; --i) {
        const int64_t ki = rem % kernel[size_t(i)];
        rem /= kernel[size_t(i)];
        target_off += ki * p.dilation[size_t(i)] * xp.stride(2 + i);
        src_off += ki * cols.stride(2 + i);
      }
      const TensorView target = sub_view(xp, sizes, target_strides, target_off);
      be.copy(tmp.kernel_view(), target);
      be.binary(BinaryOp::Add, target, tmp.kernel_view(), sub_view(cols, sizes, src_strides, src_off));
    }
  }
  if (!has_padding(p)) return xp;
  Tensor out = dispatch::empty(in_shape, cols.dtype(), cols.device());
  be.copy(out.kernel_view(), sub_view(xp, in_shape, xp.strides(), interior_offset(xp, p)));
  return out;
}

Tensor conv_forward_composite(const Tensor& x, const Tensor& w_in, const Tensor& bias, const ConvParams& p) {
  const Shape kernel(w_in.shape().begin() + 2, w_in.shape().end());
  const int64_t N = x.size(0), G = p.groups, O = w_in.size(0), Og = O / G, CgK = w_in.numel() / std::max<int64_t>(O, 1);
  const Tensor w = dispatch::contiguous(w_in);
  const Tensor cols = raw_im2col(x, kernel, p);  // [N, G, CgK, L]
  const Shape out_sp = conv_output_spatial(Shape(x.shape().begin() + 2, x.shape().end()), kernel, p);
  const int64_t L = numel_of(out_sp);
  Shape out_shape{N, O};
  out_shape.insert(out_shape.end(), out_sp.begin(), out_sp.end());
  Tensor out = dispatch::empty(out_shape, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  // One batched GEMM (over N) per group: out[n, g] = w[g] @ cols[n, g]; w broadcast over n.
  for (int64_t g = 0; g < G; ++g)
    gemm(x, sub_view(out, {N, Og, L}, {O * L, L, 1}, g * Og * L), sub_view(w, {N, Og, CgK}, {0, CgK, 1}, g * Og * CgK),
         sub_view(cols, {N, CgK, L}, {G * CgK * L, L, 1}, g * CgK * L));
  if (bias.defined()) {
    Shape bshape(out_shape.size(), 1);
    bshape[1] = O;
    const Tensor b = dispatch::contiguous(bias);
    out = dispatch::binary(BinaryOp::Add, out, dispatch::make_view(b, bshape, contiguous_strides(bshape), b.storage_offset()));
  }
  return out;
}

Tensor conv_grad_input_composite(const Tensor& gy_in, const Tensor& w_in, const ConvParams& p, const Shape& in_shape) {
  const Shape kernel(w_in.shape().begin() + 2, w_in.shape().end());
  const int64_t N = in_shape[0], C = in_shape[1], G = p.groups, O = w_in.size(0), Og = O / G, Cg = C / G;
  const int64_t K = numel_of(kernel), CgK = Cg * K;
  const Tensor w = dispatch::contiguous(w_in), gy = dispatch::contiguous(gy_in);
  const Shape out_sp(gy.shape().begin() + 2, gy.shape().end());
  const int64_t L = numel_of(out_sp);
  Shape cols_shape{N, C};
  cols_shape.insert(cols_shape.end(), kernel.begin(), kernel.end());
  cols_shape.insert(cols_shape.end(), out_sp.begin(), out_sp.end());
  Tensor cols = dispatch::empty(cols_shape, gy.dtype(), gy.device());
  // cols[n, g] = w[g]^T @ gy[n, g]
  if (cols.numel() > 0) {
    if (Og == 0) {
      dispatch::fill(cols, 0);
    } else {
      for (int64_t g = 0; g < G; ++g)
        gemm(gy, sub_view(cols, {N, CgK, L}, {C * K * L, L, 1}, g * CgK * L),
             sub_view(w, {N, CgK, Og}, {0, 1, CgK}, g * Og * CgK), sub_view(gy, {N, Og, L}, {O * L, L, 1}, g * Og * L));
    }
  }
  return raw_col2im(cols, in_shape, kernel, p);
}

Tensor conv_grad_weight_composite(const Tensor& gy_in, const Tensor& x, const ConvParams& p, const Shape& w_shape) {
  const Shape kernel(w_shape.begin() + 2, w_shape.end());
  const int64_t N = x.size(0), G = p.groups, O = w_shape[0], Og = O / G, Cg = w_shape[1];
  const int64_t CgK = Cg * numel_of(kernel);
  Backend& be = dispatch::backend_of(x);
  const Shape out_sp(gy_in.shape().begin() + 2, gy_in.shape().end());
  const Tensor cols = raw_im2col(x, kernel, p, out_sp);  // [N, G, CgK, L]
  const int64_t L = numel_of(out_sp);
  Tensor gw = dispatch::empty(w_shape, x.dtype(), x.device());
  if (gw.numel() == 0) return gw;
  if (N * L == 0) {
    dispatch::fill(gw, 0);
    return gw;
  }
  // Reduce over (n, l) in one GEMM per group batch: gw[g] = gy[g] [Og, N*L] @ cols[g]^T [N*L, CgK].
  Tensor gyt = dispatch::empty({G, Og, N, L}, x.dtype(), x.device());
  be.copy(gyt.kernel_view(), sub_view(dispatch::contiguous(gy_in), {G, Og, N, L}, {Og * L, L, O * L, 1}, 0));
  Tensor colst = dispatch::empty({G, CgK, N, L}, x.dtype(), x.device());
  be.copy(colst.kernel_view(), sub_view(cols, {G, CgK, N, L}, {CgK * L, L, G * CgK * L, 1}, 0));
  gemm(x, sub_view(gw, {G, Og, CgK}, {Og * CgK, CgK, 1}, 0), sub_view(gyt, {G, Og, N * L}, {Og * N * L, N * L, 1}, 0),
       sub_view(colst, {G, N * L, CgK}, {CgK * N * L, 1, N * L}, 0));
  return gw;
}

}  // namespace tz::detail
