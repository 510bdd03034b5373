#pragma once
/// Temporary device buffers for kernels that need workspace (partial results, CUB temp storage,
/// error flags), taken from the backend's caching allocator on the current stream.
///
/// Freeing a buffer right after queueing the kernels that use it is safe: the allocator only
/// hands a cached block out again on the stream it was allocated for, so later work on that
/// stream runs after these kernels.
#include <cstddef>
#include <cstdint>

#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_workspace.h"

namespace tz::cuda_backend {

/// `count` elements of T (a typed DeviceBuffer, cuda_workspace.h).
template <class T>
class DeviceScratch {
 public:
  explicit DeviceScratch(size_t count) : count_(count), buf_(count * sizeof(T)) {}

  T* get() const { return buf_.as<T>(); }
  size_t size() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }

 private:
  size_t count_ = 0;
  DeviceBuffer buf_;
};

/// Number of streaming multiprocessors of the current device (for sizing split reductions).
inline int sm_count() {
  static const int n = [] {
    int v = 0;
    if (cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, current_device()) != cudaSuccess) {
      (void)cudaGetLastError();
      v = 0;
    }
    return v > 0 ? v : 80;
  }();
  return n;
}

/// Records the first out-of-range index a kernel meets (device side) and raises it on the host
/// after the kernel (one stream synchronisation: the contract says these kernels throw).
class IndexErrorFlag {
 public:
  IndexErrorFlag() : buf_(2) { TZ_CUDA_CHECK(cudaMemsetAsync(buf_.get(), 0, buf_.bytes(), current_stream())); }
  /// buf[0] != 0 once an error was seen; buf[1] holds the offending index.
  unsigned long long* device() const { return buf_.get(); }
  void raise_if_any(const char* op, int dim, int64_t size) const {
    unsigned long long host[2] = {0, 0};
    TZ_CUDA_CHECK(cudaMemcpyAsync(host, buf_.get(), sizeof(host), cudaMemcpyDeviceToHost, current_stream()));
    TZ_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    if (host[0] != 0)
      TZ_FAIL(op, "index ", static_cast<long long>(host[1]), " is out of bounds for dim ", dim, " with size ", size);
  }

 private:
  DeviceScratch<unsigned long long> buf_;
};

/// Device side of IndexErrorFlag: the first reporter stores its index.
__device__ inline void report_bad_index(unsigned long long* flag, int64_t index) {
  if (atomicCAS(flag, 0ull, 1ull) == 0ull) flag[1] = static_cast<unsigned long long>(index);
}

}  // namespace tz::cuda_backend
