#pragma once
/// Pooling layers as torch.nn (inputs [N, C, *spatial] or unbatched [C, *spatial]):
///   nn::MaxPool2d pool(3, {.stride = 2, .padding = 1});
///   nn::AvgPool2d avg(2);                    // stride defaults to kernel_size
///   nn::AdaptiveAvgPool2d gap(1);            // global average pooling
/// return_indices is not offered: use tz::max_pool2d_with_indices for that.
#include <optional>

#include "nn/layers/ints.h"
#include "nn/module.h"

namespace tz::nn {

struct MaxPoolOptions {
  Ints stride = Ints();  // empty: kernel_size
  Ints padding = 0;
  Ints dilation = 1;
  bool ceil_mode = false;
};

struct AvgPoolOptions {
  Ints stride = Ints();  // empty: kernel_size
  Ints padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override = {};  // 2d / 3d only, as PyTorch
};

class MaxPoolNd : public UnaryModule {
 public:
  MaxPoolNd(const char* type, int64_t spatial_dims, const Ints& kernel_size, const MaxPoolOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<int64_t> kernel_size, stride, padding, dilation;
  bool ceil_mode;

 private:
  int64_t spatial_dims_;
};

class AvgPoolNd : public UnaryModule {
 public:
  AvgPoolNd(const char* type, int64_t spatial_dims, const Ints& kernel_size, const AvgPoolOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<int64_t> kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
  std::optional<int64_t> divisor_override;

 private:
  int64_t spatial_dims_;
};

/// Adaptive pooling to a fixed output size (one value for all dims, or one per dim).
class AdaptivePoolNd : public UnaryModule {
 public:
  AdaptivePoolNd(const char* type, int64_t spatial_dims, bool max, const Ints& output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<int64_t> output_size;

 private:
  int64_t spatial_dims_;
  bool max_;
};

#define TZ_NN_POOL_CLASS(Name, Base, Options, dims)                                                         \
  struct Name : Base {                                                                                      \
    explicit Name(const Ints& kernel_size, const Options& options = {}) : Base(#Name, dims, kernel_size, options) {} \
  };
TZ_NN_POOL_CLASS(MaxPool1d, MaxPoolNd, MaxPoolOptions, 1)
TZ_NN_POOL_CLASS(MaxPool2d, MaxPoolNd, MaxPoolOptions, 2)
TZ_NN_POOL_CLASS(MaxPool3d, MaxPoolNd, MaxPoolOptions, 3)
TZ_NN_POOL_CLASS(AvgPool1d, AvgPoolNd, AvgPoolOptions, 1)
TZ_NN_POOL_CLASS(AvgPool2d, AvgPoolNd, AvgPoolOptions, 2)
TZ_NN_POOL_CLASS(AvgPool3d, AvgPoolNd, AvgPoolOptions, 3)
#undef TZ_NN_POOL_CLASS

#define TZ_NN_ADAPTIVE_CLASS(Name, dims, max) \
  struct Name : AdaptivePoolNd {              \
    explicit Name(const Ints& output_size) : AdaptivePoolNd(#Name, dims, max, output_size) {} \
  };
TZ_NN_ADAPTIVE_CLASS(AdaptiveAvgPool1d, 1, false)
TZ_NN_ADAPTIVE_CLASS(AdaptiveAvgPool2d, 2, false)
TZ_NN_ADAPTIVE_CLASS(AdaptiveAvgPool3d, 3, false)
TZ_NN_ADAPTIVE_CLASS(AdaptiveMaxPool1d, 1, true)
TZ_NN_ADAPTIVE_CLASS(AdaptiveMaxPool2d, 2, true)
TZ_NN_ADAPTIVE_CLASS(AdaptiveMaxPool3d, 3, true)
#undef TZ_NN_ADAPTIVE_CLASS

}  // namespace tz::nn
