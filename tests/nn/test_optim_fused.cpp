// The fused optimizer updates (Backend::adam_step, sgd_step) reproduce the composite of elementwise ops
// bit for bit. A non-contiguous parameter does not qualify for the fused kernel, so the same
// problem run on a contiguous parameter and on a transposed view of equal values compares the
// two paths.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using optim::AdamOptions;
using optim::AdamWOptions;

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(const Tensor&)>;

struct Config {
  std::string name;
  MakeOptimizer make;
};

template <class Opt, class Options>
MakeOptimizer maker(Options o) {
  return [o](const Tensor& p) { return std::make_unique<Opt>(TensorList{p}, o); };
}

std::vector<Config> configs() {
  AdamWOptions adamw;
  adamw.lr = 0.05;
  AdamWOptions adamw_ams = adamw;
  adamw_ams.amsgrad = true;
  adamw_ams.weight_decay = 0.3;
  using optim::SGDOptions;
  return {
      {"adam", maker<optim::Adam>(AdamOptions{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-6})},
      {"adam_weight_decay", maker<optim::Adam>(AdamOptions{.lr = 0.02, .weight_decay = 0.1})},
      {"adam_amsgrad_maximize",
       maker<optim::Adam>(AdamOptions{.lr = 0.03, .weight_decay = 0.01, .amsgrad = true, .maximize = true})},
      {"adamw", maker<optim::AdamW>(adamw)},
      {"adamw_amsgrad", maker<optim::AdamW>(adamw_ams)},
      {"sgd", maker<optim::SGD>(SGDOptions{.lr = 0.1})},
      {"sgd_momentum", maker<optim::SGD>(SGDOptions{.lr = 0.05, .momentum = 0.9})},
      {"sgd_dampening_weight_decay",
       maker<optim::SGD>(SGDOptions{.lr = 0.05, .momentum = 0.8, .dampening = 0.3, .weight_decay = 0.02})},
      {"sgd_nesterov_maximize",
       maker<optim::SGD>(SGDOptions{.lr = 0.02, .momentum = 0.7, .weight_decay = 0.1, .nesterov = true,
                                    .maximize = true})},
  };
}

void expect_bitwise_equal(const Tensor& a, const Tensor& b, const std::string& what) {
  const std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  ASSERT_EQ(va.size(), vb.size()) << what;
  for (size_t i = 0; i < va.size(); ++i) ASSERT_EQ(va[i], vb[i]) << what << " element " << i;
}

TEST(OptimFused, AdamAndSgdMatchTheCompositeBitwise) {
  for (DType dt : {DType::F32, DType::F64}) {
    for (const Config& c : configs()) {
      SCOPED_TRACE(c.name + " " + dtype_name(dt));
      const Tensor start = test::make_input({5, 7}, dt, -1.0, 1.0, 11);
      Tensor fused = start.clone().requires_grad_();
      Tensor composite = start.t().contiguous().t().requires_grad_();  // equal values, transposed strides
      ASSERT_FALSE(composite.is_contiguous());
      auto opt_fused = c.make(fused), opt_composite = c.make(composite);
      for (int step = 0; step < 5; ++step) {
        // Gradients of mixed scale (some tiny, some large) exercise the eps and sqrt terms.
        const Tensor g = test::make_input({5, 7}, dt, -1.0, 1.0, 100 + step) *
                         exp(test::make_input({5, 7}, dt, -6.0, 3.0, 200 + step));
        fused.set_grad(g.clone());
        composite.set_grad(g.clone());
        opt_fused->step();
        opt_composite->step();
      }
      expect_bitwise_equal(fused, composite, "param");
      const nn::StateDict sf = opt_fused->state_dict(), sc = opt_composite->state_dict();
      ASSERT_EQ(sf.size(), sc.size());
      for (const auto& [key, value] : sf) expect_bitwise_equal(value, sc.at(key), key);
      // And the update really moved the parameter.
      EXPECT_FALSE(test::tensors_equal(fused.detach(), start));
    }
  }
}

// The fused kernel writes the parameter once per step; the AdamW composite writes it twice
// (decay, then update). This pins that contiguous CPU parameters take the fused path, which the
// bitwise comparison above relies on.
TEST(OptimFused, ContiguousParametersTakeTheFusedPath) {
  Tensor contiguous_p = test::make_input({4, 3}).requires_grad_();
  Tensor strided_p = test::make_input({3, 4}).t().requires_grad_();
  optim::AdamW a(TensorList{contiguous_p}), b(TensorList{strided_p});
  contiguous_p.set_grad(ones({4, 3}));
  strided_p.set_grad(ones({4, 3}));
  const uint64_t va = contiguous_p.storage()->version(), vb = strided_p.storage()->version();
  a.step();
  b.step();
  EXPECT_EQ(contiguous_p.storage()->version() - va, 1u);
  EXPECT_EQ(strided_p.storage()->version() - vb, 2u);
}

// SGD with momentum: the fused kernel writes the buffer once per step, the composite twice
// (mul_, then add_).
TEST(OptimFused, SgdMomentumBufferWrittenOncePerFusedStep) {
  Tensor contiguous_p = test::make_input({4, 3}).requires_grad_();
  Tensor strided_p = test::make_input({3, 4}).t().requires_grad_();
  const optim::SGDOptions options{.lr = 0.1, .momentum = 0.9};
  optim::SGD a(TensorList{contiguous_p}, options), b(TensorList{strided_p}, options);
  contiguous_p.set_grad(ones({4, 3}));
  strided_p.set_grad(ones({4, 3}));
  a.step();
  b.step();
  const Tensor buf_a = a.state_dict().at("state.0.momentum_buffer");
  const Tensor buf_b = b.state_dict().at("state.0.momentum_buffer");
  const uint64_t va = buf_a.storage()->version(), vb = buf_b.storage()->version();
  a.step();
  b.step();
  EXPECT_EQ(buf_a.storage()->version() - va, 1u);
  EXPECT_EQ(buf_b.storage()->version() - vb, 2u);
  // buf = 0.9 * 1 + 1 = 1.9 after the second step.
  EXPECT_TENSOR_CLOSE(buf_a, full({4, 3}, 1.9), 1e-6, 1e-6);
}

// A gradient sharing storage with the parameter falls back to the composite (the fused kernel
// assumes distinct buffers) and still gives the composite's result.
TEST(OptimFused, AliasedGradientUsesTheComposite) {
  Tensor p = tensor({0.5f, -1.0f, 2.0f}).requires_grad_();
  p.set_grad(p.detach());
  optim::Adam opt(TensorList{p}, {.lr = 0.1});
  const uint64_t v = p.storage()->version();
  opt.step();
  // First Adam step: p -= lr * g / (|g| + eps) with g = p (read before the update).
  EXPECT_TENSOR_CLOSE(p.detach(), tensor({0.4f, -0.9f, 1.9f}), 1e-6, 1e-6);
  EXPECT_EQ(p.storage()->version() - v, 1u);
}

}  // namespace
}  // namespace tz
