// The vectorised float32 fast paths (backends/cpu/vec_math.h) against float64 evaluation.
#include <cmath>
#include <limits>

#include "tests/support/test_support.h"

namespace tz::test {
namespace {

/// Max relative error of f(x) in f32 (contiguous fast path) vs f64, over x in [lo, hi].
double max_rel_error(Tensor (*f)(const Tensor&), double lo, double hi, double floor_abs) {
  Tensor x64 = linspace(lo, hi, 200001, DType::F64);
  Tensor x32 = x64.to(DType::F32);
  const auto got = f(x32).to_vector<double>();
  // The reference is the f64 result rounded to f32: the best an f32 result can be.
  const auto want = f(x32.to(DType::F64)).to(DType::F32).to_vector<double>();
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double e = std::abs(got[i] - want[i]) / std::max(std::abs(want[i]), floor_abs);
    worst = std::max(worst, e);
  }
  return worst;
}

Tensor gelu_erf(const Tensor& x) { return gelu(x); }
Tensor gelu_approx(const Tensor& x) { return gelu(x, "tanh"); }

TEST(VecMath, Float32FastPathsAreAccurate) {
  EXPECT_LT(max_rel_error(exp, -87, 88, 0), 4e-7);
  // Subnormal results: error measured against the smallest normal float (absolute ~1e-45).
  EXPECT_LT(max_rel_error(exp, -103, -87, 1.1754944e-38), 1e-6);
  EXPECT_LT(max_rel_error(tanh, -12, 12, 0), 4e-7);
  EXPECT_LT(max_rel_error(tanh, -0.6, 0.6, 0), 4e-7);
  EXPECT_LT(max_rel_error(sigmoid, -80, 30, 0), 4e-7);
  // Below -5.5 the f64 reference (0.5 x (1 + erf(x / sqrt 2)), PyTorch's formula) cancels to
  // nothing while the erfc form stays accurate, so the reference range stops there.
  EXPECT_LT(max_rel_error(gelu_erf, -5.5, 9, 1e-30), 6e-7);
  // The tanh form cancels in 1 + tanh for very negative x in any precision: absolute 1e-6.
  EXPECT_LT(max_rel_error(gelu_approx, -8, 8, 1.0), 1e-6);
  EXPECT_LT(max_rel_error(silu, -80, 80, 1e-30), 6e-7);
}

TEST(VecMath, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  const auto e = exp(tensor({inf, -inf, nan, 89.0f, 0.0f})).to_vector<float>();
  EXPECT_EQ(e[0], inf);
  EXPECT_EQ(e[1], 0.0f);
  EXPECT_TRUE(std::isnan(e[2]));
  EXPECT_EQ(e[3], inf);
  EXPECT_EQ(e[4], 1.0f);
  const auto t = tanh(tensor({inf, -inf, nan, 0.0f})).to_vector<float>();
  EXPECT_EQ(t[0], 1.0f);
  EXPECT_EQ(t[1], -1.0f);
  EXPECT_TRUE(std::isnan(t[2]));
  EXPECT_EQ(t[3], 0.0f);
  const auto r = relu(tensor({nan, -1.0f})).to_vector<float>();
  EXPECT_TRUE(std::isnan(r[0]));
  EXPECT_EQ(r[1], 0.0f);
  const auto s = sigmoid(tensor({-inf, inf})).to_vector<float>();
  EXPECT_EQ(s[0], 0.0f);
  EXPECT_EQ(s[1], 1.0f);
}

}  // namespace
}  // namespace tz::test
