// torch.nn.init equivalents. Random draws go through the core factories (Philox streams of the
// default generator), so an initialisation is reproducible from manual_seed on every backend;
// the few samplers without a device kernel (truncated normal, orthogonal) transform a host draw.
#include "nn/init.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/grad_mode.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz::nn::init {

namespace {

void check_floating(const char* op, const Tensor& t) {
  TZ_CHECK(t.defined(), op, "got an undefined tensor");
  TZ_CHECK(is_floating(t.dtype()), op, "expects a floating tensor, got ", describe(t));
}

/// Writes src into t outside autograd (parameters are leaves that require grad).
Tensor assign(const Tensor& t, const Tensor& src) {
  NoGradGuard no_grad;
  dispatch::copy_into(t, src);
  t.bump_version();
  return t;
}

double fan_for(const char* op, const Tensor& t, const std::string& mode) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  if (mode == "fan_in") return double(fan_in);
  if (mode == "fan_out") return double(fan_out);
  TZ_FAIL(op, "mode ", mode, " not supported, please use one of fan_in, fan_out");
}

/// Inverse error function on (-1, 1): a rational first guess refined by Newton steps on erf
/// (erf is exact in libm, so two steps reach full double precision).
double erfinv(double y) {
  if (y <= -1.0) return -std::numeric_limits<double>::infinity();
  if (y >= 1.0) return std::numeric_limits<double>::infinity();
  const double w = -std::log((1.0 - y) * (1.0 + y));
  double x;
  if (w < 5.0) {
    const double v = w - 2.5;
    double p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                     -0.00417768164, 0.246640727, 1.50140941})
      p = c + p * v;
    x = p * y;
  } else {
    const double v = std::sqrt(w) - 3.0;
    double p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                     0.00943887047, 1.00167406, 2.83297682})
      p = c + p * v;
    x = p * y;
  }
  const double two_over_sqrt_pi = 2.0 / std::sqrt(M_PI);
  for (int i = 0; i < 3; ++i) {
    const double err = std::erf(x) - y;
    x -= err / (two_over_sqrt_pi * std::exp(-x * x));
  }
  return x;
}

}  // namespace

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  TZ_CHECK(t.defined() && t.dim() >= 2, "init",
           "fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got ",
           t.defined() ? describe(t) : std::string("undefined"));
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  static const char* linear_fns[] = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                     "conv_transpose2d", "conv_transpose3d", "sigmoid"};
  for (const char* n : linear_fns)
    if (nonlinearity == n) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;
  TZ_FAIL("init", "unsupported nonlinearity ", nonlinearity);
}

Tensor uniform_(const Tensor& t, double a, double b, Generator* gen) {
  check_floating("init.uniform_", t);
  if (t.numel() == 0) return t;
  NoGradGuard no_grad;
  Tensor h = t;
  tz::uniform_(h, a, b, gen);
  return t;
}

Tensor normal_(const Tensor& t, double mean, double std, Generator* gen) {
  check_floating("init.normal_", t);
  TZ_CHECK(std >= 0.0, "init.normal_", "std must be non-negative, got ", std);
  if (t.numel() == 0) return t;
  NoGradGuard no_grad;
  Tensor h = t;
  tz::normal_(h, mean, std, gen);
  return t;
}

Tensor trunc_normal_(const Tensor& t, double mean, double std, double a, double b, Generator* gen) {
  check_floating("init.trunc_normal_", t);
  TZ_CHECK(a < b && std > 0.0, "init.trunc_normal_", "needs a < b and std > 0, got a=", a, ", b=", b, ", std=", std);
  if (t.numel() == 0) return t;
  // Sample u uniformly between the CDF values of the bounds and map it back through the
  // inverse normal CDF: exact truncation with one draw per element.
  auto cdf = [](double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); };
  const double lo = 2.0 * cdf((a - mean) / std) - 1.0, hi = 2.0 * cdf((b - mean) / std) - 1.0;
  std::vector<double> u = tz::rand(t.shape(), DType::F64, gen).to_vector<double>();
  for (double& v : u) v = std::clamp(mean + std * std::sqrt(2.0) * erfinv(lo + (hi - lo) * v), a, b);
  return assign(t, from_vector(u, t.shape()));
}

Tensor constant_(const Tensor& t, double value) {
  TZ_CHECK(t.defined(), "init.constant_", "got an undefined tensor");
  NoGradGuard no_grad;
  dispatch::fill(t, value);
  t.bump_version();
  return t;
}
Tensor zeros_(const Tensor& t) { return constant_(t, 0.0); }
Tensor ones_(const Tensor& t) { return constant_(t, 1.0); }

Tensor kaiming_uniform_(const Tensor& t, double a, const std::string& mode, const std::string& nonlinearity,
                        Generator* gen) {
  check_floating("init.kaiming_uniform_", t);
  if (t.numel() == 0) return t;
  const double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / fan_for("init.kaiming_uniform_", t, mode));
  return uniform_(t, -bound, bound, gen);
}

Tensor kaiming_normal_(const Tensor& t, double a, const std::string& mode, const std::string& nonlinearity,
                       Generator* gen) {
  check_floating("init.kaiming_normal_", t);
  if (t.numel() == 0) return t;
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(fan_for("init.kaiming_normal_", t, mode));
  return normal_(t, 0.0, std, gen);
}

Tensor xavier_uniform_(const Tensor& t, double gain, Generator* gen) {
  check_floating("init.xavier_uniform_", t);
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  if (t.numel() == 0) return t;
  const double bound = gain * std::sqrt(6.0 / double(fan_in + fan_out));
  return uniform_(t, -bound, bound, gen);
}

Tensor xavier_normal_(const Tensor& t, double gain, Generator* gen) {
  check_floating("init.xavier_normal_", t);
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  if (t.numel() == 0) return t;
  return normal_(t, 0.0, gain * std::sqrt(2.0 / double(fan_in + fan_out)), gen);
}

Tensor orthogonal_(const Tensor& t, double gain, Generator* gen) {
  check_floating("init.orthogonal_", t);
  TZ_CHECK(t.dim() >= 2, "init.orthogonal_", "only tensors with 2 or more dimensions are supported, got ", describe(t));
  if (t.numel() == 0) return t;
  const int64_t rows = t.size(0), cols = t.numel() / rows;
  // Work on the tall orientation m x n (m >= n): orthonormalise its n columns.
  const bool wide = rows < cols;
  const int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  const std::vector<double> draw = tz::randn({rows, cols}, DType::F64, gen).to_vector<double>();
  std::vector<double> q(size_t(m * n));  // column-major: column j at q[j*m ...]
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const double v = draw[size_t(r * cols + c)];
      if (wide) q[size_t(r * m + c)] = v;  // column r of the transpose
      else q[size_t(c * m + r)] = v;
    }
  // Modified Gram-Schmidt, twice ("twice is enough") for orthogonality to rounding error. Its
  // R has a positive diagonal, which is exactly PyTorch's sign correction of the QR factor.
  for (int64_t j = 0; j < n; ++j) {
    double* qj = &q[size_t(j * m)];
    for (int pass = 0; pass < 2; ++pass)
      for (int64_t k = 0; k < j; ++k) {
        const double* qk = &q[size_t(k * m)];
        double dotp = 0;
        for (int64_t i = 0; i < m; ++i) dotp += qk[i] * qj[i];
        for (int64_t i = 0; i < m; ++i) qj[i] -= dotp * qk[i];
      }
    double nrm = 0;
    for (int64_t i = 0; i < m; ++i) nrm += qj[i] * qj[i];
    nrm = std::sqrt(nrm);
    TZ_CHECK(nrm > 0, "init.orthogonal_", "degenerate random sample");
    for (int64_t i = 0; i < m; ++i) qj[i] /= nrm;
  }
  for (double& v : q) v *= gain;
  std::vector<double> out(size_t(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[size_t(r * cols + c)] = wide ? q[size_t(r * m + c)] : q[size_t(c * m + r)];
  return assign(t, from_vector(out, t.shape()));
}

}  // namespace tz::nn::init
