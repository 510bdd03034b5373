#pragma once
/// Elementwise unary ops (differentiable where the math is). Integer inputs to float-only
/// functions (exp, log, sin, ...) are promoted to float32, as in PyTorch.
#include <optional>
#include <string>

#include "core/tensor.h"

namespace tz {

Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
/// -1, 0 or 1 (not differentiable: its gradient is zero almost everywhere, reported as zero).
Tensor sign(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor relu(const Tensor& x);
/// approximate: "none" (erf form) or "tanh".
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor silu(const Tensor& x);
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor hardswish(const Tensor& x);
Tensor hardsigmoid(const Tensor& x);
/// Rounding ops: not differentiable (zero gradient almost everywhere; outputs do not require grad).
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
/// Half to even, like torch.round.
Tensor round(const Tensor& x);
Tensor trunc(const Tensor& x);
/// At least one bound must be given. Gradient passes where min <= x <= max.
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max);
Tensor clamp_min(const Tensor& x, const Scalar& min);
Tensor clamp_max(const Tensor& x, const Scalar& max);
Tensor logical_not(const Tensor& x);
Tensor bitwise_not(const Tensor& x);
/// x ** exponent.
Tensor pow(const Tensor& x, const Scalar& exponent);

}  // namespace tz
