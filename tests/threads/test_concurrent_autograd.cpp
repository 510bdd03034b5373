// Forward and backward from several threads through shared parameters: one Linear, a small MLP,
// one leaf, and a graph shared by all threads. Inputs are small integers, so every gradient sum
// is exact and N threads x K steps must give exactly the sum of the single-threaded gradients.
#include <atomic>

#include "tests/threads/thread_helpers.h"

namespace tz::test {
namespace {

constexpr int kThreads = 4;
constexpr int kSteps = 40;

/// Overwrites the parameters with small integers (they start as random floats).
void integer_parameters(nn::Module& m, uint64_t seed) {
  NoGradGuard no_grad;
  for (Tensor& p : m.parameters()) {
    p.copy_(small_ints(p.shape(), -2, 3, p.dtype(), seed++));
    p.zero_grad();
  }
}

/// Sum over threads of kSteps times each thread's single-threaded parameter gradients.
std::vector<Tensor> expected_grads(nn::Module& m, int threads, const std::function<void(int)>& step) {
  std::vector<Tensor> want;
  for (Tensor& p : m.parameters()) want.push_back(zeros(p.shape(), p.dtype()));
  for (int t = 0; t < threads; ++t) {
    for (Tensor& p : m.parameters()) p.zero_grad();
    step(t);
    size_t i = 0;
    for (Tensor& p : m.parameters()) want[i] = want[i] + p.grad() * double(kSteps), ++i;
  }
  for (Tensor& p : m.parameters()) p.zero_grad();
  return want;
}

void expect_grads(nn::Module& m, const std::vector<Tensor>& want) {
  size_t i = 0;
  for (Tensor& p : m.parameters()) {
    ASSERT_TRUE(p.grad().defined()) << "parameter " << i;
    EXPECT_TENSOR_EQ(p.grad(), want[i]) << "parameter " << i;
    ++i;
  }
}

TEST(ThreadsAutograd, SharedLinearForwardBackward) {
  nn::Linear lin(6, 4);
  integer_parameters(lin, 1);
  std::vector<Tensor> xs, gys, ys;
  for (int t = 0; t < kThreads; ++t) {
    xs.push_back(small_ints({5, 6}, -2, 3, DType::F32, uint64_t(20 + t)));
    gys.push_back(small_ints({5, 4}, -2, 3, DType::F32, uint64_t(30 + t)));
  }
  std::vector<Tensor> x_grads(kThreads);
  const auto step = [&](int t) {
    Tensor x = xs[size_t(t)].detach();
    x.requires_grad_(true);
    const Tensor y = lin(x);
    (y * gys[size_t(t)]).sum().backward();
    return std::pair{y.detach(), x.grad()};
  };
  for (int t = 0; t < kThreads; ++t) {
    auto [y, gx] = step(t);
    ys.push_back(y);
    x_grads[size_t(t)] = gx;
  }
  const std::vector<Tensor> want = expected_grads(lin, kThreads, [&](int t) { step(t); });
  run_concurrently(kThreads, [&](int t) {
    for (int k = 0; k < kSteps; ++k) {
      auto [y, gx] = step(t);
      EXPECT_TENSOR_EQ(y, ys[size_t(t)]);
      EXPECT_TENSOR_EQ(gx, x_grads[size_t(t)]);
    }
  });
  expect_grads(lin, want);
}

TEST(ThreadsAutograd, SharedMlpLossBackward) {
  nn::Sequential mlp({std::make_shared<nn::Linear>(5, 8, true, DType::F64), std::make_shared<nn::ReLU>(),
                      std::make_shared<nn::Linear>(8, 3, true, DType::F64)});
  integer_parameters(mlp, 7);
  std::vector<Tensor> xs;
  for (int t = 0; t < kThreads; ++t) xs.push_back(small_ints({4, 5}, -2, 3, DType::F64, uint64_t(40 + t)));
  const auto step = [&](int t) {
    const Tensor out = mlp(xs[size_t(t)]);
    const Tensor loss = (out * out).sum();
    loss.backward();
    return loss.item<double>();
  };
  std::vector<double> losses;
  for (int t = 0; t < kThreads; ++t) losses.push_back(step(t));
  const std::vector<Tensor> want = expected_grads(mlp, kThreads, [&](int t) { step(t); });
  run_concurrently(kThreads, [&](int t) {
    for (int k = 0; k < kSteps; ++k) EXPECT_EQ(step(t), losses[size_t(t)]);
  });
  expect_grads(mlp, want);
}

TEST(ThreadsAutograd, ConcurrentAccumulationIntoOneLeafWithHook) {
  const Tensor x = leaf_ints({32}, 1, 4, DType::F64, 3);
  std::atomic<int> calls{0};
  x.register_hook([&](const Tensor& g) {
    calls++;
    return g * 2.0;  // the replacement is what accumulates
  });
  constexpr int kBackwards = 200;
  run_concurrently(kThreads, [&](int t) {
    for (int k = 0; k < kBackwards; ++k) (x * double(t + 1)).sum().backward();
  });
  EXPECT_EQ(calls.load(), kThreads * kBackwards);
  // sum over t of 2 * kBackwards * (t + 1) = 2 * 200 * 10
  EXPECT_TENSOR_EQ(x.grad(), full({32}, 2.0 * kBackwards * 10, DType::F64));
}

TEST(ThreadsAutograd, HooksAddedAndRemovedWhileOtherThreadsAccumulate) {
  const Tensor x = leaf_ints({8}, 1, 4, DType::F32, 4);
  constexpr int kBackwards = 300;
  std::atomic<bool> done{false};
  run_concurrently(kThreads, [&](int t) {
    if (t == 0) {  // churns identity hooks on the leaf while the others run backward into it
      while (!done) x.remove_hook(x.register_hook([](const Tensor&) { return Tensor(); }));
      return;
    }
    for (int k = 0; k < kBackwards; ++k) (x * 3.0).sum().backward();
    if (t == kThreads - 1) done = true;
  });
  EXPECT_TENSOR_EQ(x.grad(), full({8}, 3.0 * kBackwards * (kThreads - 1), DType::F32));
}

TEST(ThreadsAutograd, SharedGraphBackwardWithRetainGraph) {
  // One recorded graph, run backward by every thread at once (PyTorch allows this with
  // retain_graph): the nodes' saved tensors are only read, the leaf accumulation is locked.
  const Tensor w = leaf_ints({3, 4}, -2, 3, DType::F64, 5);
  const Tensor x = small_ints({2, 3}, -2, 3, DType::F64, 6);
  const Tensor h = matmul(x, w).relu() * w.sum();
  const Tensor loss = (h * h).sum();
  loss.backward({}, /*retain_graph=*/true);
  const Tensor once = w.grad().clone();
  w.zero_grad();
  constexpr int kBackwards = 50;
  run_concurrently(kThreads, [&](int) {
    for (int k = 0; k < kBackwards; ++k) loss.backward({}, /*retain_graph=*/true);
  });
  EXPECT_TENSOR_EQ(w.grad(), once * double(kThreads * kBackwards));
}

TEST(ThreadsAutograd, SharedGraphFreedByOneThreadFailsCleanlyInTheOthers) {
  // Without retain_graph the first backward to reach a node frees its saved state; a thread
  // that reaches it later must get PyTorch's "graph already freed" error, never a crash.
  for (int round = 0; round < 20; ++round) {
    const Tensor w = leaf_ints({3, 4}, -2, 3, DType::F64, 9);
    const Tensor x = small_ints({2, 3}, -2, 3, DType::F64, 10);
    const Tensor loss = (matmul(x, w).relu() * w.sum()).square().sum();
    std::atomic<int> ok{0};
    run_concurrently(3, [&](int) {
      try {
        loss.backward();
        ok++;
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("graph already freed"), std::string::npos) << e.what();
      }
    });
    EXPECT_GE(ok.load(), 1);
  }
}

TEST(ThreadsAutograd, TensorGradReadWhileAccumulating) {
  // grad() / zero_grad(false) from another thread see a whole tensor, never a torn handle.
  const Tensor x = leaf_ints({16}, 1, 2, DType::F32, 8);
  std::atomic<bool> done{false};
  run_concurrently(2, [&](int t) {
    if (t == 0) {
      for (int k = 0; k < 500; ++k) (x * 1.0).sum().backward();
      done = true;
    } else {
      while (!done) {
        const Tensor g = x.grad();
        if (g.defined()) EXPECT_EQ(g.numel(), 16);
      }
    }
  });
  EXPECT_TENSOR_EQ(x.grad(), full({16}, 500.0, DType::F32));
}

}  // namespace
}  // namespace tz::test
