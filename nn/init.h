#pragma once
/// Parameter initialisation, as torch.nn.init. Every function fills its tensor in place (no
/// autograd record; the version counter is bumped), draws from the default generator unless
/// one is passed, and returns the same handle so calls can be chained or used in expressions.
///
///   nn::init::kaiming_normal_(conv->weight, 0.0, "fan_out", "relu");
///   nn::init::zeros_(conv->bias);
///
/// Tensors with no elements are left alone (PyTorch warns and returns as well).
#include <optional>
#include <string>
#include <utility>

#include "core/random.h"
#include "core/tensor.h"

namespace tz::nn::init {

/// (fan_in, fan_out) of a weight with at least 2 dims: fan_in = size(1) * receptive field,
/// fan_out = size(0) * receptive field, the receptive field being the product of dims 2...
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);
/// The recommended gain for a nonlinearity: linear, conv1d/2d/3d, conv_transpose1d/2d/3d,
/// sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + slope^2)) (slope = param,
/// default 0.01); selu: 3/4.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = {});

Tensor uniform_(const Tensor& t, double a = 0.0, double b = 1.0, Generator* gen = nullptr);
Tensor normal_(const Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);
/// N(mean, std^2) restricted to [a, b] (inverse-CDF sampling, as PyTorch: no rejection loop).
Tensor trunc_normal_(const Tensor& t, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0,
                     Generator* gen = nullptr);
Tensor constant_(const Tensor& t, double value);
Tensor zeros_(const Tensor& t);
Tensor ones_(const Tensor& t);

/// U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a);
/// mode "fan_in" (preserves forward variance) or "fan_out" (backward).
Tensor kaiming_uniform_(const Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
/// N(0, std^2) with std = gain / sqrt(fan).
Tensor kaiming_normal_(const Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
/// U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);
/// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);
/// A (semi-)orthogonal matrix scaled by gain: the tensor viewed as [size(0), numel / size(0)]
/// gets orthonormal rows (or columns, when it is tall), from the QR decomposition of a normal
/// sample with R's diagonal made positive (so the result is uniformly distributed).
Tensor orthogonal_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);

}  // namespace tz::nn::init
