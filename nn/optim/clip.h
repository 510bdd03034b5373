#pragma once
/// Gradient clipping as torch.nn.utils (namespace tz::nn::utils). Both act in place on the
/// .grad of every parameter that has one, under NoGradGuard.
#include <limits>

#include "core/tensor.h"

namespace tz::nn::utils {

/// Scales all gradients together so that their joint norm_type-norm (the norm of the
/// per-gradient norms; norm_type = infinity gives the largest |g|) is at most max_norm:
/// g *= min(1, max_norm / (total_norm + 1e-6)). Returns the total norm before clipping as a
/// 0-d tensor (0 when no parameter has a gradient). With error_if_nonfinite, a NaN or infinite
/// total norm throws instead of scaling.
Tensor clip_grad_norm_(const TensorList& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
/// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const TensorList& params, double clip_value);

}  // namespace tz::nn::utils
