#pragma once
/// Convolution, pooling, resampling and patch ops over [N, C, *spatial] tensors (the batch dim
/// may be omitted, as in PyTorch). Lists of per-dim parameters accept a single value for all dims.
/// Conv padding lists take either one value per spatial dim (symmetric) or two per dim
/// (begin, end: asymmetric).
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "autograd/ops_reduce.h"
#include "core/tensor.h"

namespace tz {

using IntList = std::vector<int64_t>;

/// General convolution (backends' conv kernel, reference fallback).
Tensor convolution(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvParams& params);
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, const IntList& stride = {1},
              const IntList& padding = {0}, const IntList& dilation = {1}, int64_t groups = 1);
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, const IntList& stride = {1},
              const IntList& padding = {0}, const IntList& dilation = {1}, int64_t groups = 1);
Tensor conv3d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, const IntList& stride = {1},
              const IntList& padding = {0}, const IntList& dilation = {1}, int64_t groups = 1);
/// Brace-list padding ({1}, {1, 0, 2, 1}) resolves to this overload; without it such a call
/// would be ambiguous between the IntList and std::string forms.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const IntList& stride,
              std::initializer_list<int64_t> padding, const IntList& dilation = {1}, int64_t groups = 1);
/// padding: "same" or "valid" (stride 1), as PyTorch's string form.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const IntList& stride, const std::string& padding,
              const IntList& dilation = {1}, int64_t groups = 1);
Tensor conv_transpose1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, const IntList& stride = {1},
                        const IntList& padding = {0}, const IntList& output_padding = {0}, int64_t groups = 1,
                        const IntList& dilation = {1});
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, const IntList& stride = {1},
                        const IntList& padding = {0}, const IntList& output_padding = {0}, int64_t groups = 1,
                        const IntList& dilation = {1});
Tensor conv_transpose3d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, const IntList& stride = {1},
                        const IntList& padding = {0}, const IntList& output_padding = {0}, int64_t groups = 1,
                        const IntList& dilation = {1});

/// Max pooling; stride defaults to kernel_size.
Tensor max_pool1d(const Tensor& x, const IntList& kernel_size, const IntList& stride = {}, const IntList& padding = {0},
                  const IntList& dilation = {1}, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& x, const IntList& kernel_size, const IntList& stride = {}, const IntList& padding = {0},
                  const IntList& dilation = {1}, bool ceil_mode = false);
Tensor max_pool3d(const Tensor& x, const IntList& kernel_size, const IntList& stride = {}, const IntList& padding = {0},
                  const IntList& dilation = {1}, bool ceil_mode = false);
/// Max pooling returning the flat per-plane argmax indices too (as return_indices=True).
ValuesIndices max_pool2d_with_indices(const Tensor& x, const IntList& kernel_size, const IntList& stride = {},
                                          const IntList& padding = {0}, const IntList& dilation = {1},
                                          bool ceil_mode = false);
Tensor avg_pool1d(const Tensor& x, const IntList& kernel_size, const IntList& stride = {}, const IntList& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true);
Tensor avg_pool2d(const Tensor& x, const IntList& kernel_size, const IntList& stride = {}, const IntList& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true, std::optional<int64_t> divisor_override = {});
Tensor avg_pool3d(const Tensor& x, const IntList& kernel_size, const IntList& stride = {}, const IntList& padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true, std::optional<int64_t> divisor_override = {});
Tensor adaptive_avg_pool1d(const Tensor& x, const IntList& output_size);
Tensor adaptive_avg_pool2d(const Tensor& x, const IntList& output_size);
Tensor adaptive_avg_pool3d(const Tensor& x, const IntList& output_size);
Tensor adaptive_max_pool1d(const Tensor& x, const IntList& output_size);
Tensor adaptive_max_pool2d(const Tensor& x, const IntList& output_size);
Tensor adaptive_max_pool3d(const Tensor& x, const IntList& output_size);

/// mode: "nearest", "linear", "bilinear", "bicubic", "trilinear", "area" (nearest uses PyTorch's
/// floor(dst * in / out) rule). Give either size or scale_factor.
Tensor interpolate(const Tensor& x, const IntList& size, const std::vector<double>& scale_factor = {},
                   const std::string& mode = "nearest", std::optional<bool> align_corners = {});
Tensor pixel_shuffle(const Tensor& x, int64_t upscale_factor);
Tensor pixel_unshuffle(const Tensor& x, int64_t downscale_factor);
/// im2col (torch.nn.functional.unfold): [N, C, H, W] -> [N, C*kh*kw, L].
Tensor im2col(const Tensor& x, const IntList& kernel_size, const IntList& dilation = {1}, const IntList& padding = {0},
              const IntList& stride = {1});
/// col2im (torch.nn.functional.fold): [N, C*kh*kw, L] -> [N, C, H, W], summing overlaps.
Tensor fold(const Tensor& x, const IntList& output_size, const IntList& kernel_size, const IntList& dilation = {1},
            const IntList& padding = {0}, const IntList& stride = {1});

}  // namespace tz
