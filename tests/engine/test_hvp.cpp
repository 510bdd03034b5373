// Hessian-vector products through a small MLP: d/de <grad L(w + e v)> at e = 0 versus central
// differences of the gradient, for every parameter.
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

Tensor mlp_loss(const Tensor& x, const Tensor& y, const TensorList& p) {
  Tensor h = tanh(matmul(x, p[0]) + p[1]);
  Tensor out = matmul(h, p[2]) + p[3];
  return (out - y).square().mean();
}

TEST(HessianVectorProduct, SmallMlpMatchesFiniteDifferencesOfTheGradient) {
  manual_seed(3);
  const Tensor x = randn({6, 4}, DType::F64), y = randn({6, 2}, DType::F64);
  TensorList p{randn({4, 5}, DType::F64) * 0.5, randn({5}, DType::F64) * 0.1, randn({5, 2}, DType::F64) * 0.5,
               randn({2}, DType::F64) * 0.1};
  TensorList v;
  for (auto& t : p) {
    t.requires_grad_(true);
    v.push_back(randn(t.shape(), DType::F64));
  }
  // Analytic: Hv = d/dp <dL/dp, v>.
  TensorList g = grad({mlp_loss(x, y, p)}, p, {}, std::nullopt, /*create_graph=*/true);
  Tensor gv = zeros({}, DType::F64);
  for (size_t i = 0; i < p.size(); ++i) gv = gv + (g[i] * v[i]).sum();
  TensorList hv = grad({gv}, p);
  // Numeric: (grad(p + eps v) - grad(p - eps v)) / (2 eps).
  const double eps = 1e-5;
  auto grad_at = [&](double s) {
    TensorList q;
    for (size_t i = 0; i < p.size(); ++i) q.push_back((p[i].detach() + v[i] * s).requires_grad_(true));
    return grad({mlp_loss(x, y, q)}, q);
  };
  TensorList gp = grad_at(eps), gm = grad_at(-eps);
  for (size_t i = 0; i < p.size(); ++i) {
    Tensor numeric = (gp[i] - gm[i]) / (2 * eps);
    EXPECT_TENSOR_CLOSE(hv[i], numeric, 1e-5, 1e-7) << "parameter " << i;
  }
  // The product is not trivially zero.
  EXPECT_GT(hv[0].abs().sum().item<double>(), 1e-3);
}

}  // namespace
}  // namespace tz::test
