// Convolutions: parameter parsing and validation, batchless inputs, and the autograd node of
// convolution(). The arithmetic lives in ops_conv_grad.cpp (kernel-or-composite dispatch).
#include <numeric>

#include "autograd/autocast.h"
#include "autograd/conv_internal.h"
#include "autograd/ops_conv.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;
using autograd::SavedTensor;

namespace {

std::string list_str(const std::vector<int64_t>& v) { return shape_str(v); }

/// One value per spatial dim (a single value applies to all).
std::vector<int64_t> per_dim(const IntList& v, size_t n, const char* op, const char* what) {
  if (v.size() == 1) return std::vector<int64_t>(n, v[0]);
  TZ_CHECK(v.size() == n, op, what, " expects 1 or ", n, " values, got ", list_str(v));
  return v;
}

/// Padding: 1 value, n values (symmetric) or 2n values (begin, end for each dim in order).
void set_padding(ConvParams& p, const IntList& pad, size_t n, const char* op) {
  if (pad.size() == 2 * n) {
    p.padding_begin.resize(n);
    p.padding_end.resize(n);
    for (size_t i = 0; i < n; ++i) p.padding_begin[i] = pad[2 * i], p.padding_end[i] = pad[2 * i + 1];
    return;
  }
  TZ_CHECK(pad.size() == 1 || pad.size() == n, op, "padding expects 1, ", n, " or ", 2 * n,
           " (begin, end per dim) values, got ", list_str(pad));
  p.padding_begin = p.padding_end = per_dim(pad, n, op, "padding");
}

ConvParams make_params(size_t n, const IntList& stride, const IntList& padding, const IntList& dilation,
                       const IntList& output_padding, int64_t groups, bool transposed, const char* op) {
  ConvParams p;
  p.stride = per_dim(stride, n, op, "stride");
  set_padding(p, padding, n, op);
  p.dilation = per_dim(dilation, n, op, "dilation");
  p.output_padding = per_dim(output_padding, n, op, "output_padding");
  p.groups = groups;
  p.transposed = transposed;
  return p;
}

/// Fills defaulted (empty) lists and checks every hyper-parameter and shape; returns the
/// completed parameters. `batchless` reports an input without its batch dim.
ConvParams validate(const char* op, const Tensor& x, const Tensor& w, const Tensor& bias, const ConvParams& in,
                    bool& batchless) {
  TZ_CHECK(x.defined() && w.defined(), op, "input and weight must be defined");
  dispatch::check_same_device(op, {&x, &w, &bias});
  TZ_CHECK(w.dim() >= 3 && w.dim() <= 5, op, "weight must be 3-d, 4-d or 5-d ([out, in/groups, *kernel]), got ",
           describe(w));
  const size_t n = size_t(w.dim() - 2);
  TZ_CHECK(x.dim() == int64_t(n) + 2 || x.dim() == int64_t(n) + 1, op, "expected a ", n + 1, "-d (unbatched) or ",
           n + 2, "-d (batched) input for weight ", describe(w), ", got input ", describe(x));
  batchless = x.dim() == int64_t(n) + 1;
  TZ_CHECK(is_floating(x.dtype()), op, "expects a floating input, got ", describe(x));
  TZ_CHECK(w.dtype() == x.dtype(), op, "input ", describe(x), " and weight ", describe(w), " must have the same dtype");
  TZ_CHECK(!bias.defined() || bias.dtype() == x.dtype(), op, "input ", describe(x), " and bias ", describe(bias),
           " must have the same dtype");
  ConvParams p = in;
  auto fill = [&](std::vector<int64_t>& v, int64_t dflt, const char* what) {
    if (v.empty()) v.assign(n, dflt);
    TZ_CHECK(v.size() == n, op, what, " needs ", n, " values for weight ", describe(w), ", got ", list_str(v));
  };
  fill(p.stride, 1, "stride");
  fill(p.padding_begin, 0, "padding");
  fill(p.padding_end, 0, "padding");
  fill(p.dilation, 1, "dilation");
  fill(p.output_padding, 0, "output_padding");
  TZ_CHECK(p.groups > 0, op, "groups must be positive, got ", p.groups);
  for (size_t i = 0; i < n; ++i) {
    TZ_CHECK(p.stride[i] > 0, op, "stride must be positive, got ", list_str(p.stride));
    TZ_CHECK(p.dilation[i] > 0, op, "dilation must be positive, got ", list_str(p.dilation));
    TZ_CHECK(p.padding_begin[i] >= 0 && p.padding_end[i] >= 0, op, "padding must be non-negative, got ",
             list_str(p.padding_begin), " and ", list_str(p.padding_end));
    TZ_CHECK(w.size(int64_t(2 + i)) > 0, op, "kernel sizes must be positive, got weight ", describe(w));
    TZ_CHECK(p.output_padding[i] >= 0, op, "output_padding must be non-negative, got ", list_str(p.output_padding));
  }
  const int64_t C = x.size(batchless ? 0 : 1);
  int64_t out_channels;
  if (!p.transposed) {
    TZ_CHECK(w.size(0) % p.groups == 0, op, "weight ", describe(w), " has ", w.size(0),
             " output channels, not divisible by groups=", p.groups);
    TZ_CHECK(w.size(1) * p.groups == C, op, "expected input ", describe(x), " to have ", w.size(1) * p.groups,
             " channels (weight ", describe(w), ", groups=", p.groups, "), but got ", C, " channels");
    out_channels = w.size(0);
    for (size_t i = 0; i < n; ++i) {
      const int64_t padded = x.size(x.dim() - int64_t(n) + int64_t(i)) + p.padding_begin[i] + p.padding_end[i];
      const int64_t reach = p.dilation[i] * (w.size(int64_t(2 + i)) - 1) + 1;
      TZ_CHECK(padded >= reach, op, "padded input size ", padded, " along spatial dim ", i, " is smaller than the dilated kernel size ",
               reach, " (input ", describe(x), ", weight ", describe(w), ")");
      TZ_CHECK(p.output_padding[i] == 0, op, "output_padding is only valid for transposed convolution");
    }
  } else {
    TZ_CHECK(w.size(0) == C, op, "expected input ", describe(x), " to have ", w.size(0), " channels (weight ",
             describe(w), " is [in, out/groups, *kernel]), but got ", C, " channels");
    TZ_CHECK(C % p.groups == 0, op, "input channels ", C, " are not divisible by groups=", p.groups);
    out_channels = w.size(1) * p.groups;
    for (size_t i = 0; i < n; ++i) {
      TZ_CHECK(p.output_padding[i] < p.stride[i] || p.output_padding[i] < p.dilation[i], op,
               "output_padding must be smaller than either stride or dilation, got output_padding ",
               list_str(p.output_padding), ", stride ", list_str(p.stride), ", dilation ", list_str(p.dilation));
      const int64_t in_size = x.size(x.dim() - int64_t(n) + int64_t(i));
      const int64_t out = (in_size - 1) * p.stride[i] - p.padding_begin[i] - p.padding_end[i] +
                          p.dilation[i] * (w.size(int64_t(2 + i)) - 1) + 1 + p.output_padding[i];
      TZ_CHECK(out > 0, op, "output size ", out, " along spatial dim ", i, " is not positive (input ", describe(x),
               ", weight ", describe(w), ")");
    }
  }
  TZ_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == out_channels), op, "bias must be 1-d of size ",
           out_channels, ", got ", describe(bias));
  return p;
}

ConvParams regular(const ConvParams& p) {
  ConvParams r = p;
  r.transposed = false;
  r.output_padding.assign(p.stride.size(), 0);
  return r;
}

/// Sum of grad_out over every dim but the channels.
Tensor bias_grad(const Tensor& g) {
  Dims dims{0};
  for (int64_t d = 2; d < g.dim(); ++d) dims.push_back(d);
  return sum(g, dims);
}

/// convolution() with errors naming the public op the user called.
Tensor convolution_named(const char* op, const Tensor& x_in, const Tensor& w, const Tensor& bias, const ConvParams& params) {
  if (autocast::is_enabled())
    return autocast::lower([&](const Tensor& x2, const Tensor& w2, const Tensor& b2) { return convolution_named(op, x2, w2, b2, params); },
                           x_in, w, bias);
  bool batchless = false;
  const ConvParams p = validate(op, x_in, w, bias, params, batchless);
  const ConvParams pr = regular(p);
  const Tensor x = batchless ? x_in.unsqueeze(0) : x_in;
  Tensor y;
  if (!p.transposed) {
    y = detail::raw_conv_forward(x, w, bias, pr);
  } else {
    Shape out_shape{x.size(0), w.size(1) * p.groups};
    for (size_t i = 0; i < p.stride.size(); ++i)
      out_shape.push_back((x.size(int64_t(2 + i)) - 1) * p.stride[i] - p.padding_begin[i] - p.padding_end[i] +
                          p.dilation[i] * (w.size(int64_t(2 + i)) - 1) + 1 + p.output_padding[i]);
    y = detail::raw_conv_grad_input(x, w, pr, out_shape, bias);
  }
  if (autograd::needs_grad({x, w, bias})) {
    autograd::record("ConvolutionBackward", {x, w, bias}, {y},
                     [sx = SavedTensor::input(x), sw = SavedTensor::input(w), pr, transposed = p.transposed](
                         const BackwardArgs& a) {
                       const Tensor& g = a.grads[0];
                       const Tensor x = sx.unpack(), w = sw.unpack();
                       Tensor gx, gw, gb;
                       if (!transposed) {
                         if (a.needs_input_grad[0]) gx = detail::conv_grad_input(g, w, pr, x.shape());
                         if (a.needs_input_grad[1]) gw = detail::conv_grad_weight(g, x, pr, w.shape());
                       } else {
                         // y = Gi(x, w): its adjoints are F (for x) and Gw with the roles swapped.
                         if (a.needs_input_grad[0]) gx = detail::conv_forward_to(g, w, pr, x.shape());
                         if (a.needs_input_grad[1]) gw = detail::conv_grad_weight(x, g, pr, w.shape());
                       }
                       if (a.needs_input_grad[2]) gb = bias_grad(g);
                       return TensorList{gx, gw, gb};
                     });
  }
  return batchless ? y.squeeze(0) : y;
}


Tensor conv_nd(size_t n, const char* op, const Tensor& x, const Tensor& w, const Tensor& b, const IntList& stride,
               const IntList& padding, const IntList& dilation, int64_t groups) {
  TZ_CHECK(w.dim() == int64_t(n) + 2, op, "expects a ", n + 2, "-d weight [out, in/groups, *kernel], got ", describe(w));
  return convolution_named(op, x, w, b, make_params(n, stride, padding, dilation, {0}, groups, false, op));
}

Tensor conv_transpose_nd(size_t n, const char* op, const Tensor& x, const Tensor& w, const Tensor& b,
                         const IntList& stride, const IntList& padding, const IntList& output_padding, int64_t groups,
                         const IntList& dilation) {
  TZ_CHECK(w.dim() == int64_t(n) + 2, op, "expects a ", n + 2, "-d weight [in, out/groups, *kernel], got ", describe(w));
  return convolution_named(op, x, w, b, make_params(n, stride, padding, dilation, output_padding, groups, true, op));
}

}  // namespace

Tensor convolution(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvParams& params) {
  return convolution_named(params.transposed ? "conv_transpose" : "convolution", x, w, bias, params);
}

Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& b, const IntList& stride, const IntList& padding,
              const IntList& dilation, int64_t groups) {
  return conv_nd(1, "conv1d", x, w, b, stride, padding, dilation, groups);
}
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const IntList& stride, const IntList& padding,
              const IntList& dilation, int64_t groups) {
  return conv_nd(2, "conv2d", x, w, b, stride, padding, dilation, groups);
}
Tensor conv3d(const Tensor& x, const Tensor& w, const Tensor& b, const IntList& stride, const IntList& padding,
              const IntList& dilation, int64_t groups) {
  return conv_nd(3, "conv3d", x, w, b, stride, padding, dilation, groups);
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const IntList& stride, std::initializer_list<int64_t> padding,
              const IntList& dilation, int64_t groups) {
  return conv_nd(2, "conv2d", x, w, b, stride, IntList(padding), dilation, groups);
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const IntList& stride, const std::string& padding,
              const IntList& dilation, int64_t groups) {
  TZ_CHECK(w.dim() == 4, "conv2d", "expects a 4-d weight [out, in/groups, kh, kw], got ", describe(w));
  if (padding == "valid") return conv2d(x, w, b, stride, IntList{0}, dilation, groups);
  TZ_CHECK(padding == "same", "conv2d", "padding must be \"same\", \"valid\" or a list of ints, got \"", padding, "\"");
  const std::vector<int64_t> s = per_dim(stride, 2, "conv2d", "stride"), d = per_dim(dilation, 2, "conv2d", "dilation");
  for (int64_t v : s)
    TZ_CHECK(v == 1, "conv2d", "padding=\"same\" is not supported for strided convolutions, got stride ", list_str(s));
  // Like PyTorch, an odd total padding puts the extra element at the end.
  IntList pad;
  for (int i = 0; i < 2; ++i) {
    const int64_t total = d[size_t(i)] * (w.size(2 + i) - 1);
    pad.push_back(total / 2);
    pad.push_back(total - total / 2);
  }
  return conv2d(x, w, b, s, pad, d, groups);
}

Tensor conv_transpose1d(const Tensor& x, const Tensor& w, const Tensor& b, const IntList& stride, const IntList& padding,
                        const IntList& output_padding, int64_t groups, const IntList& dilation) {
  return conv_transpose_nd(1, "conv_transpose1d", x, w, b, stride, padding, output_padding, groups, dilation);
}
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const IntList& stride, const IntList& padding,
                        const IntList& output_padding, int64_t groups, const IntList& dilation) {
  return conv_transpose_nd(2, "conv_transpose2d", x, w, b, stride, padding, output_padding, groups, dilation);
}
Tensor conv_transpose3d(const Tensor& x, const Tensor& w, const Tensor& b, const IntList& stride, const IntList& padding,
                        const IntList& output_padding, int64_t groups, const IntList& dilation) {
  return conv_transpose_nd(3, "conv_transpose3d", x, w, b, stride, padding, output_padding, groups, dilation);
}

}  // namespace tz
