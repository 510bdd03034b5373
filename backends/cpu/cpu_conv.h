#pragma once
/// CPU convolution internals. Every backend entry point (conv, conv_backward_input,
/// conv_backward_weight, each regular or transposed) is one of three maps of a regular
/// convolution with input `x` [N, C, *S], weight `w` [O, C/groups, *k] and output `y` [N, O, *L]:
///   forward:         y  = F(x, w) (+ bias over O)
///   backward_input:  gx = Gi(gy, w) (+ bias over C: a transposed convolution's bias)
///   backward_weight: gw = Gw(gy, x)
/// Geometry (N, C, O, S, L, k) comes from the views' sizes; stride, padding_begin and dilation
/// from the params (padding_end and output_padding are implied by the sizes). Views may be
/// strided; bias may have null data.
#include "core/backend.h"

namespace tz::cpu {

/// Direct loops for every floating dtype (16-bit floats accumulate in f32); also the oracle the
/// tests compare oneDNN with.
namespace conv_reference {
void forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias, const ConvParams& p);
void backward_input(const TensorView& gx, const TensorView& gy, const TensorView& w, const TensorView& bias,
                    const ConvParams& p);
void backward_weight(const TensorView& gw, const TensorView& gy, const TensorView& x, const ConvParams& p);
/// out[:, c, ...] += bias[c].
void add_channel_bias(const TensorView& out, const TensorView& bias);
}  // namespace conv_reference

/// oneDNN primitives (f32 only). Each returns false when oneDNN is not built in, the dtype or
/// layout is not one it takes, or it rejects the problem; the caller then runs the reference.
namespace conv_onednn {
bool forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias, const ConvParams& p);
bool backward_input(const TensorView& gx, const TensorView& gy, const TensorView& w, const ConvParams& p);
bool backward_weight(const TensorView& gw, const TensorView& gy, const TensorView& x, const ConvParams& p);
}  // namespace conv_onednn

/// Test hook: with false, the CPU conv kernels skip oneDNN and run the reference loops.
void set_conv_onednn_enabled(bool enabled);
bool conv_onednn_enabled();
/// Whether this build has oneDNN at all.
bool conv_onednn_available();

}  // namespace tz::cpu
