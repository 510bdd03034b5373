// Convolution layers over tz::convolution. Non-zero padding modes pad explicitly (tz::pad) and
// convolve unpadded, as torch.nn.ConvNd does; "same" splits an odd total padding with the extra
// element at the end (PyTorch's rule), which the backend's asymmetric padding takes directly.
#include "nn/layers/conv.h"

#include <cmath>

#include "autograd/ops_conv.h"
#include "autograd/ops_shape.h"
#include "core/factories.h"
#include "nn/init.h"

namespace tz::nn {

namespace {
bool all_equal(const std::vector<int64_t>& v, int64_t x) {
  for (int64_t e : v)
    if (e != x) return false;
  return true;
}
}  // namespace

ConvNd::ConvNd(const char* type, int64_t spatial_dims, bool is_transposed, int64_t in, int64_t out,
               const Ints& kernel, const ConvOptions& o)
    : UnaryModule(type),
      in_channels(in),
      out_channels(out),
      padding_str(o.padding.mode),
      groups(o.groups),
      padding_mode(o.padding_mode),
      transposed(is_transposed),
      spatial_dims_(spatial_dims) {
  const size_t n = size_t(spatial_dims);
  kernel_size = kernel.expand(n, type, "kernel_size");
  stride = o.stride.expand(n, type, "stride");
  dilation = o.dilation.expand(n, type, "dilation");
  output_padding = o.output_padding.expand(n, type, "output_padding");
  TZ_CHECK(in > 0 && out > 0, type, "in_channels and out_channels must be positive, got ", in, " and ", out);
  TZ_CHECK(groups > 0, type, "groups must be a positive integer, got ", groups);
  TZ_CHECK(in % groups == 0, type, "in_channels must be divisible by groups, got in_channels=", in, ", groups=", groups);
  TZ_CHECK(out % groups == 0, type, "out_channels must be divisible by groups, got out_channels=", out,
           ", groups=", groups);
  for (size_t i = 0; i < n; ++i) {
    TZ_CHECK(kernel_size[i] > 0 && stride[i] > 0 && dilation[i] > 0, type,
             "kernel_size, stride and dilation must be positive, got kernel_size=", tuple_str(kernel_size),
             ", stride=", tuple_str(stride), ", dilation=", tuple_str(dilation));
    TZ_CHECK(output_padding[i] >= 0, type, "output_padding must be non-negative, got ", tuple_str(output_padding));
  }
  TZ_CHECK(padding_mode == "zeros" || padding_mode == "reflect" || padding_mode == "replicate" ||
               padding_mode == "circular",
           type, "padding_mode must be one of zeros, reflect, replicate, circular, but got '", padding_mode, "'");
  if (transposed) {
    TZ_CHECK(padding_mode == "zeros", type, "only \"zeros\" padding mode is supported for ", type);
    TZ_CHECK(padding_str.empty(), type, "string padding ('", padding_str, "') is not supported for ", type);
  } else {
    TZ_CHECK(all_equal(output_padding, 0), type, "output_padding is only valid for transposed convolutions");
  }
  if (padding_str.empty()) {
    padding = Ints(o.padding.values).expand(n, type, "padding");
    for (int64_t p : padding) TZ_CHECK(p >= 0, type, "padding must be non-negative, got ", tuple_str(padding));
  } else {
    TZ_CHECK(padding_str == "same" || padding_str == "valid", type, "invalid padding string '", padding_str,
             "', should be one of 'valid', 'same'");
    TZ_CHECK(padding_str == "valid" || all_equal(stride, 1), type,
             "padding='same' is not supported for strided convolutions, got stride=", tuple_str(stride));
    // Symmetric part (what extra_repr shows); forward adds the odd remainder at the end.
    padding.assign(n, 0);
    if (padding_str == "same")
      for (size_t i = 0; i < n; ++i) padding[i] = dilation[i] * (kernel_size[i] - 1) / 2;
  }

  Shape wshape = transposed ? Shape{in, out / groups} : Shape{out, in / groups};
  wshape.insert(wshape.end(), kernel_size.begin(), kernel_size.end());
  const TensorOptions topts = o.tensor.with_requires_grad(false);
  weight = register_parameter("weight", empty(wshape, topts));
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (o.bias) {
    bias = register_parameter("bias", empty({out}, topts));
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor ConvNd::run(const Tensor& x, const std::vector<int64_t>& out_pad) {
  const char* op = type_name().c_str();
  const int64_t n = spatial_dims_;
  TZ_CHECK(x.defined(), op, "input is undefined");
  TZ_CHECK(x.dim() == n + 1 || x.dim() == n + 2, op, "expected a ", n + 1, "-d (unbatched) or ", n + 2,
           "-d (batched) input, got ", describe(x));
  TZ_CHECK(x.size(-n - 1) == in_channels, op, "expected input with ", in_channels, " channels (dim ",
           x.dim() - n - 1, "), got ", describe(x));
  ConvParams p;
  p.stride = stride;
  p.dilation = dilation;
  p.output_padding = out_pad;
  p.groups = groups;
  p.transposed = transposed;
  p.padding_begin = padding;
  p.padding_end = padding;
  if (padding_str == "same")
    for (int64_t i = 0; i < n; ++i) p.padding_end[size_t(i)] = dilation[size_t(i)] * (kernel_size[size_t(i)] - 1) - padding[size_t(i)];
  Tensor input = x;
  if (padding_mode != "zeros") {
    // F.pad order: last spatial dim first, (begin, end) each.
    std::vector<int64_t> pads;
    for (int64_t i = n - 1; i >= 0; --i) {
      pads.push_back(p.padding_begin[size_t(i)]);
      pads.push_back(p.padding_end[size_t(i)]);
    }
    input = pad(x, pads, padding_mode);
    p.padding_begin.assign(size_t(n), 0);
    p.padding_end.assign(size_t(n), 0);
  }
  return convolution(input, weight, bias, p);
}

Tensor ConvNd::forward(const Tensor& x) { return run(x, output_padding); }

Tensor ConvNd::forward(const Tensor& x, const std::vector<int64_t>& output_size) {
  const char* op = type_name().c_str();
  TZ_CHECK(transposed, op, "output_size is only accepted by transposed convolutions");
  TZ_CHECK(x.defined() && x.dim() >= spatial_dims_, op, "input ", x.defined() ? describe(x) : std::string("undefined"),
           " has fewer than ", spatial_dims_, " dims");
  const size_t n = size_t(spatial_dims_);
  std::vector<int64_t> size = output_size;
  if (size.size() == n + 2 || (size.size() == n + 1 && x.dim() == int64_t(n) + 1))
    size.erase(size.begin(), size.end() - int64_t(n));  // leading batch / channel entries
  TZ_CHECK(size.size() == n, op, "output_size must have ", n, " or ", n + 2, " elements, got ", size.size());
  std::vector<int64_t> out_pad(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t in_size = x.size(x.dim() - int64_t(n) + int64_t(i));
    const int64_t min_size = (in_size - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel_size[i] - 1) + 1;
    const int64_t max_size = min_size + stride[i] - 1;
    TZ_CHECK(size[i] >= min_size && size[i] <= max_size, op, "requested an output size of ", tuple_str(size),
             ", but valid sizes for dim ", i, " range from ", min_size, " to ", max_size, " (for an input of ",
             describe(x), ")");
    out_pad[i] = size[i] - min_size;
  }
  return run_forward_hooks({x}, run(x, out_pad));
}

std::string ConvNd::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + tuple_str(kernel_size) + ", stride=" + tuple_str(stride);
  if (!padding_str.empty()) s += ", padding=" + padding_str;
  else if (!all_equal(padding, 0)) s += ", padding=" + tuple_str(padding);
  if (!all_equal(dilation, 1)) s += ", dilation=" + tuple_str(dilation);
  if (!all_equal(output_padding, 0)) s += ", output_padding=" + tuple_str(output_padding);
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=false";
  if (padding_mode != "zeros") s += ", padding_mode=" + padding_mode;
  return s;
}

}  // namespace tz::nn
