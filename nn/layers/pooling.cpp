// Pooling layers: validated hyper-parameters (one value per spatial dim) over the pooling ops of
// autograd/ops_conv.h.
#include "nn/layers/pooling.h"

#include "autograd/ops_conv.h"

namespace tz::nn {

namespace {
std::string flag(bool b) { return b ? "true" : "false"; }
void check_positive(const char* op, const char* what, const std::vector<int64_t>& v) {
  for (int64_t e : v) TZ_CHECK(e > 0, op, what, " must be positive, got ", tuple_str(v));
}
/// Pooling padding must be at most half the (dilated) kernel, as PyTorch requires.
void check_padding(const char* op, const std::vector<int64_t>& pad, const std::vector<int64_t>& kernel,
                   const std::vector<int64_t>& dilation) {
  for (size_t i = 0; i < pad.size(); ++i)
    TZ_CHECK(pad[i] >= 0 && pad[i] <= (dilation[i] * (kernel[i] - 1) + 1) / 2, op,
             "pad should be non-negative and at most half of the effective kernel size, got padding=",
             tuple_str(pad), ", kernel_size=", tuple_str(kernel));
}
}  // namespace

MaxPoolNd::MaxPoolNd(const char* type, int64_t dims, const Ints& kernel, const MaxPoolOptions& o)
    : UnaryModule(type), ceil_mode(o.ceil_mode), spatial_dims_(dims) {
  const size_t n = size_t(dims);
  kernel_size = kernel.expand(n, type, "kernel_size");
  stride = o.stride.values.empty() ? kernel_size : o.stride.expand(n, type, "stride");
  padding = o.padding.expand(n, type, "padding");
  dilation = o.dilation.expand(n, type, "dilation");
  check_positive(type, "kernel_size", kernel_size);
  check_positive(type, "stride", stride);
  check_positive(type, "dilation", dilation);
  check_padding(type, padding, kernel_size, dilation);
}

Tensor MaxPoolNd::forward(const Tensor& x) {
  switch (spatial_dims_) {
    case 1: return max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode);
    case 2: return max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
    default: return max_pool3d(x, kernel_size, stride, padding, dilation, ceil_mode);
  }
}

std::string MaxPoolNd::extra_repr() const {
  return "kernel_size=" + tuple_str(kernel_size) + ", stride=" + tuple_str(stride) + ", padding=" + tuple_str(padding) +
         ", dilation=" + tuple_str(dilation) + ", ceil_mode=" + flag(ceil_mode);
}

AvgPoolNd::AvgPoolNd(const char* type, int64_t dims, const Ints& kernel, const AvgPoolOptions& o)
    : UnaryModule(type),
      ceil_mode(o.ceil_mode),
      count_include_pad(o.count_include_pad),
      divisor_override(o.divisor_override),
      spatial_dims_(dims) {
  const size_t n = size_t(dims);
  kernel_size = kernel.expand(n, type, "kernel_size");
  stride = o.stride.values.empty() ? kernel_size : o.stride.expand(n, type, "stride");
  padding = o.padding.expand(n, type, "padding");
  check_positive(type, "kernel_size", kernel_size);
  check_positive(type, "stride", stride);
  check_padding(type, padding, kernel_size, std::vector<int64_t>(n, 1));
  TZ_CHECK(!divisor_override || dims > 1, type, "divisor_override is not supported by ", type);
  TZ_CHECK(!divisor_override || *divisor_override != 0, type, "divisor_override must be non-zero");
}

Tensor AvgPoolNd::forward(const Tensor& x) {
  switch (spatial_dims_) {
    case 1: return avg_pool1d(x, kernel_size, stride, padding, ceil_mode, count_include_pad);
    case 2: return avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
    default: return avg_pool3d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  }
}

std::string AvgPoolNd::extra_repr() const {
  std::string s = "kernel_size=" + tuple_str(kernel_size) + ", stride=" + tuple_str(stride) +
                  ", padding=" + tuple_str(padding) + ", ceil_mode=" + flag(ceil_mode) +
                  ", count_include_pad=" + flag(count_include_pad);
  if (divisor_override) s += ", divisor_override=" + std::to_string(*divisor_override);
  return s;
}

AdaptivePoolNd::AdaptivePoolNd(const char* type, int64_t dims, bool max, const Ints& size)
    : UnaryModule(type), spatial_dims_(dims), max_(max) {
  output_size = size.expand(size_t(dims), type, "output_size");
  for (int64_t e : output_size) TZ_CHECK(e >= 0, type, "output_size must be non-negative, got ", tuple_str(output_size));
}

Tensor AdaptivePoolNd::forward(const Tensor& x) {
  switch (spatial_dims_) {
    case 1: return max_ ? adaptive_max_pool1d(x, output_size) : adaptive_avg_pool1d(x, output_size);
    case 2: return max_ ? adaptive_max_pool2d(x, output_size) : adaptive_avg_pool2d(x, output_size);
    default: return max_ ? adaptive_max_pool3d(x, output_size) : adaptive_avg_pool3d(x, output_size);
  }
}

std::string AdaptivePoolNd::extra_repr() const { return "output_size=" + tuple_str(output_size); }

}  // namespace tz::nn
