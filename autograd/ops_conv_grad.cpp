// The three linear maps of a convolution (forward, grad-input, grad-weight) as raw kernel calls
// and as differentiable ops. Each raw map tries the backend's kernels (both the direct one and
// the transposed-convolution twin computing the same map) before the composite. The
// differentiable grad maps record nodes whose backward is again made of the three maps, so
// gradients of any order exist.
#include "autograd/conv_internal.h"
#include "autograd/ops_conv.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz::detail {

using autograd::BackwardArgs;
using autograd::SavedTensor;

namespace {

ConvParams as_transposed(const ConvParams& p) {
  ConvParams t = p;
  t.transposed = true;
  return t;
}

/// Kernel view of a possibly undefined bias (null data when absent).
TensorView bias_view(const Tensor& bias, DType dtype) {
  if (bias.defined()) return bias.kernel_view();
  TensorView v;
  v.dtype = dtype;
  v.sizes = {0};
  v.strides = {1};
  return v;
}

Tensor add_channel_bias(const Tensor& out, const Tensor& bias) {
  if (!bias.defined()) return out;
  Shape bshape(size_t(out.dim()), 1);
  bshape[1] = bias.numel();
  const Tensor b = dispatch::contiguous(bias);
  return dispatch::binary(BinaryOp::Add, out, dispatch::make_view(b, bshape, contiguous_strides(bshape), b.storage_offset()));
}

/// Sum of empty products: zeros, plus the bias where one is given.
Tensor zeros_plus_bias(const Tensor& out, const Tensor& bias) {
  dispatch::fill(out, 0);
  return add_channel_bias(out, bias);
}

}  // namespace

Tensor raw_conv_forward(const Tensor& x_in, const Tensor& w_in, const Tensor& bias_in, const ConvParams& p) {
  dispatch::check_supported("convolution", x_in, OpKind::Conv, x_in.dtype());
  const Tensor x = dispatch::contiguous(x_in), w = dispatch::contiguous(w_in);
  const Tensor bias = bias_in.defined() ? dispatch::contiguous(bias_in) : Tensor();
  const Shape kernel(w.shape().begin() + 2, w.shape().end());
  Shape out_shape{x.size(0), w.size(0)};
  for (int64_t s : conv_output_spatial(Shape(x.shape().begin() + 2, x.shape().end()), kernel, p)) out_shape.push_back(s);
  Tensor out = dispatch::empty(out_shape, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  if (x.numel() == 0 || w.numel() == 0) return zeros_plus_bias(out, bias);
  Backend& be = dispatch::backend_of(x);
  if (be.conv(out.kernel_view(), x.kernel_view(), w.kernel_view(), bias_view(bias, x.dtype()), p)) return out;
  if (be.conv_backward_input(out.kernel_view(), x.kernel_view(), w.kernel_view(), as_transposed(p)))
    return add_channel_bias(out, bias);
  return conv_forward_composite(x, w, bias, p);
}

Tensor raw_conv_grad_input(const Tensor& gy_in, const Tensor& w_in, const ConvParams& p, const Shape& in_shape,
                           const Tensor& bias_in) {
  dispatch::check_supported("convolution", gy_in, OpKind::Conv, gy_in.dtype());
  const Tensor gy = dispatch::contiguous(gy_in), w = dispatch::contiguous(w_in);
  const Tensor bias = bias_in.defined() ? dispatch::contiguous(bias_in) : Tensor();
  Tensor gin = dispatch::empty(in_shape, gy.dtype(), gy.device());
  if (gin.numel() == 0) return gin;
  if (gy.numel() == 0 || w.numel() == 0) return zeros_plus_bias(gin, bias);
  Backend& be = dispatch::backend_of(gy);
  if (be.conv(gin.kernel_view(), gy.kernel_view(), w.kernel_view(), bias_view(bias, gy.dtype()), as_transposed(p))) return gin;
  if (be.conv_backward_input(gin.kernel_view(), gy.kernel_view(), w.kernel_view(), p)) return add_channel_bias(gin, bias);
  return add_channel_bias(conv_grad_input_composite(gy, w, p, in_shape), bias);
}

Tensor raw_conv_grad_weight(const Tensor& gy_in, const Tensor& x_in, const ConvParams& p, const Shape& w_shape) {
  dispatch::check_supported("convolution", gy_in, OpKind::Conv, gy_in.dtype());
  const Tensor gy = dispatch::contiguous(gy_in), x = dispatch::contiguous(x_in);
  Tensor gw = dispatch::empty(w_shape, gy.dtype(), gy.device());
  if (gw.numel() == 0) return gw;
  if (gy.numel() == 0 || x.numel() == 0) {
    dispatch::fill(gw, 0);
    return gw;
  }
  Backend& be = dispatch::backend_of(gy);
  if (be.conv_backward_weight(gw.kernel_view(), gy.kernel_view(), x.kernel_view(), p)) return gw;
  // Weight gradient of the transposed twin: its grad_out is our input, its input our grad_out.
  if (be.conv_backward_weight(gw.kernel_view(), x.kernel_view(), gy.kernel_view(), as_transposed(p))) return gw;
  return conv_grad_weight_composite(gy, x, p, w_shape);
}

Tensor conv_forward_to(const Tensor& x, const Tensor& w, const ConvParams& p, const Shape& out_shape) {
  Tensor y = convolution(x, w, {}, p);
  for (int64_t d = 2; d < y.dim(); ++d)
    if (y.size(d) != out_shape[size_t(d)]) y = y.narrow(d, 0, out_shape[size_t(d)]);
  return y;
}

Tensor conv_grad_input(const Tensor& gy, const Tensor& w, const ConvParams& p, const Shape& in_shape) {
  Tensor gin = raw_conv_grad_input(gy, w, p, in_shape);
  if (autograd::needs_grad({gy, w})) {
    // <g, Gi(gy, w)> = <F(g, w), gy> = <Gw(gy, g), w>
    autograd::record("ConvBackwardInputBackward", {gy, w}, {gin},
                     [sgy = SavedTensor::input(gy), sw = SavedTensor::input(w), p](const BackwardArgs& a) {
                       const Tensor& g = a.grads[0];
                       const Tensor gy = sgy.unpack(), w = sw.unpack();
                       Tensor d_gy, d_w;
                       if (a.needs_input_grad[0]) d_gy = conv_forward_to(g, w, p, gy.shape());
                       if (a.needs_input_grad[1]) d_w = conv_grad_weight(gy, g, p, w.shape());
                       return TensorList{d_gy, d_w};
                     });
  }
  return gin;
}

Tensor conv_grad_weight(const Tensor& gy, const Tensor& x, const ConvParams& p, const Shape& w_shape) {
  Tensor gw = raw_conv_grad_weight(gy, x, p, w_shape);
  if (autograd::needs_grad({gy, x})) {
    // <g, Gw(gy, x)> = <gy, F(x, g)> = <x, Gi(gy, g)>
    autograd::record("ConvBackwardWeightBackward", {gy, x}, {gw},
                     [sgy = SavedTensor::input(gy), sx = SavedTensor::input(x), p](const BackwardArgs& a) {
                       const Tensor& g = a.grads[0];
                       const Tensor gy = sgy.unpack(), x = sx.unpack();
                       Tensor d_gy, d_x;
                       if (a.needs_input_grad[0]) d_gy = conv_forward_to(x, g, p, gy.shape());
                       if (a.needs_input_grad[1]) d_x = conv_grad_input(gy, g, p, x.shape());
                       return TensorList{d_gy, d_x};
                     });
  }
  return gw;
}

}  // namespace tz::detail
