// im2col (F.unfold) and fold (F.fold, col2im): 2-d sliding blocks, each the other's adjoint, so
// each op's backward is the other op and gradients of any order follow.
#include "autograd/conv_internal.h"
#include "autograd/ops_conv.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;

namespace {

std::vector<int64_t> pair_of(const IntList& v, const char* op, const char* what) {
  TZ_CHECK(v.size() == 1 || v.size() == 2, op, what, " expects 1 or 2 values, got ", shape_str(v));
  return v.size() == 1 ? std::vector<int64_t>{v[0], v[0]} : v;
}

struct Blocks {
  Shape kernel;
  ConvParams p;
};

Blocks make_blocks(const char* op, const IntList& kernel_size, const IntList& dilation, const IntList& padding,
                   const IntList& stride) {
  Blocks b;
  b.kernel = pair_of(kernel_size, op, "kernel_size");
  b.p.dilation = pair_of(dilation, op, "dilation");
  b.p.padding_begin = b.p.padding_end = pair_of(padding, op, "padding");
  b.p.stride = pair_of(stride, op, "stride");
  b.p.output_padding = {0, 0};
  for (int i = 0; i < 2; ++i) {
    TZ_CHECK(b.kernel[size_t(i)] > 0, op, "kernel_size must be positive, got ", shape_str(b.kernel));
    TZ_CHECK(b.p.dilation[size_t(i)] > 0, op, "dilation must be positive, got ", shape_str(b.p.dilation));
    TZ_CHECK(b.p.stride[size_t(i)] > 0, op, "stride must be positive, got ", shape_str(b.p.stride));
    TZ_CHECK(b.p.padding_begin[size_t(i)] >= 0, op, "padding must be non-negative, got ", shape_str(b.p.padding_begin));
  }
  return b;
}

/// Number of blocks along each spatial dim; each must be at least one.
Shape block_counts(const char* op, const Shape& spatial, const Blocks& b) {
  Shape out(2);
  for (size_t i = 0; i < 2; ++i) {
    const int64_t span = spatial[i] + 2 * b.p.padding_begin[i] - b.p.dilation[i] * (b.kernel[i] - 1) - 1;
    out[i] = span < 0 ? 0 : span / b.p.stride[i] + 1;
  }
  TZ_CHECK(out[0] > 0 && out[1] > 0, op, "spatial size ", shape_str(spatial), " with kernel_size ", shape_str(b.kernel),
           ", dilation ", shape_str(b.p.dilation), ", padding ", shape_str(b.p.padding_begin), " and stride ",
           shape_str(b.p.stride), " gives ", shape_str(out), " sliding blocks; each count must be at least one");
  return out;
}

}  // namespace

Tensor im2col(const Tensor& x_in, const IntList& kernel_size, const IntList& dilation, const IntList& padding,
              const IntList& stride) {
  const char* op = "im2col";
  TZ_CHECK(x_in.dim() == 3 || x_in.dim() == 4, op, "expects a 3-d [C, H, W] or 4-d [N, C, H, W] input, got ", describe(x_in));
  TZ_CHECK(is_floating(x_in.dtype()), op, "expects a floating input, got ", describe(x_in));
  const Blocks b = make_blocks(op, kernel_size, dilation, padding, stride);
  const bool batchless = x_in.dim() == 3;
  const Tensor x = batchless ? x_in.unsqueeze(0) : x_in;
  const Shape counts = block_counts(op, {x.size(2), x.size(3)}, b);
  Tensor cols = detail::raw_im2col(x, b.kernel, b.p);
  cols = dispatch::make_view(cols, {x.size(0), x.size(1) * b.kernel[0] * b.kernel[1], counts[0] * counts[1]},
                             contiguous_strides({x.size(0), x.size(1) * b.kernel[0] * b.kernel[1], counts[0] * counts[1]}), 0);
  cols.impl()->is_view = false;
  if (autograd::needs_grad({x})) {
    autograd::record("Im2colBackward", {x}, {cols},
                     [size = Shape{x.size(2), x.size(3)}, kernel_size, dilation, padding, stride](const BackwardArgs& a) {
                       return TensorList{fold(a.grads[0], size, kernel_size, dilation, padding, stride)};
                     });
  }
  return batchless ? cols.squeeze(0) : cols;
}

Tensor fold(const Tensor& x_in, const IntList& output_size, const IntList& kernel_size, const IntList& dilation,
            const IntList& padding, const IntList& stride) {
  const char* op = "fold";
  TZ_CHECK(x_in.dim() == 2 || x_in.dim() == 3, op, "expects a 2-d [C*kh*kw, L] or 3-d [N, C*kh*kw, L] input, got ",
           describe(x_in));
  TZ_CHECK(is_floating(x_in.dtype()), op, "expects a floating input, got ", describe(x_in));
  const Blocks b = make_blocks(op, kernel_size, dilation, padding, stride);
  const Shape size = pair_of(output_size, op, "output_size");
  TZ_CHECK(size[0] > 0 && size[1] > 0, op, "output_size must be positive, got ", shape_str(size));
  const bool batchless = x_in.dim() == 2;
  const Tensor x = batchless ? x_in.unsqueeze(0) : x_in;
  const int64_t K = b.kernel[0] * b.kernel[1];
  TZ_CHECK(x.size(1) % K == 0, op, "expected size of dim 1 of input ", describe(x_in), " to be divisible by the product of kernel_size ",
           shape_str(b.kernel), " = ", K);
  const Shape counts = block_counts(op, size, b);
  TZ_CHECK(x.size(2) == counts[0] * counts[1], op, "input ", describe(x_in), " has ", x.size(2), " blocks but output_size ",
           shape_str(size), " with kernel_size ", shape_str(b.kernel), " gives ", counts[0], " x ", counts[1], " = ",
           counts[0] * counts[1], " blocks");
  const int64_t N = x.size(0), C = x.size(1) / K;
  const Tensor xc = dispatch::contiguous(x);
  const Shape cols_shape{N, C, b.kernel[0], b.kernel[1], counts[0], counts[1]};
  const Tensor cols = dispatch::make_view(xc, cols_shape, contiguous_strides(cols_shape), xc.storage_offset());
  Tensor y = detail::raw_col2im(cols, {N, C, size[0], size[1]}, b.kernel, b.p);
  if (autograd::needs_grad({x})) {
    autograd::record("FoldBackward", {x}, {y}, [kernel_size, dilation, padding, stride](const BackwardArgs& a) {
      return TensorList{im2col(a.grads[0], kernel_size, dilation, padding, stride)};
    });
  }
  return batchless ? y.squeeze(0) : y;
}

}  // namespace tz
