#include "backends/cuda/cuda_allocator.h"

#include <string>

#include "backends/cuda/cuda_common.cuh"

namespace tz::cuda_backend {
namespace {

constexpr size_t kSmallGranularity = 512;          // bytes
constexpr size_t kLargeThreshold = 1 << 20;        // 1 MiB
constexpr size_t kLargeGranularity = 2 << 20;      // 2 MiB

std::string mib(size_t bytes) { return std::to_string(bytes / (1024.0 * 1024.0)).substr(0, 8) + " MiB"; }

}  // namespace

CachingAllocator& CachingAllocator::instance() {
  // Leaked on purpose: tensors destroyed during static destruction still free into it.
  static auto* a = new CachingAllocator();
  return *a;
}

size_t CachingAllocator::round_size(size_t nbytes) {
  if (nbytes == 0) nbytes = 1;
  const size_t g = nbytes < kLargeThreshold ? kSmallGranularity : kLargeGranularity;
  return (nbytes + g - 1) / g * g;
}

CachingAllocator::DeviceState& CachingAllocator::state(int device) {
  if (size_t(device) >= devices_.size()) devices_.resize(size_t(device) + 1);
  return devices_[size_t(device)];
}

void CachingAllocator::release_cached(DeviceState& s) {
  for (auto& [size, block] : s.free_blocks) {
    cudaFree(block.ptr);
    s.stats.reserved -= block.size;
    ++s.stats.num_device_frees;
  }
  s.free_blocks.clear();
}

void* CachingAllocator::allocate(size_t nbytes, int device, cudaStream_t stream) {
  const size_t size = round_size(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  DeviceState& s = state(device);
  ++s.stats.num_alloc_requests;
  // Best fit among cached blocks of this stream, at most twice the request (avoid hoarding
  // big blocks for small tensors).
  for (auto it = s.free_blocks.lower_bound(size); it != s.free_blocks.end() && it->first <= 2 * size + kLargeGranularity; ++it) {
    if (it->second.stream != stream) continue;
    Block b = it->second;
    s.free_blocks.erase(it);
    live_[b.ptr] = b;
    s.stats.allocated += b.size;
    s.stats.peak_allocated = std::max(s.stats.peak_allocated, s.stats.allocated);
    return b.ptr;
  }
  TZ_CUDA_CHECK(cudaSetDevice(device));
  void* ptr = nullptr;
  cudaError_t err = cudaMalloc(&ptr, size);
  if (err == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    release_cached(s);
    err = cudaMalloc(&ptr, size);
  }
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    TZ_FAIL("cuda", "out of memory: tried to allocate ", mib(size), " on cuda:", device, " (allocated ",
            mib(s.stats.allocated), ", reserved ", mib(s.stats.reserved), ", free ", mib(free_b), " of ",
            mib(total_b), "): ", cudaGetErrorString(err));
  }
  ++s.stats.num_device_allocs;
  s.stats.reserved += size;
  s.stats.peak_reserved = std::max(s.stats.peak_reserved, s.stats.reserved);
  s.stats.allocated += size;
  s.stats.peak_allocated = std::max(s.stats.peak_allocated, s.stats.allocated);
  live_[ptr] = Block{ptr, size, device, stream};
  return ptr;
}

void CachingAllocator::deallocate(void* ptr, size_t, int device) {
  if (!ptr) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(ptr);
  if (it == live_.end()) return;  // not ours (cannot happen through Storage)
  Block b = it->second;
  live_.erase(it);
  DeviceState& s = state(b.device);
  s.stats.allocated -= b.size;
  s.free_blocks.emplace(b.size, b);
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& s : devices_) release_cached(s);
}

cuda::MemoryStats CachingAllocator::stats(int device) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (size_t(device) >= devices_.size()) return {};
  return devices_[size_t(device)].stats;
}

void CachingAllocator::reset_peak(int device) {
  std::lock_guard<std::mutex> lock(mutex_);
  DeviceState& s = state(device);
  s.stats.peak_allocated = s.stats.allocated;
  s.stats.peak_reserved = s.stats.reserved;
}

}  // namespace tz::cuda_backend
