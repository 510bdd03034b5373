#pragma once
/// The CUDA backend's device allocator, with the statistics tz::cuda::memory_stats() reports.
///
/// Caching: freed blocks are kept per device and size class and reused by later allocations of
/// a fitting size, as PyTorch's allocator does, so a training loop stops calling cudaMalloc
/// after its first step; empty_cache() returns the unused blocks to the driver. Blocks are
/// reused only on the stream they were allocated for (kernels of other streams may still use
/// them). When cudaMalloc fails, the cache is emptied and the allocation retried once; a
/// second failure throws "[cuda] out of memory: tried to allocate X (allocated Y, reserved Z,
/// free F of T)".
#include <cuda_runtime.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/cuda.h"

namespace tz::cuda_backend {

class CachingAllocator {
 public:
  static CachingAllocator& instance();

  void* allocate(size_t nbytes, int device, cudaStream_t stream);
  void deallocate(void* ptr, size_t nbytes, int device);
  void empty_cache();
  cuda::MemoryStats stats(int device) const;
  void reset_peak(int device);

  /// Sizes are rounded up to this granularity (and larger blocks to 2 MiB multiples).
  static size_t round_size(size_t nbytes);

 private:
  struct Block {
    void* ptr = nullptr;
    size_t size = 0;
    int device = 0;
    cudaStream_t stream = nullptr;
  };
  struct DeviceState {
    // Free cached blocks by size (best fit = lower_bound).
    std::multimap<size_t, Block> free_blocks;
    cuda::MemoryStats stats;
  };
  DeviceState& state(int device);
  void release_cached(DeviceState& s);

  mutable std::mutex mutex_;
  std::vector<DeviceState> devices_;
  std::unordered_map<void*, Block> live_;
};

}  // namespace tz::cuda_backend
