#pragma once
/// A refcounted buffer owned by its backend's allocator, with the version counter that autograd
/// uses to detect in-place modification of tensors saved for backward.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/device.h"
#include "core/error.h"

namespace tz {

class Backend;

/// A device could not provide the bytes asked for (like torch.OutOfMemoryError). It is a
/// tz::Error; reason() is the part after the request ("out of memory ..."), so that callers
/// which know the op, shape and dtype can rethrow it with them.
class OutOfMemoryError : public Error {
 public:
  OutOfMemoryError(const std::string& msg, std::string reason) : Error(msg), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

class Storage {
 public:
  /// Allocates nbytes on the device through its registered backend; throws OutOfMemoryError
  /// (never std::bad_alloc) when that fails or check_fits() refuses the request.
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

  /// Physical RAM + swap of this machine in bytes (0 when unknown): no single host allocation
  /// larger than this can ever be backed.
  static uint64_t host_memory_limit();
  /// Throws OutOfMemoryError when nbytes certainly cannot be allocated on `device`, without
  /// allocating: over INT64_MAX anywhere, over host_memory_limit() on the CPU.
  static void check_fits(size_t nbytes, Device device);

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
