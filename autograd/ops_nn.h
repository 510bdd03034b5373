#pragma once
/// Functional neural-network ops: softmax family, normalisations, dropout.
#include <optional>

#include "core/tensor.h"

namespace tz {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
/// Softmax over dim where `mask` (bool, broadcastable to x) is true; masked positions get 0 and
/// a row with no true entry is all zeros (not NaN).
Tensor masked_softmax(const Tensor& x, const Tensor& mask, int64_t dim);
/// Normalises over the trailing dims given by normalized_shape; weight/bias optional.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);
/// x * rsqrt(mean(x^2) + eps) * weight over the trailing dims (eps default: dtype's epsilon).
Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = {});
/// Batch norm over [N, C, *]. In training it uses batch statistics and (when running stats are
/// given) updates them in place with momentum and the unbiased variance, as PyTorch.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5);
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);
/// Zeroes elements with probability p and scales the rest by 1/(1-p) (identity when !training).
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);

}  // namespace tz
