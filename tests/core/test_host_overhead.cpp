// The host-overhead shortcuts keep semantics: small CPU buffers recycled through the per-thread
// block cache (backends/cpu/cpu_block_cache.h), and numbers stored directly in a floating
// operand's dtype (dispatch::wrap_scalar_like) instead of as float64 followed by a cast.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "backends/cpu/cpu_block_cache.h"
#include "tests/support/test_support.h"

namespace tz {
namespace {

TEST(BlockCache, LiveBuffersNeverOverlapAndKeepTheirValues) {
  // Many small tensors of every size class alive at once, freed in two waves and reallocated:
  // recycled blocks must never be handed out twice or be too small for their request.
  std::vector<Tensor> live;
  for (int round = 0; round < 3; ++round) {
    for (int64_t n = 1; n <= 600; n += 7) {
      Tensor t = full({n}, double(n + round * 1000));
      live.push_back(t);
    }
    // Free every other tensor, so the next round reuses blocks while others are still live.
    std::vector<Tensor> kept;
    for (size_t i = 0; i < live.size(); ++i)
      if (i % 2 == 0) kept.push_back(live[i]);
    live = kept;
  }
  std::set<uintptr_t> starts;
  for (const Tensor& t : live) {
    const auto* p = static_cast<const float*>(t.data_ptr());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % cpu::kBlockAlignment, 0u);
    EXPECT_TRUE(starts.insert(reinterpret_cast<uintptr_t>(p)).second) << "block handed out twice";
    const float v = p[0];
    for (int64_t i = 0; i < t.numel(); ++i) ASSERT_EQ(p[i], v) << "buffer of " << t.numel() << " overwritten";
  }
}

TEST(BlockCache, BlocksMayBeFreedOnAnotherThread) {
  // Allocated here, released on worker threads (joining their caches, which are drained when
  // the threads exit), then allocated again here: no crash, no leak in the storage counters.
  const int64_t before = Storage::live_count();
  for (int round = 0; round < 4; ++round) {
    std::vector<Tensor> made;
    for (int i = 0; i < 200; ++i) made.push_back(full({int64_t(1 + i % 100)}, 1.0));
    std::thread worker([moved = std::move(made)]() mutable { moved.clear(); });
    worker.join();
  }
  EXPECT_EQ(Storage::live_count(), before);
  Tensor t = arange(0, 300).to(DType::F32);
  EXPECT_EQ(t.sum().item<double>(), 299.0 * 300.0 / 2.0);
}

TEST(BlockCache, RawBlocksOfEveryClassAreAlignedAndWritable) {
  for (size_t n : {size_t(0), size_t(1), size_t(63), size_t(64), size_t(65), cpu::kMaxCachedBytes,
                   cpu::kMaxCachedBytes + 1, size_t(1) << 20}) {
    auto* p = static_cast<unsigned char*>(cpu::allocate_block(n));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % cpu::kBlockAlignment, 0u) << n;
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(i);
    cpu::free_block(p, n);
  }
}

// With every floating dtype and every kind of number, the ops that take a C++ number give what
// an explicit 0-d float64 tensor gives (PyTorch's promotion: a 0-d tensor of the same category
// does not widen a dimensioned one, and its value is cast to the tensor's dtype).
TEST(WrappedScalars, NumbersInAFloatingOperandsDtypeMatchTheFloat64Route) {
  for (DType dt : {DType::F16, DType::BF16, DType::F32, DType::F64}) {
    const Tensor x = test::make_input({7}, dt, -3.0, 3.0, 5);
    for (const Scalar& s : {Scalar(0.1), Scalar(1e-9), Scalar(70000.5), Scalar(3), Scalar(true)}) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " scalar " + std::to_string(s.to_double()));
      const Tensor ref = scalar_tensor(s.to_double(), DType::F64);
      EXPECT_TENSOR_EQ(x + s, x + ref);
      EXPECT_TENSOR_EQ(x - s, x - ref);
      EXPECT_TENSOR_EQ(s - x, ref - x);
      EXPECT_TENSOR_EQ(x * s, x * ref);
      EXPECT_TENSOR_EQ(x / s, x / ref);
      EXPECT_TENSOR_EQ(gt(x, s), gt(x, ref));
      EXPECT_EQ((x * s).dtype(), dt);
      Tensor a = x.clone(), b = x.clone();
      a.mul_(s).add_(s).div_(s);
      b.mul_(ref).add_(ref).div_(ref);
      EXPECT_TENSOR_EQ(a, b);
    }
  }
  // Integer tensors keep the float64 route: a float number makes them float32.
  const Tensor i = tensor({1, 2, 3}, DType::I32);
  EXPECT_EQ((i * 0.5).dtype(), kDefaultFloat);
  EXPECT_TENSOR_EQ(i * 0.5, tensor({0.5f, 1.0f, 1.5f}));
  EXPECT_TENSOR_EQ(i / 2, tensor({0.5f, 1.0f, 1.5f}));
}

}  // namespace
}  // namespace tz
