#pragma once
/// A refcounted buffer owned by its backend's allocator, with the version counter that autograd
/// uses to detect in-place modification of tensors saved for backward.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/device.h"

namespace tz {

class Backend;

class Storage {
 public:
  /// Allocates nbytes on the device through its registered backend.
  Storage(size_t nbytes, Device device);
  /// Wraps memory the caller owns; `deleter` (may be empty) runs when the storage dies.
  Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  const Device& device() const { return device_; }
  Backend& backend() const { return *backend_; }
  /// Bumped by every in-place write through any tensor that shares this storage.
  uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

  /// Storages alive in this process and their bytes (all devices): for leak and memory tests.
  static int64_t live_count();
  static int64_t live_bytes();
  /// The highest live_bytes() since the process started or the last reset_peak_bytes(), which
  /// sets it to the current live_bytes(): peak memory of a measured region (all devices).
  static int64_t peak_bytes();
  static void reset_peak_bytes();

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  Backend* backend_ = nullptr;
  std::function<void(void*)> deleter_;
  bool owned_ = true;
  std::atomic<uint64_t> version_{0};
};

}  // namespace tz
