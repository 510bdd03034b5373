// The tz::cuda device API: availability, memory statistics of the caching allocator, streams
// and events, host <-> device copies.
#include "tests/cuda/cuda_test_support.h"

namespace tz::test {
namespace {

TEST(CudaDevice, AvailabilityIsConsistent) {
  EXPECT_EQ(cuda::is_available(), cuda::device_count() > 0);
  if (!cuda::is_available()) {
    EXPECT_TZ_ERROR(cuda::memory_stats(0), "[cuda]");
    EXPECT_TZ_ERROR(zeros({2}).to(cuda_device()), "cuda");
  }
}

TEST(CudaDevice, RoundTripCopyKeepsValues) {
  TZ_REQUIRE_CUDA();
  const Tensor x = make_input({3, 5}, DType::F32);
  const Tensor y = x.to(cuda_device());
  EXPECT_EQ(y.device(), cuda_device());
  EXPECT_TENSOR_CLOSE(y.cpu(), x, 0.0, 0.0);
}

TEST(CudaDevice, AllocatorCachesFreedBlocks) {
  TZ_REQUIRE_CUDA();
  cuda::empty_cache();
  const auto before = cuda::memory_stats(0);
  { Tensor a = empty({1 << 20}, cuda_device()); }
  const auto mid = cuda::memory_stats(0);
  EXPECT_EQ(mid.allocated, before.allocated);
  EXPECT_GE(mid.reserved, before.reserved + (4u << 20));
  // The same size again comes from the cache: no new cudaMalloc.
  { Tensor b = empty({1 << 20}, cuda_device()); }
  EXPECT_EQ(cuda::memory_stats(0).num_device_allocs, mid.num_device_allocs);
  cuda::empty_cache();
  const auto after = cuda::memory_stats(0);
  EXPECT_EQ(after.reserved, after.allocated);  // nothing cached any more
}

TEST(CudaDevice, EventsTimeWork) {
  TZ_REQUIRE_CUDA();
  cuda::Stream s = cuda::Stream::create(0);
  cuda::Event start(0), end(0);
  {
    cuda::StreamGuard guard(s);
    start.record(s);
    Tensor a = zeros({1 << 22}, cuda_device());
    end.record(s);
  }
  end.synchronize();
  EXPECT_TRUE(end.query());
  EXPECT_GE(start.elapsed_ms(end), 0.0f);
}

}  // namespace
}  // namespace tz::test
