// Ops and process-wide state used from several threads at once: oneDNN-backed convolution and
// pooling (cached primitives), the random generator's counter, grad/autocast modes, and the
// storage live counters. Every scenario is compared exactly with its single-threaded result.
#include <algorithm>
#include <atomic>
#include <deque>
#include <latch>

#include "autograd/autocast.h"
#include "tests/threads/thread_helpers.h"

namespace tz::test {
namespace {

constexpr int kThreads = 4;

/// Everything one conv -> pool step produces: forward outputs, no-grad outputs and gradients.
std::vector<Tensor> conv_pool_step(const Tensor& x_data, const Tensor& w, const Tensor& b) {
  // Pooled outputs are [2, 16, 16, 16]: large enough that pooling takes the oneDNN path.
  std::vector<Tensor> out;
  {
    NoGradGuard no_grad;  // max pooling without indices: the oneDNN forward
    const Tensor y = conv2d(x_data, w, b, {1}, {1});
    out.push_back(max_pool2d(y, {2}));
    out.push_back(avg_pool2d(y, {2}));
  }
  Tensor x = x_data.detach();
  x.requires_grad_(true);
  const Tensor y = conv2d(x, w, b, {1}, {1});
  const Tensor mp = max_pool2d(y, {2});
  const Tensor ap = avg_pool2d(y, {2});  // averages of 4 integers: exact
  const Tensor loss = (mp * 2.0).sum() + (ap * 4.0).sum() + (y * y).sum();
  const TensorList g = grad({loss}, {x, w, b});
  for (const Tensor& t : {y, mp, ap}) out.push_back(t.detach());
  out.insert(out.end(), g.begin(), g.end());
  // The transposed convolution runs oneDNN's backward-data primitive forwards.
  out.push_back(conv_transpose2d(y.detach(), w.detach(), {}, {1}, {1}));
  return out;
}

TEST(ThreadsOps, Conv2dAndPoolingForwardBackwardMatchSingleThread) {
  const Tensor w = leaf_ints({16, 4, 3, 3}, -1, 2, DType::F32, 1);
  const Tensor b = leaf_ints({16}, -2, 3, DType::F32, 2);
  std::vector<Tensor> xs;
  std::vector<std::vector<Tensor>> want;
  for (int t = 0; t < kThreads; ++t) {
    xs.push_back(small_ints({2, 4, 32, 32}, -2, 3, DType::F32, uint64_t(10 + t)));
    want.push_back(conv_pool_step(xs.back(), w, b));
  }
  run_concurrently(kThreads, [&](int t) {
    for (int it = 0; it < 3; ++it) {
      const std::vector<Tensor> got = conv_pool_step(xs[size_t(t)], w, b);
      ASSERT_EQ(got.size(), want[size_t(t)].size());
      for (size_t i = 0; i < got.size(); ++i) EXPECT_TENSOR_EQ(got[i], want[size_t(t)][i]) << "output " << i;
    }
  });
}

TEST(ThreadsOps, SameConvProblemFromManyThreads) {
  // Every thread runs the very same problem (one cached primitive per direction), on its own
  // buffers, many times.
  const Tensor w = small_ints({8, 3, 3, 3}, -1, 2, DType::F32, 3);
  const Tensor x = small_ints({1, 3, 16, 16}, -2, 3, DType::F32, 4);
  const Tensor want = conv2d(x, w, {}, {1}, {1});
  run_concurrently(kThreads, [&](int) {
    for (int it = 0; it < 50; ++it) EXPECT_TENSOR_EQ(conv2d(x, w, {}, {1}, {1}), want);
  });
}

TEST(ThreadsRandom, AdvanceReservesDisjointRanges) {
  Generator gen(5);
  constexpr int kDraws = 5000;
  std::vector<std::vector<uint64_t>> firsts(kThreads);
  run_concurrently(kThreads, [&](int t) {
    for (int i = 0; i < kDraws; ++i) firsts[size_t(t)].push_back(gen.advance(3));
  });
  std::vector<uint64_t> all;
  for (auto& f : firsts) all.insert(all.end(), f.begin(), f.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), size_t(kThreads * kDraws));
  // Disjoint and gap-free: the reservations tile [0, 3 * N).
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], 3 * i);
  EXPECT_EQ(gen.state().offset, uint64_t(3 * kThreads * kDraws));
}

TEST(ThreadsRandom, ConcurrentDrawsAreTheSequentialDrawsInSomeOrder) {
  constexpr int kDraws = 300;
  const auto draw = [](Generator& g) { return rand({6}, DType::F64, &g).to_vector<double>(); };
  Generator sequential(11);
  std::vector<std::vector<double>> want;
  for (int i = 0; i < kThreads * kDraws; ++i) want.push_back(draw(sequential));
  Generator shared(11);
  std::vector<std::vector<std::vector<double>>> got(kThreads);
  run_concurrently(kThreads, [&](int t) {
    for (int i = 0; i < kDraws; ++i) got[size_t(t)].push_back(draw(shared));
  });
  std::vector<std::vector<double>> all;
  for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(all, want);  // no stream drawn twice, none skipped
}

TEST(ThreadsRandom, ReseedingWhileDrawingKeepsSeedAndOffsetTogether) {
  // manual_seed from one thread while others draw: each draw must use a (seed, offset) pair
  // that some sequence of whole calls produced, so it equals one of the draws a generator of
  // that seed makes at a multiple of the draw size.
  Generator shared(1);
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> known;
  for (uint64_t seed : {1, 2}) {
    Generator g(seed);
    for (int i = 0; i < 4000; ++i) known.push_back(rand({4}, DType::F64, &g).to_vector<double>());
  }
  std::sort(known.begin(), known.end());
  run_concurrently(3, [&](int t) {
    if (t == 0) {
      for (int i = 0; i < 200; ++i) shared.manual_seed(uint64_t(1 + i % 2));
      stop = true;
      return;
    }
    for (int i = 0; i < 1000 && !stop; ++i) {
      const std::vector<double> v = rand({4}, DType::F64, &shared).to_vector<double>();
      EXPECT_TRUE(std::binary_search(known.begin(), known.end(), v));
    }
  });
}

TEST(ThreadsModes, NoGradInOneThreadDoesNotAffectAnother) {
  const Tensor x = leaf_ints({3}, 1, 4, DType::F64, 1);
  std::latch guard_held(1), checked(1);
  run_concurrently(2, [&](int t) {
    if (t == 0) {
      NoGradGuard no_grad;
      autocast::Guard amp(DType::BF16);
      guard_held.count_down();
      checked.wait();  // the other thread checks while this one is inside both guards
      EXPECT_FALSE(GradMode::is_enabled());
      EXPECT_FALSE((x * 2.0).requires_grad());
    } else {
      guard_held.wait();
      EXPECT_TRUE(GradMode::is_enabled());
      EXPECT_FALSE(autocast::is_enabled());
      const Tensor y = x * 2.0;
      EXPECT_TRUE(y.requires_grad());
      EXPECT_TRUE(bool(y.grad_fn()));
      checked.count_down();
    }
  });
  EXPECT_TRUE(GradMode::is_enabled());
}

TEST(ThreadsCore, LiveCountersStayConsistentUnderConcurrentCreateAndDestroy) {
  const int64_t count0 = Storage::live_count(), bytes0 = Storage::live_bytes();
  // Tensors made on one thread and released on another go through a shared queue.
  std::mutex mu;
  std::deque<Tensor> handoff;
  run_concurrently(kThreads, [&](int t) {
    for (int i = 0; i < 3000; ++i) {
      Tensor a = zeros({int64_t(1 + (i + t) % 40)});  // sizes on both sides of the block cache
      Tensor b = a + 1.0;
      Tensor big = empty({int64_t(600 + i % 7)}, DType::F64);
      std::lock_guard<std::mutex> lock(mu);
      handoff.push_back(i % 2 ? b : big);
      if (handoff.size() > 16) handoff.pop_front();  // often a tensor another thread made
    }
  });
  handoff.clear();
  EXPECT_EQ(Storage::live_count(), count0);
  EXPECT_EQ(Storage::live_bytes(), bytes0);
  EXPECT_GE(Storage::peak_bytes(), bytes0);
}

}  // namespace
}  // namespace tz::test
