#include "nn/attention/position.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"

namespace tz::nn {

Tensor apply_rotary(const Tensor& x, int64_t start_pos, double theta) {
  TZ_CHECK(x.defined() && is_floating(x.dtype()), "apply_rotary", "expects a floating tensor [..., T, D], got ",
           x.defined() ? describe(x) : std::string("undefined"));
  TZ_CHECK(x.dim() >= 2, "apply_rotary", "expects [..., T, D], got ", describe(x));
  const int64_t T = x.size(-2), D = x.size(-1), half = D / 2;
  TZ_CHECK(D % 2 == 0, "apply_rotary", "the head dim must be even, got ", describe(x));
  TZ_CHECK(start_pos >= 0, "apply_rotary", "start_pos must be >= 0, got ", start_pos);
  TZ_CHECK(theta > 0.0, "apply_rotary", "theta must be > 0, got ", theta);
  // Tables in f64 on the host: p * w loses no precision for large p before the cast.
  std::vector<double> cos_table(static_cast<size_t>(T * D)), sin_table(static_cast<size_t>(T * D));
  for (int64_t i = 0; i < half; ++i) {
    const double w = std::pow(theta, -2.0 * double(i) / double(D));
    for (int64_t t = 0; t < T; ++t) {
      const double a = double(start_pos + t) * w;
      const double c = std::cos(a), s = std::sin(a);
      cos_table[t * D + i] = cos_table[t * D + i + half] = c;
      sin_table[t * D + i] = sin_table[t * D + i + half] = s;
    }
  }
  const Tensor cos_t = from_vector(cos_table, Shape{T, D}, x.device()).to(x.dtype());
  const Tensor sin_t = from_vector(sin_table, Shape{T, D}, x.device()).to(x.dtype());
  const int64_t last = x.dim() - 1;
  const Tensor rotated = cat({neg(x.narrow(last, half, half)), x.narrow(last, 0, half)}, last);
  return x * cos_t + rotated * sin_t;
}

std::vector<double> alibi_slopes(int64_t n_heads) {
  TZ_CHECK(n_heads > 0, "alibi_slopes", "n_heads must be > 0, got ", n_heads);
  auto power_of_two = [](int64_t n) {
    const double start = std::pow(2.0, -8.0 / double(n));
    std::vector<double> s(static_cast<size_t>(n));
    for (int64_t h = 0; h < n; ++h) s[h] = std::pow(start, double(h + 1));
    return s;
  };
  int64_t m = 1;
  while (m * 2 <= n_heads) m *= 2;
  std::vector<double> slopes = power_of_two(m);
  if (m == n_heads) return slopes;
  const std::vector<double> extra = alibi_slopes(2 * m);
  for (int64_t i = 0; int64_t(slopes.size()) < n_heads; i += 2) slopes.push_back(extra[i]);
  return slopes;
}

Tensor alibi_bias(int64_t n_heads, int64_t q_start, int64_t L, int64_t k_start, int64_t S, bool symmetric,
                  const TensorOptions& opts) {
  TZ_CHECK(L >= 0 && S >= 0, "alibi_bias", "lengths must be >= 0, got L=", L, ", S=", S);
  TZ_CHECK(is_floating(opts.dtype), "alibi_bias", "needs a floating dtype, got ", dtype_name(opts.dtype));
  const TensorOptions idx(DType::I64, opts.device);
  Tensor dist = arange(q_start, q_start + L, 1, idx).unsqueeze(1) - arange(k_start, k_start + S, 1, idx).unsqueeze(0);
  if (symmetric) dist = abs(dist);
  const Tensor slopes = from_vector(alibi_slopes(n_heads), Shape{n_heads, 1, 1}, opts.device).to(opts.dtype);
  return neg(slopes * dist.to(opts.dtype).unsqueeze(0));
}

}  // namespace tz::nn
