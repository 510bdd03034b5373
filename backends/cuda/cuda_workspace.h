#pragma once
/// Scratch device memory for one kernel launch (cuBLAS/cuDNN workspaces, packed operands), taken
/// from the caching allocator on the current stream. Freeing right after queuing the work that
/// uses it is safe: a block freed on a stream is only handed out again to work queued later on
/// the same stream (cuda_allocator.h), which runs after the kernels that read it.
#include <cstddef>
#include <cstdlib>

#include "backends/cuda/cuda_allocator.h"
#include "backends/cuda/cuda_common.cuh"

namespace tz::cuda_backend {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t nbytes) : nbytes_(nbytes), device_(current_device()) {
    if (nbytes_ > 0) ptr_ = acquire(nbytes_, device_);
  }
  ~DeviceBuffer() {
    if (ptr_) release(ptr_, nbytes_, device_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), nbytes_(o.nbytes_), device_(o.device_) { o.ptr_ = nullptr; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      if (ptr_) release(ptr_, nbytes_, device_);
      ptr_ = o.ptr_;
      nbytes_ = o.nbytes_;
      device_ = o.device_;
      o.ptr_ = nullptr;
    }
    return *this;
  }

  void* get() const { return ptr_; }
  size_t size() const { return nbytes_; }
  template <class T> T* as() const { return static_cast<T*>(ptr_); }

 private:
  // Under the kernel emulator (backends/cuda/emu) device memory is host memory.
#if defined(TZ_CUDA_EMULATION)
  static void* acquire(size_t n, int) { return std::aligned_alloc(256, (n + 255) / 256 * 256); }
  static void release(void* p, size_t, int) { std::free(p); }
#else
  static void* acquire(size_t n, int device) { return CachingAllocator::instance().allocate(n, device, current_stream()); }
  static void release(void* p, size_t n, int device) { CachingAllocator::instance().deallocate(p, n, device); }
#endif
  void* ptr_ = nullptr;
  size_t nbytes_ = 0;
  int device_ = 0;
};

}  // namespace tz::cuda_backend
