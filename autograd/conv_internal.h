#pragma once
/// Internal pieces of the convolution family shared by ops_conv.cpp, ops_conv_grad.cpp,
/// conv_composite.cpp and ops_im2col.cpp (and by tests that compare the composite paths).
///
/// All functions take batched tensors [N, C, *spatial] and "regular" (non-transposed)
/// ConvParams with every list filled (one entry per spatial dim). A transposed convolution is
/// the input-gradient of the regular convolution that shares its weight, so the three linear
/// maps below close under differentiation:
///   forward      F(x, w)     : [N, C, *S]  -> [N, O, *L]
///   grad-input   Gi(gy, w)   : [N, O, *L]  -> [N, C, *S]   (= transposed convolution)
///   grad-weight  Gw(gy, x)   : -> [O, C/groups, *k]
#include "core/tensor.h"

namespace tz::detail {

/// Spatial output sizes of a regular convolution of `in_spatial` with kernel `kernel`.
Shape conv_output_spatial(const Shape& in_spatial, const Shape& kernel, const ConvParams& p);

// ---- raw (no autograd): backend kernel when it has one, else the composite ---------------------
/// F(x, w) + bias (bias may be undefined).
Tensor raw_conv_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvParams& p);
/// Gi(gy, w) with result shape in_shape, plus bias over dim 1 when defined (transposed conv).
Tensor raw_conv_grad_input(const Tensor& gy, const Tensor& w, const ConvParams& p, const Shape& in_shape,
                           const Tensor& bias = {});
/// Gw(gy, x) with result shape w_shape.
Tensor raw_conv_grad_weight(const Tensor& gy, const Tensor& x, const ConvParams& p, const Shape& w_shape);

// ---- composites of mandatory kernels (copy, fill, binary add, matmul) ---------------------------
Tensor conv_forward_composite(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvParams& p);
Tensor conv_grad_input_composite(const Tensor& gy, const Tensor& w, const ConvParams& p, const Shape& in_shape);
Tensor conv_grad_weight_composite(const Tensor& gy, const Tensor& x, const ConvParams& p, const Shape& w_shape);

/// Patches of the zero-padded x: a contiguous [N, C, *kernel, *L] tensor (viewable as
/// [N, C*prod(kernel), prod(L)]). Built from a strided window view copied contiguous.
/// out_spatial (L) defaults to conv_output_spatial(); a smaller one keeps the leading windows.
Tensor raw_im2col(const Tensor& x, const Shape& kernel, const ConvParams& p, const Shape& out_spatial = {});
/// Adjoint of raw_im2col: sums patches cols [N, C, *kernel, *L] (contiguous) back into a
/// [N, C, *in_spatial] tensor (overlaps add up, padding is cropped).
Tensor raw_col2im(const Tensor& cols, const Shape& in_shape, const Shape& kernel, const ConvParams& p);

// ---- differentiable (record nodes; used by convolution()'s backward) ----------------------------
/// Gi(gy, w): records "ConvBackwardInputBackward".
Tensor conv_grad_input(const Tensor& gy, const Tensor& w, const ConvParams& p, const Shape& in_shape);
/// F(x, w) cut to out_shape: the adjoint of a transposed convolution whose output_padding
/// exceeds its stride (allowed when below the dilation) sees fewer outputs than F produces.
Tensor conv_forward_to(const Tensor& x, const Tensor& w, const ConvParams& p, const Shape& out_shape);
/// Gw(gy, x): records "ConvBackwardWeightBackward".
Tensor conv_grad_weight(const Tensor& gy, const Tensor& x, const ConvParams& p, const Shape& w_shape);

}  // namespace tz::detail
