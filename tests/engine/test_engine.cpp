// The backward engine: graph shapes, accumulation, retain_graph, modes, hooks, in-place checks,
// deep graphs and memory.
#include <cmath>

#include "autograd/node.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

Tensor leaf(std::initializer_list<double> v) {
  Tensor t = tensor(v, DType::F64);
  t.requires_grad_(true);
  return t;
}

TEST(Engine, DiamondGraphSumsBothPaths) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 2.0;
  Tensor z = (y * 3.0 + y * 4.0).sum();
  z.backward();
  EXPECT_TENSOR_EQ(x.grad(), tensor({14.0, 14.0}, DType::F64));
}

TEST(Engine, SharedParameterUsedTwice) {
  Tensor w = leaf({0.5, -1.0});
  Tensor x1 = tensor({1.0, 2.0}, DType::F64), x2 = tensor({3.0, 5.0}, DType::F64);
  ((w * x1).sum() + (w * x2 * w).sum()).backward();
  // d/dw [w.x1 + w^2.x2] = x1 + 2 w x2
  EXPECT_TENSOR_CLOSE(w.grad(), tensor({1.0 + 2 * 0.5 * 3.0, 2.0 + 2 * -1.0 * 5.0}, DType::F64));
}

TEST(Engine, GradientsAccumulateAcrossBackwards) {
  Tensor x = leaf({1.0, 3.0});
  (x * x).sum().backward();
  (x * x).sum().backward();
  EXPECT_TENSOR_EQ(x.grad(), tensor({4.0, 12.0}, DType::F64));
  x.zero_grad(/*set_to_none=*/false);
  EXPECT_TENSOR_EQ(x.grad(), tensor({0.0, 0.0}, DType::F64));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Engine, SecondBackwardNeedsRetainGraph) {
  Tensor x = leaf({2.0});
  Tensor y = (x.exp() * x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({2 * (std::exp(2.0) * 3.0)}, DType::F64));
  EXPECT_TZ_ERROR(y.backward(), "graph already freed");
}

TEST(Engine, NoGradAndDetachCutTheGraph) {
  Tensor x = leaf({1.0, 2.0});
  {
    NoGradGuard ng;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    {
      EnableGradGuard eg;
      EXPECT_TRUE((x * 2.0).requires_grad());
    }
  }
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.data_ptr(), x.data_ptr());  // shares storage
  Tensor z = (x * d).sum();
  z.backward();
  EXPECT_TENSOR_EQ(x.grad(), tensor({1.0, 2.0}, DType::F64));  // d is a constant
  EXPECT_TZ_ERROR(d.sum().backward(), "does not require grad");
}

TEST(Engine, TensorHooksSeeAndReplaceGradients) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * 3.0;
  Tensor seen;
  y.register_hook([&](const Tensor& g) {
    seen = g;
    return g * 10.0;
  });
  const int h = x.register_hook([](const Tensor& g) { return g + 1.0; });
  y.sum().backward();
  EXPECT_TENSOR_EQ(seen, tensor({1.0, 1.0}, DType::F64));
  EXPECT_TENSOR_EQ(x.grad(), tensor({31.0, 31.0}, DType::F64));
  x.remove_hook(h);
  x.zero_grad();
  (x * 1.0).sum().backward();
  EXPECT_TENSOR_EQ(x.grad(), tensor({1.0, 1.0}, DType::F64));
}

TEST(Engine, RetainGradKeepsNonLeafGradient) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x * x;
  y.retain_grad();
  (y * 2.0).sum().backward();
  EXPECT_TENSOR_EQ(y.grad(), tensor({2.0, 2.0}, DType::F64));
  EXPECT_TENSOR_EQ(x.grad(), tensor({4.0, 8.0}, DType::F64));
}

TEST(Engine, InPlaceOnSavedTensorFailsAtBackward) {
  Tensor x = leaf({1.0, 2.0});
  Tensor y = x.exp();  // exp saves its output
  Tensor z = y.sum();
  y.add_(1.0);
  EXPECT_TZ_ERROR(z.backward(), "modified by an in-place operation");
}

TEST(Engine, InPlaceOnLeafRequiringGradIsRefused) {
  Tensor x = leaf({1.0});
  EXPECT_TZ_ERROR(x.add_(1.0), "leaf tensor that requires grad");
  NoGradGuard ng;
  x.add_(1.0);  // optimizer-style update is fine
  EXPECT_TENSOR_EQ(x.detach(), tensor({2.0}, DType::F64));
}

TEST(Engine, InPlaceOnNonLeafKeepsHistory) {
  Tensor x = leaf({1.0, 2.0});
  Tensor z = leaf({3.0, 4.0});
  Tensor y = x * 2.0;
  y.mul_(z);  // y = 2xz
  y.add_(x);  // y = 2xz + x
  y.sum().backward();
  EXPECT_TENSOR_EQ(x.grad(), tensor({7.0, 9.0}, DType::F64));
  EXPECT_TENSOR_EQ(z.grad(), tensor({2.0, 4.0}, DType::F64));
  // Like PyTorch, y.mul_(y) overwrites the operand its own backward needs.
  Tensor w = x * 2.0;
  w.mul_(w);
  EXPECT_TZ_ERROR(w.sum().backward(), "modified by an in-place operation");
}

TEST(Engine, DeepChainDoesNotOverflowTheStack) {
  Tensor x = leaf({1.0});
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y * 1.0001;
  y.sum().backward();
  EXPECT_NEAR(x.grad().item<double>(), std::pow(1.0001, 20000), 1e-6);
  y = Tensor();  // releasing the graph is iterative too
}

TEST(Engine, GradWithCreateGraphGivesSecondDerivatives) {
  Tensor x = leaf({0.5, 1.5});
  Tensor y = (x * x * x).sum();
  TensorList g = grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true);
  EXPECT_TENSOR_CLOSE(g[0], tensor({0.75, 6.75}, DType::F64));
  TensorList gg = grad({g[0].sum()}, {x});
  EXPECT_TENSOR_CLOSE(gg[0], tensor({3.0, 9.0}, DType::F64));
  EXPECT_FALSE(x.grad().defined());  // tz::grad leaves .grad alone
}

TEST(Engine, GradReportsUnusedInputs) {
  Tensor x = leaf({1.0}), unused = leaf({2.0});
  Tensor y = (x * 2.0).sum();
  EXPECT_TZ_ERROR(grad({y}, {x, unused}, {}, true), "was not used");
  TensorList g = grad({y}, {x, unused}, {}, std::nullopt, false, /*allow_unused=*/true);
  EXPECT_TENSOR_EQ(g[0], tensor({2.0}, DType::F64));
  EXPECT_FALSE(g[1].defined());
}

TEST(Engine, GradOfNonLeafInputStopsThere) {
  Tensor x = leaf({1.0, 2.0});
  Tensor h = x * 3.0;
  Tensor y = (h * h).sum();
  TensorList g = grad({y}, {h});
  EXPECT_TENSOR_EQ(g[0], tensor({6.0, 12.0}, DType::F64));
  EXPECT_FALSE(x.grad().defined());
}

TEST(Engine, NonScalarBackwardNeedsGradient) {
  Tensor x = leaf({1.0, 2.0});
  EXPECT_TZ_ERROR((x * 2.0).backward(), "only for scalar outputs");
  (x * 2.0).backward(tensor({1.0, 0.5}, DType::F64));
  EXPECT_TENSOR_EQ(x.grad(), tensor({2.0, 1.0}, DType::F64));
}

TEST(Engine, NonDifferentiableOutputsSaySo) {
  Tensor x = leaf({1.0, -2.0});
  Tensor c = x > 0.0;
  EXPECT_FALSE(c.requires_grad());
  EXPECT_TZ_ERROR(c.to(DType::F64).sum().backward(), "does not require grad");
  Tensor r = floor(x);
  EXPECT_FALSE(r.requires_grad());
  EXPECT_TZ_ERROR(tensor({1.0}).requires_grad_(true).to(DType::I64).requires_grad_(true), "only floating-point");
}

TEST(Engine, TrainingLoopKeepsMemoryFlat) {
  manual_seed(0);
  Tensor w = randn({16, 4}, DType::F64).requires_grad_(true);
  Tensor x = randn({16, 4}, DType::F64);
  auto step = [&] {
    Tensor loss = ((w * x).tanh() - 0.5).square().mean();
    loss.backward();
    NoGradGuard ng;
    w.sub_(w.grad() * 0.1);
    w.zero_grad();
  };
  for (int i = 0; i < 10; ++i) step();
  const int64_t count = Storage::live_count(), bytes = Storage::live_bytes();
  for (int i = 0; i < 1000; ++i) step();
  EXPECT_EQ(Storage::live_count(), count);
  EXPECT_EQ(Storage::live_bytes(), bytes);
}

TEST(Engine, SavedTensorsAreFreedAfterBackward) {
  Tensor x = leaf({1.0, 2.0, 3.0});
  const int64_t before = Storage::live_count();
  Tensor y = sin(x.exp()).sum();  // saves intermediates
  const int64_t during = Storage::live_count();
  EXPECT_GT(during, before);
  y.backward();
  x.zero_grad();
  y = Tensor();
  EXPECT_EQ(Storage::live_count(), before);
}

}  // namespace
}  // namespace tz::test
