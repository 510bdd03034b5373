#pragma once
/// Convolution layers with PyTorch's arguments, parameter names and shapes, and default
/// initialisation (kaiming-uniform(a=sqrt5) weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) bias):
///   weight [out_channels, in_channels / groups, *kernel_size]            (Conv)
///   weight [in_channels, out_channels / groups, *kernel_size]            (ConvTranspose)
///   bias   [out_channels]
///
///   nn::Conv2d conv(3, 16, 3, {.stride = 2, .padding = 1});
///   nn::Conv1d same(8, 8, 5, {.padding = "same", .dilation = 2, .padding_mode = "reflect"});
///   nn::ConvTranspose2d up(16, 8, 4, {.stride = 2, .padding = 1});
///
/// Inputs are [N, C, *spatial] or unbatched [C, *spatial], as PyTorch.
#include <string>

#include "nn/layers/ints.h"
#include "nn/module.h"

namespace tz::nn {

/// Conv padding: numbers (one for all dims, one per dim) or "same" / "valid".
struct ConvPadding {
  std::vector<int64_t> values{0};
  std::string mode;  // "same", "valid" or empty (numbers)
  ConvPadding() = default;
  ConvPadding(int v) : values{int64_t(v)} {}                        // NOLINT
  ConvPadding(int64_t v) : values{v} {}                             // NOLINT
  ConvPadding(std::initializer_list<int64_t> v) : values(v) {}      // NOLINT
  ConvPadding(std::vector<int64_t> v) : values(std::move(v)) {}     // NOLINT
  ConvPadding(const char* m) : values{}, mode(m) {}                 // NOLINT
  ConvPadding(std::string m) : values{}, mode(std::move(m)) {}      // NOLINT
};

/// Keyword arguments of torch.nn.ConvNd / ConvTransposeNd (designated-initialiser friendly).
struct ConvOptions {
  Ints stride = 1;
  /// Conv: numbers, "same" (stride 1 only; odd totals put the extra element at the end, as
  /// PyTorch) or "valid". ConvTranspose: numbers only (it removes padding from the output).
  ConvPadding padding = 0;
  /// ConvTranspose only: extra size added to one side of the output.
  Ints output_padding = 0;
  Ints dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  /// Conv only: "zeros", "reflect", "replicate" or "circular" (non-zero modes pad explicitly
  /// with tz::pad, then convolve without padding).
  std::string padding_mode = "zeros";
  TensorOptions tensor = {};
};

/// Shared implementation; use Conv1d ... ConvTranspose3d.
class ConvNd : public UnaryModule {
 public:
  ConvNd(const char* type, int64_t spatial_dims, bool transposed, int64_t in_channels, int64_t out_channels,
         const Ints& kernel_size, const ConvOptions& options);
  Tensor forward(const Tensor& x) override;
  /// ConvTranspose only: picks the output_padding that makes the output's spatial size
  /// `output_size` (the trailing spatial dims; PyTorch's forward(input, output_size)).
  Tensor forward(const Tensor& x, const std::vector<int64_t>& output_size);
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  std::vector<int64_t> kernel_size, stride, padding, dilation, output_padding;  // one per spatial dim
  std::string padding_str;  // "same" / "valid" when given as a string, else empty
  int64_t groups;
  std::string padding_mode;
  bool transposed;
  Tensor weight, bias;

 private:
  Tensor run(const Tensor& x, const std::vector<int64_t>& output_padding);
  int64_t spatial_dims_;
};

#define TZ_NN_CONV_CLASS(Name, dims, transposed)                                                            \
  struct Name : ConvNd {                                                                                    \
    Name(int64_t in_channels, int64_t out_channels, const Ints& kernel_size, const ConvOptions& options = {}) \
        : ConvNd(#Name, dims, transposed, in_channels, out_channels, kernel_size, options) {}               \
  };
TZ_NN_CONV_CLASS(Conv1d, 1, false)
TZ_NN_CONV_CLASS(Conv2d, 2, false)
TZ_NN_CONV_CLASS(Conv3d, 3, false)
TZ_NN_CONV_CLASS(ConvTranspose1d, 1, true)
TZ_NN_CONV_CLASS(ConvTranspose2d, 2, true)
TZ_NN_CONV_CLASS(ConvTranspose3d, 3, true)
#undef TZ_NN_CONV_CLASS

}  // namespace tz::nn
